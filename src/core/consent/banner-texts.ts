import { isLanguage, LANGUAGES, type Language } from '../i18n/languages.js';
import type { BannerText } from './banner-content.js';

/**
 * The languages the consent banner speaks: those Sluice speaks to data subjects (`core/i18n/languages.ts`). A
 * language is added there, with its `BannerText` below and the default categories' names in consent-category.ts.
 */
export const BANNER_LANGUAGES = LANGUAGES;
export type BannerLanguage = Language;
export const isBannerLanguage = isLanguage;

/**
 * Every sentence and label of the banner, per language. Changing any of them makes a new banner version (the proof
 * of consent keeps what each visitor was shown: decision 0404). In `intro`, the quoted link text is `reopen`.
 */
export const BANNER_TEXTS: Readonly<Record<BannerLanguage, BannerText>> = Object.freeze({
  en: {
    title: 'Your privacy choices',
    intro: 'Choose which purposes this site may use your data for. You can change this at any time from the "Privacy choices" link.',
    gpcNotice: 'Opt-Out Request Honored: your browser sent a Global Privacy Control signal, so sale and sharing stay off.',
    policyChanged: 'Our privacy policy has changed (version {version}). Please review your choices: your earlier ones are filled in.',
    newCategories: 'We have added purposes you have not chosen for yet (marked "new"). Please review your choices.',
    alwaysOn: ' (always on)',
    gpcOff: ' (off: Opt-Out Request Honored)',
    newLabel: ' (new)',
    rejectAll: 'Reject all',
    acceptAll: 'Accept all',
    save: 'Save my choices',
    reopen: 'Privacy choices',
  },
  de: {
    title: 'Ihre Datenschutz-Einstellungen',
    intro: 'Wählen Sie, für welche Zwecke diese Website Ihre Daten verwenden darf. Sie können Ihre Auswahl jederzeit über den Link „Datenschutz-Einstellungen“ ändern.',
    gpcNotice: 'Opt-out-Anfrage berücksichtigt: Ihr Browser hat ein Global-Privacy-Control-Signal gesendet, daher bleiben Verkauf und Weitergabe deaktiviert.',
    policyChanged: 'Unsere Datenschutzerklärung hat sich geändert (Version {version}). Bitte prüfen Sie Ihre Auswahl: Ihre bisherigen Angaben sind bereits eingetragen.',
    newCategories: 'Wir haben Zwecke hinzugefügt, für die Sie noch keine Auswahl getroffen haben (mit „neu“ markiert). Bitte prüfen Sie Ihre Auswahl.',
    alwaysOn: ' (immer aktiv)',
    gpcOff: ' (aus: Opt-out-Anfrage berücksichtigt)',
    newLabel: ' (neu)',
    rejectAll: 'Alle ablehnen',
    acceptAll: 'Alle akzeptieren',
    save: 'Auswahl speichern',
    reopen: 'Datenschutz-Einstellungen',
  },
  fr: {
    title: 'Vos choix de confidentialité',
    intro: 'Choisissez les finalités pour lesquelles ce site peut utiliser vos données. Vous pouvez modifier vos choix à tout moment avec le lien « Choix de confidentialité ».',
    gpcNotice: "Demande d'opposition respectée : votre navigateur a envoyé un signal Global Privacy Control, la vente et le partage restent donc désactivés.",
    policyChanged: 'Notre politique de confidentialité a changé (version {version}). Veuillez vérifier vos choix : vos choix précédents sont déjà renseignés.',
    newCategories: "Nous avons ajouté des finalités pour lesquelles vous n'avez pas encore fait de choix (marquées « nouveau »). Veuillez vérifier vos choix.",
    alwaysOn: ' (toujours actif)',
    gpcOff: " (désactivé : demande d'opposition respectée)",
    newLabel: ' (nouveau)',
    rejectAll: 'Tout refuser',
    acceptAll: 'Tout accepter',
    save: 'Enregistrer mes choix',
    reopen: 'Choix de confidentialité',
  },
  es: {
    title: 'Sus opciones de privacidad',
    intro: 'Elija para qué fines puede usar este sitio sus datos. Puede cambiarlo en cualquier momento desde el enlace «Opciones de privacidad».',
    gpcNotice: 'Solicitud de exclusión atendida: su navegador envió una señal Global Privacy Control, por lo que la venta y el intercambio de datos permanecen desactivados.',
    policyChanged: 'Nuestra política de privacidad ha cambiado (versión {version}). Revise sus opciones: las que eligió antes ya están marcadas.',
    newCategories: 'Hemos añadido fines sobre los que aún no ha elegido (marcados como «nuevo»). Revise sus opciones.',
    alwaysOn: ' (siempre activo)',
    gpcOff: ' (desactivado: solicitud de exclusión atendida)',
    newLabel: ' (nuevo)',
    rejectAll: 'Rechazar todo',
    acceptAll: 'Aceptar todo',
    save: 'Guardar mis opciones',
    reopen: 'Opciones de privacidad',
  },
  it: {
    title: 'Le Sue scelte sulla privacy',
    intro: 'Scelga per quali finalità questo sito può usare i Suoi dati. Può modificare le Sue scelte in qualsiasi momento dal link «Scelte sulla privacy».',
    gpcNotice: 'Richiesta di opposizione rispettata: il Suo browser ha inviato un segnale Global Privacy Control, quindi vendita e condivisione restano disattivate.',
    policyChanged: "La nostra informativa sulla privacy è cambiata (versione {version}). Riveda le Sue scelte: quelle precedenti sono già compilate.",
    newCategories: 'Abbiamo aggiunto finalità per cui non ha ancora fatto una scelta (contrassegnate come «nuovo»). Riveda le Sue scelte.',
    alwaysOn: ' (sempre attivo)',
    gpcOff: ' (disattivato: richiesta di opposizione rispettata)',
    newLabel: ' (nuovo)',
    rejectAll: 'Rifiuta tutto',
    acceptAll: 'Accetta tutto',
    save: 'Salva le mie scelte',
    reopen: 'Scelte sulla privacy',
  },
  nl: {
    title: 'Uw privacykeuzes',
    intro: 'Kies voor welke doeleinden deze site uw gegevens mag gebruiken. U kunt dit altijd wijzigen via de link "Privacykeuzes".',
    gpcNotice: 'Opt-outverzoek gehonoreerd: uw browser heeft een Global Privacy Control-signaal verzonden, dus verkoop en delen blijven uit.',
    policyChanged: 'Ons privacybeleid is gewijzigd (versie {version}). Controleer uw keuzes: uw eerdere keuzes zijn al ingevuld.',
    newCategories: 'We hebben doeleinden toegevoegd waarvoor u nog geen keuze hebt gemaakt (gemarkeerd als "nieuw"). Controleer uw keuzes.',
    alwaysOn: ' (altijd aan)',
    gpcOff: ' (uit: opt-outverzoek gehonoreerd)',
    newLabel: ' (nieuw)',
    rejectAll: 'Alles weigeren',
    acceptAll: 'Alles accepteren',
    save: 'Mijn keuzes opslaan',
    reopen: 'Privacykeuzes',
  },
  pt: {
    title: 'As suas escolhas de privacidade',
    intro: 'Escolha para que finalidades este site pode usar os seus dados. Pode alterar as suas escolhas a qualquer momento no link "Escolhas de privacidade".',
    gpcNotice: 'Pedido de exclusão respeitado: o seu navegador enviou um sinal Global Privacy Control, por isso a venda e a partilha continuam desativadas.',
    policyChanged: 'A nossa política de privacidade mudou (versão {version}). Reveja as suas escolhas: as anteriores já estão preenchidas.',
    newCategories: 'Acrescentámos finalidades sobre as quais ainda não escolheu (marcadas como "novo"). Reveja as suas escolhas.',
    alwaysOn: ' (sempre ativo)',
    gpcOff: ' (desativado: pedido de exclusão respeitado)',
    newLabel: ' (novo)',
    rejectAll: 'Rejeitar tudo',
    acceptAll: 'Aceitar tudo',
    save: 'Guardar as minhas escolhas',
    reopen: 'Escolhas de privacidade',
  },
});
