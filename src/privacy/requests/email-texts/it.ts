import type { SubjectEmailText } from '../subject-email-text.js';

/** Italian's article before a date: "il 4 dicembre", but "l'8 dicembre", "l'11 dicembre". */
const il = (date: string) => (/^(8|11)\b/.test(date) ? `l’${date}` : `il ${date}`);
const al = (date: string) => (/^(8|11)\b/.test(date) ? `all’${date}` : `al ${date}`);
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The emails to a data subject in Italian (`SUBJECT_EMAIL_TEXTS`). */
export const it: SubjectEmailText = {
  what: {
    access: 'di accesso ai Suoi dati personali e di una copia degli stessi',
    delete: 'di cancellazione dei Suoi dati personali',
    correct: 'di rettifica dei Suoi dati personali',
    restrict: 'di limitazione del trattamento dei Suoi dati personali',
    unrestrict: 'di revoca della limitazione del trattamento',
    object: 'di opposizione agli utilizzi dei Suoi dati personali che Lei contesta',
    opt_out: 'di opposizione alla vendita e alla condivisione dei Suoi dati personali',
    limit_sensitive: "di limitazione dell'uso dei Suoi dati personali sensibili",
    unlimit_sensitive: "di revoca della limitazione dell'uso dei Suoi dati personali sensibili",
    suppress: 'di blocco di ogni ulteriore raccolta dei Suoi dati',
    unsuppress: 'di revoca del blocco della raccolta dei Suoi dati',
    know: 'di informazioni sui dati personali che conserviamo su di Lei e sui destinatari a cui li abbiamo comunicati',
  },
  reference: (id) => `Riferimento: ${id}`,
  why: (reason) => `Motivo: ${reason}`,
  reasonNotGiven: 'non indicato',
  code: {
    subject: 'Confermi la Sua richiesta sulla privacy',
    lines: ({ code, what, id, expiresAt, attempts }) => [
      `Il Suo codice di verifica è ${code}.`,
      '',
      `Lo inserisca nella pagina in cui ha presentato la Sua richiesta ${what} (riferimento ${id}). Scade tra 10 minuti, ${il(expiresAt)}, e consente ${attempts} tentativi.`,
      '',
      'Se non ha presentato Lei questa richiesta, ignori questa e-mail: senza il codice non succede nulla.',
    ],
  },
  newLinkCode: {
    subject: 'Il Suo codice per un nuovo link di download',
    lines: ({ code, expiresAt, attempts }) => [
      `Il Suo codice di verifica è ${code}.`,
      '',
      `Lo inserisca nella pagina sulla privacy in cui ha chiesto un nuovo link a una copia dei Suoi dati o al nostro rapporto su di Lei. Scade tra 10 minuti, ${il(expiresAt)}, e consente ${attempts} tentativi. Le invieremo poi un nuovo link per ciascuna richiesta di questo tipo presentata con questo indirizzo a cui abbiamo risposto.`,
      '',
      'Se non lo ha chiesto Lei, ignori questa e-mail: senza il codice non succede nulla.',
    ],
  },
  received: {
    subject: 'Abbiamo ricevuto la Sua richiesta sulla privacy',
    lines: ({ on, what, by }) => [`${capitalised(il(on))} abbiamo ricevuto la Sua richiesta ${what}.`, `Le risponderemo entro ${il(by)}.`],
    codeNote: 'Per confermare che la richiesta è Sua, inserisca il codice di 6 cifre che Le abbiamo inviato in un’altra e-mail. Fino ad allora non succede nulla.',
  },
  extended: {
    subject: 'Abbiamo bisogno di più tempo per la Sua richiesta sulla privacy',
    lines: ({ what, why, by }) => [`Abbiamo bisogno di più tempo per rispondere alla Sua richiesta ${what}, come la legge consente una volta.`, `Motivo: ${why}`, `Le risponderemo ora entro ${il(by)}.`],
  },
  denied: {
    subject: 'Non abbiamo potuto dare seguito alla Sua richiesta sulla privacy',
    intro: (what) => `Non abbiamo potuto dare seguito alla Sua richiesta ${what}.`,
    gdprRemedies: 'Se non è d’accordo, può proporre reclamo a un’autorità di controllo per la protezione dei dati (in particolare nel Paese in cui risiede o lavora, o in cui ritiene sia avvenuta la violazione) e proporre ricorso giurisdizionale.',
  },
  completed: { subject: 'La Sua richiesta sulla privacy è stata evasa', generic: (what) => `Abbiamo evaso la Sua richiesta ${what}.` },
  linkSent: { subject: 'Un nuovo link per la Sua richiesta sulla privacy', intro: 'Ecco un nuovo link, come ci ha chiesto.' },
  linkUntil: (time) => `Il link funziona fino ${al(time)}; lo tenga riservato: chiunque lo abbia può aprire il file.`,
  access: { ready: 'I Suoi dati personali sono pronti. Per leggerli nel browser:', file: 'Gli stessi dati in un file che può consegnare a un altro servizio (JSON, leggibile da dispositivo automatico):' },
  know: {
    ready: 'Il nostro rapporto sui dati personali che conserviamo su di Lei, da dove provengono, perché li usiamo e a chi li abbiamo comunicati. Per leggerlo nel browser:',
    file: 'Lo stesso rapporto in un file (JSON, leggibile da dispositivo automatico):',
  },
  deletion: {
    done: 'Abbiamo cancellato i Suoi dati personali dai nostri sistemi.',
    askedRecipients: 'Abbiamo inoltre chiesto a ogni servizio che ha ricevuto i Suoi dati di cancellarli:',
    hashedRecordKept: 'Conserviamo una traccia cifrata (hash) dei Suoi identificativi solo per non raccogliere di nuovo dati su di Lei.',
    updateSubject: 'Aggiornamento sulla Sua richiesta di cancellazione',
    whereItStands: (why) => `${why} Ecco la situazione dei Suoi dati presso ogni servizio che li ha ricevuti:`,
    jobsSettled: (what) => `Quando abbiamo evaso la Sua richiesta ${what}, alcuni servizi stavano ancora cancellando i Suoi dati. Ora hanno terminato.`,
    confirmedByHand: 'I servizi che stavamo sollecitando hanno ora cancellato i Suoi dati.',
    outcomes: {
      deleted: 'cancellati',
      submitted: 'cancellazione richiesta, in corso presso il servizio',
      notSupported: 'a questo servizio non si può inoltrare la richiesta automaticamente; gli chiediamo direttamente di cancellare i Suoi dati',
      notRecipient: 'non ha mai ricevuto i Suoi dati, quindi non è stato contattato',
      failed: 'il servizio non ha confermato la cancellazione; lo stiamo sollecitando',
    },
  },
  correction: {
    corrected: (traits) => (traits === undefined ? 'Abbiamo rettificato i Suoi dati personali.' : `Abbiamo rettificato i Suoi dati personali: ${traits}.`),
    whoWasTold: 'I servizi che ricevono i Suoi dati, e se abbiamo potuto informarli della rettifica:',
    outcomes: {
      delivered: 'informato della rettifica',
      notRecipient: 'non informato: non riceve i Suoi dati, in base alle Sue scelte sulla privacy',
      notConfigured: 'non informato: è configurato per non ricevere questo tipo di dati',
      failed: 'non ancora informato: non ha accettato la rettifica; lo stiamo sollecitando e Le scriveremo quando l\'avrà ricevuta',
      onItsWay: 'non ancora informato: la rettifica è in corso di invio',
    },
    updateSubject: 'Aggiornamento sulla Sua richiesta di rettifica',
    updateIntro: 'Quando abbiamo completato la Sua richiesta di rettifica dei Suoi dati personali, alcuni servizi non avevano accettato la rettifica. Gliel\'abbiamo inviata di nuovo:',
    updateIntroToldOtherwise: "Quando abbiamo completato la Sua richiesta di rettifica dei Suoi dati personali, alcuni servizi non avevano accettato la rettifica. Nel frattempo gliel'abbiamo comunicata:",
    traits: { name: 'nome', firstName: 'nome di battesimo', lastName: 'cognome', phone: 'numero di telefono', title: 'qualifica professionale', email: 'indirizzo e-mail' },
  },
  restriction: [
    'Abbiamo limitato il trattamento dei Suoi dati personali: li conserviamo, ma non li usiamo più né li inviamo ad altri servizi.',
    'La limitazione dura finché non viene revocata su Sua richiesta; La informeremo prima che venga revocata.',
  ],
  objection: {
    stopped: (uses) => (uses === undefined ? 'Abbiamo smesso di usare i Suoi dati personali per le finalità a cui si è opposto/a.' : `Abbiamo smesso di usare i Suoi dati personali per: ${uses}.`),
    until: 'Ciò vale finché non darà di nuovo il Suo consenso (ad esempio nel nostro banner dei cookie).',
    notStopped: (use, why) => `Non abbiamo smesso di utilizzare i Suoi dati personali per «${use}», per i seguenti motivi: ${why}`,
  },
  optOut: ['Richiesta di opposizione rispettata: non vendiamo né condividiamo più i Suoi dati personali.', 'Ciò vale finché non darà di nuovo il Suo consenso.'],
  limitSensitive: ['Ora usiamo i Suoi dati personali sensibili solo nella misura necessaria a fornire il nostro servizio e non li inviamo più ad altri servizi.'],
  unverified: {
    codeExpired: 'Non è stato possibile verificare la Sua identità: il codice è scaduto prima di essere inserito. Può presentare di nuovo la richiesta.',
    wrongCodes: (n) => `Non è stato possibile verificare la Sua identità: sono stati inseriti ${n} codici errati. Può presentare di nuovo la richiesta.`,
    notEntered: (days) => `Non è stato possibile verificare la Sua identità: il codice inviato via e-mail non è stato inserito entro ${days} ${days === 1 ? 'giorno' : 'giorni'}. Può presentare di nuovo la richiesta.`,
  },
  recipient: (name, said) => `- ${name}: ${said}`,
  listSeparator: ', ',
};
