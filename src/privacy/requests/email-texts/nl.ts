import type { SubjectEmailText } from '../subject-email-text.js';

/** The emails to a data subject in Dutch (`SUBJECT_EMAIL_TEXTS`). */
export const nl: SubjectEmailText = {
  what: {
    access: 'om inzage in en een kopie van uw persoonsgegevens',
    delete: 'om wissing van uw persoonsgegevens',
    correct: 'om rectificatie van uw persoonsgegevens',
    restrict: 'om beperking van de verwerking van uw persoonsgegevens',
    unrestrict: 'om opheffing van de beperking van de verwerking',
    object: 'om te stoppen met de gebruiksdoelen van uw persoonsgegevens waartegen u bezwaar maakt',
    opt_out: 'om uw persoonsgegevens niet langer te verkopen of te delen',
    limit_sensitive: 'om het gebruik van uw gevoelige persoonsgegevens te beperken',
    unlimit_sensitive: 'om de beperking van het gebruik van uw gevoelige persoonsgegevens op te heffen',
    suppress: 'om elke verdere verzameling van uw gegevens te blokkeren',
    unsuppress: 'om de blokkering van de verzameling van uw gegevens op te heffen',
    know: 'om te weten welke persoonsgegevens wij over u bewaren en aan wie wij die hebben verstrekt',
  },
  reference: (id) => `Kenmerk: ${id}`,
  why: (reason) => `Reden: ${reason}`,
  reasonNotGiven: 'niet opgegeven',
  code: {
    subject: 'Bevestig uw privacyverzoek',
    lines: ({ code, what, id, expiresAt, attempts }) => [
      `Uw verificatiecode is ${code}.`,
      '',
      `Voer deze in op de pagina waar u uw verzoek ${what} hebt gedaan (kenmerk ${id}). De code verloopt over 10 minuten, op ${expiresAt}, en u hebt ${attempts} pogingen.`,
      '',
      'Hebt u dit verzoek niet gedaan? Negeer dan deze e-mail: zonder de code gebeurt er niets.',
    ],
  },
  newLinkCode: {
    subject: 'Uw code voor een nieuwe downloadlink',
    lines: ({ code, expiresAt, attempts }) => [
      `Uw verificatiecode is ${code}.`,
      '',
      `Voer deze in op de privacypagina waar u een nieuwe link hebt gevraagd naar een kopie van uw gegevens of naar ons rapport over u. De code verloopt over 10 minuten, op ${expiresAt}, en u hebt ${attempts} pogingen. Daarna e-mailen wij u een nieuwe link voor elk zulk verzoek dat u met dit adres hebt gedaan en dat wij hebben beantwoord.`,
      '',
      'Hebt u hier niet om gevraagd? Negeer dan deze e-mail: zonder de code gebeurt er niets.',
    ],
  },
  received: {
    subject: 'Wij hebben uw privacyverzoek ontvangen',
    lines: ({ on, what, by }) => [`Op ${on} hebben wij uw verzoek ${what} ontvangen.`, `Wij antwoorden u uiterlijk op ${by}.`],
    codeNote: 'Voer ter bevestiging dat het verzoek van u is de 6-cijferige code in die wij u in een aparte e-mail hebben gestuurd. Tot dan gebeurt er niets.',
  },
  extended: {
    subject: 'Wij hebben meer tijd nodig voor uw privacyverzoek',
    lines: ({ what, why, by }) => [`Wij hebben meer tijd nodig om uw verzoek ${what} te beantwoorden, zoals de wet eenmaal toestaat.`, `Reden: ${why}`, `Wij antwoorden u nu uiterlijk op ${by}.`],
  },
  denied: {
    subject: 'Wij konden uw privacyverzoek niet uitvoeren',
    intro: (what) => `Wij konden uw verzoek ${what} niet uitvoeren.`,
    gdprRemedies: 'Bent u het hier niet mee eens, dan kunt u een klacht indienen bij een toezichthoudende autoriteit voor gegevensbescherming (met name in het land waar u woont of werkt, of waar volgens u de wet is overtreden) en een beroep instellen bij de rechter.',
  },
  completed: { subject: 'Uw privacyverzoek is afgehandeld', generic: (what) => `Wij hebben uw verzoek ${what} afgehandeld.` },
  linkSent: { subject: 'Een nieuwe link voor uw privacyverzoek', intro: 'Hier is een nieuwe link, zoals u ons hebt gevraagd.' },
  linkUntil: (time) => `De link werkt tot ${time}; houd hem voor uzelf: iedereen die hem heeft, kan het bestand openen.`,
  access: { ready: 'Uw persoonsgegevens staan klaar. Om ze in uw browser te lezen:', file: 'Dezelfde gegevens als bestand dat u aan een andere dienst kunt geven (JSON, machineleesbaar):' },
  know: {
    ready: 'Ons rapport over de persoonsgegevens die wij over u bewaren, waar ze vandaan komen, waarvoor wij ze gebruiken en aan wie wij ze hebben verstrekt. Om het in uw browser te lezen:',
    file: 'Hetzelfde rapport als bestand (JSON, machineleesbaar):',
  },
  deletion: {
    done: 'Wij hebben uw persoonsgegevens uit onze systemen gewist.',
    askedRecipients: 'Wij hebben ook elke dienst die uw gegevens heeft ontvangen gevraagd ze te wissen:',
    hashedRecordKept: 'Wij bewaren een onleesbaar gemaakte (gehashte) vastlegging van uw kenmerken, alleen om te voorkomen dat er opnieuw gegevens over u worden verzameld.',
    updateSubject: 'Stand van zaken van uw verzoek om wissing',
    whereItStands: (why) => `${why} Zo staat het met uw gegevens bij elke dienst die ze heeft ontvangen:`,
    jobsSettled: (what) => `Toen wij uw verzoek ${what} afhandelden, waren sommige diensten nog bezig uw gegevens te wissen. Zij zijn nu klaar.`,
    confirmedByHand: 'De diensten waarmee wij contact hielden, hebben uw gegevens nu gewist.',
    outcomes: {
      deleted: 'gewist',
      submitted: 'wissing aangevraagd, wordt uitgevoerd bij de dienst',
      notSupported: 'deze dienst kan niet automatisch worden gevraagd; wij vragen hem rechtstreeks uw gegevens te wissen',
      notRecipient: 'heeft uw gegevens nooit ontvangen en is daarom niet benaderd',
      failed: 'de dienst heeft de wissing niet bevestigd; wij volgen dit met hen op',
    },
  },
  correction: {
    corrected: (traits) => (traits === undefined ? 'Wij hebben uw persoonsgegevens gerectificeerd.' : `Wij hebben uw persoonsgegevens gerectificeerd: ${traits}.`),
    passedOn: 'Wij hebben de rectificatie doorgegeven aan de diensten die uw gegevens ontvangen:',
    outcomes: {
      delivered: 'op de hoogte gebracht van de rectificatie',
      notRecipient: 'niet op de hoogte gebracht: ontvangt uw gegevens niet, volgens uw privacykeuzes',
      notConfigured: 'niet op de hoogte gebracht: is zo ingesteld dat het dit soort gegevens niet ontvangt',
      unreachable: 'kon niet worden bereikt; wij volgen dit met hen op',
    },
    traits: { name: 'naam', firstName: 'voornaam', lastName: 'achternaam', phone: 'telefoonnummer', title: 'functietitel', email: 'e-mailadres' },
  },
  restriction: [
    'Wij hebben de verwerking van uw persoonsgegevens beperkt: wij bewaren ze, maar gebruiken ze niet meer en sturen ze niet meer naar andere diensten.',
    'Dit duurt tot de beperking op uw verzoek wordt opgeheven; wij laten het u weten voordat zij wordt opgeheven.',
  ],
  objection: {
    stopped: (uses) => (uses === undefined ? 'Wij gebruiken uw persoonsgegevens niet meer voor de doeleinden waartegen u bezwaar hebt gemaakt.' : `Wij gebruiken uw persoonsgegevens niet meer voor: ${uses}.`),
    until: 'Dit blijft zo tot u opnieuw toestemming geeft (bijvoorbeeld in onze cookiebanner).',
  },
  optOut: ['Opt-outverzoek gehonoreerd: wij verkopen of delen uw persoonsgegevens niet meer.', 'Dit blijft zo tot u opnieuw toestemming geeft.'],
  limitSensitive: ['Wij gebruiken uw gevoelige persoonsgegevens nu alleen voor zover nodig om onze dienst te leveren, en sturen ze niet meer naar andere diensten.'],
  unverified: {
    codeExpired: 'Uw identiteit kon niet worden geverifieerd: de code is verlopen voordat hij werd ingevoerd. U kunt het verzoek opnieuw doen.',
    wrongCodes: (n) => `Uw identiteit kon niet worden geverifieerd: er zijn ${n} verkeerde codes ingevoerd. U kunt het verzoek opnieuw doen.`,
    notEntered: (days) => `Uw identiteit kon niet worden geverifieerd: de per e-mail gestuurde code is niet binnen ${days} ${days === 1 ? 'dag' : 'dagen'} ingevoerd. U kunt het verzoek opnieuw doen.`,
  },
  recipient: (name, said) => `- ${name}: ${said}`,
  listSeparator: ', ',
};
