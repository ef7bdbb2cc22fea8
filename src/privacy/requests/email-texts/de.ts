import type { SubjectEmailText } from '../subject-email-text.js';

/** The emails to a data subject in German (`SUBJECT_EMAIL_TEXTS`). */
export const de: SubjectEmailText = {
  what: {
    access: 'auf Auskunft und eine Kopie Ihrer personenbezogenen Daten',
    delete: 'auf Löschung Ihrer personenbezogenen Daten',
    correct: 'auf Berichtigung Ihrer personenbezogenen Daten',
    restrict: 'auf Einschränkung der Verarbeitung Ihrer personenbezogenen Daten',
    unrestrict: 'auf Aufhebung der Einschränkung der Verarbeitung',
    object: 'auf Einstellung der von Ihnen abgelehnten Verwendungen Ihrer personenbezogenen Daten',
    opt_out: 'auf Ausschluss vom Verkauf und von der Weitergabe Ihrer personenbezogenen Daten',
    limit_sensitive: 'auf Beschränkung der Verwendung Ihrer sensiblen personenbezogenen Daten',
    unlimit_sensitive: 'auf Aufhebung der Beschränkung der Verwendung Ihrer sensiblen personenbezogenen Daten',
    suppress: 'auf Sperrung jeder weiteren Erhebung Ihrer Daten',
    unsuppress: 'auf Aufhebung der Sperre für die Erhebung Ihrer Daten',
    know: 'auf Auskunft über die personenbezogenen Daten, die wir über Sie speichern, und über deren Empfänger',
  },
  reference: (id) => `Aktenzeichen: ${id}`,
  why: (reason) => `Begründung: ${reason}`,
  reasonNotGiven: 'nicht angegeben',
  code: {
    subject: 'Bestätigen Sie Ihren Datenschutzantrag',
    lines: ({ code, what, id, expiresAt, attempts }) => [
      `Ihr Bestätigungscode lautet ${code}.`,
      '',
      `Geben Sie ihn auf der Seite ein, auf der Sie Ihren Antrag ${what} gestellt haben (Aktenzeichen ${id}). Er ist 10 Minuten gültig, bis zum ${expiresAt}, und Sie haben ${attempts} Versuche.`,
      '',
      'Falls Sie diesen Antrag nicht gestellt haben, ignorieren Sie diese E-Mail: Ohne den Code geschieht nichts.',
    ],
  },
  newLinkCode: {
    subject: 'Ihr Code für einen neuen Download-Link',
    lines: ({ code, expiresAt, attempts }) => [
      `Ihr Bestätigungscode lautet ${code}.`,
      '',
      `Geben Sie ihn auf der Datenschutzseite ein, auf der Sie einen neuen Link zu einer Kopie Ihrer Daten oder zu unserem Bericht über Sie angefordert haben. Er ist 10 Minuten gültig, bis zum ${expiresAt}, und Sie haben ${attempts} Versuche. Danach senden wir Ihnen für jeden solchen Antrag, den Sie mit dieser Adresse gestellt und den wir beantwortet haben, einen neuen Link.`,
      '',
      'Falls Sie dies nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne den Code geschieht nichts.',
    ],
  },
  received: {
    subject: 'Wir haben Ihren Datenschutzantrag erhalten',
    lines: ({ on, what, by }) => [`Am ${on} haben wir Ihren Antrag ${what} erhalten.`, `Wir antworten Ihnen bis zum ${by}.`],
    codeNote: 'Um zu bestätigen, dass der Antrag von Ihnen stammt, geben Sie bitte den 6-stelligen Code ein, den wir Ihnen in einer separaten E-Mail gesendet haben. Bis dahin geschieht nichts.',
  },
  extended: {
    subject: 'Wir benötigen mehr Zeit für Ihren Datenschutzantrag',
    lines: ({ what, why, by }) => [`Wir benötigen mehr Zeit, um Ihren Antrag ${what} zu beantworten; das Gesetz erlaubt dies einmal.`, `Begründung: ${why}`, `Wir antworten Ihnen nun bis zum ${by}.`],
  },
  denied: {
    subject: 'Wir konnten Ihren Datenschutzantrag nicht erfüllen',
    intro: (what) => `Wir konnten Ihren Antrag ${what} nicht erfüllen.`,
    gdprRemedies: 'Wenn Sie damit nicht einverstanden sind, können Sie Beschwerde bei einer Datenschutz-Aufsichtsbehörde einlegen (insbesondere in dem Land, in dem Sie leben oder arbeiten oder in dem nach Ihrer Auffassung der Verstoß erfolgt ist) und einen gerichtlichen Rechtsbehelf einlegen.',
  },
  completed: { subject: 'Ihr Datenschutzantrag ist erledigt', generic: (what) => `Wir haben Ihren Antrag ${what} erledigt.` },
  linkSent: { subject: 'Ein neuer Link zu Ihrem Datenschutzantrag', intro: 'Wie gewünscht erhalten Sie hier einen neuen Link.' },
  linkUntil: (time) => `Der Link ist gültig bis zum ${time}. Bitte geben Sie ihn nicht weiter: Jeder, der ihn hat, kann die Datei öffnen.`,
  access: { ready: 'Ihre personenbezogenen Daten liegen bereit. Zum Lesen im Browser:', file: 'Dieselben Daten als Datei, die Sie einem anderen Dienst übergeben können (JSON, maschinenlesbar):' },
  know: {
    ready: 'Unser Bericht über die personenbezogenen Daten, die wir über Sie speichern, woher sie stammen, wofür wir sie verwenden und an wen wir sie weitergegeben haben. Zum Lesen im Browser:',
    file: 'Derselbe Bericht als Datei (JSON, maschinenlesbar):',
  },
  deletion: {
    done: 'Wir haben Ihre personenbezogenen Daten aus unseren Systemen gelöscht.',
    askedRecipients: 'Außerdem haben wir jeden Dienst, der Ihre Daten erhalten hat, um Löschung gebeten:',
    hashedRecordKept: 'Wir bewahren Ihre Kennungen nur in unkenntlich gemachter (gehashter) Form auf, damit keine neuen Daten über Sie erhoben werden.',
    updateSubject: 'Neuigkeiten zu Ihrem Löschantrag',
    whereItStands: (why) => `${why} So steht es um Ihre Daten bei jedem Dienst, der sie erhalten hat:`,
    jobsSettled: (what) => `Als wir Ihren Antrag ${what} erledigt haben, waren einige Dienste noch mit der Löschung Ihrer Daten beschäftigt. Sie sind nun fertig.`,
    confirmedByHand: 'Die Dienste, bei denen wir nachgefasst haben, haben Ihre Daten nun gelöscht.',
    outcomes: {
      deleted: 'gelöscht',
      submitted: 'Löschung beantragt, wird beim Dienst durchgeführt',
      notSupported: 'dieser Dienst kann nicht automatisch angefragt werden; wir bitten ihn direkt um Löschung Ihrer Daten',
      notRecipient: 'hat Ihre Daten nie erhalten und wurde daher nicht angefragt',
      failed: 'der Dienst hat die Löschung nicht bestätigt; wir fassen bei ihm nach',
    },
  },
  correction: {
    corrected: (traits) => (traits === undefined ? 'Wir haben Ihre personenbezogenen Daten berichtigt.' : `Wir haben Ihre personenbezogenen Daten berichtigt: ${traits}.`),
    passedOn: 'Wir haben die Berichtigung an die Dienste weitergegeben, die Ihre Daten erhalten:',
    outcomes: {
      delivered: 'über die Berichtigung informiert',
      notRecipient: 'nicht informiert: erhält Ihre Daten aufgrund Ihrer Datenschutz-Einstellungen nicht',
      notConfigured: 'nicht informiert: ist so eingerichtet, dass er diese Art von Daten nicht erhält',
      unreachable: 'war nicht erreichbar; wir fassen bei ihm nach',
    },
    traits: { name: 'Name', firstName: 'Vorname', lastName: 'Nachname', phone: 'Telefonnummer', title: 'Berufsbezeichnung', email: 'E-Mail-Adresse' },
  },
  restriction: [
    'Wir haben die Verarbeitung Ihrer personenbezogenen Daten eingeschränkt: Wir bewahren sie auf, verwenden sie aber nicht mehr und geben sie nicht mehr an andere Dienste weiter.',
    'Dies gilt, bis die Einschränkung auf Ihren Wunsch aufgehoben wird; wir informieren Sie, bevor sie aufgehoben wird.',
  ],
  objection: {
    stopped: (uses) => (uses === undefined ? 'Wir verwenden Ihre personenbezogenen Daten nicht mehr für die Zwecke, denen Sie widersprochen haben.' : `Wir verwenden Ihre personenbezogenen Daten nicht mehr für: ${uses}.`),
    until: 'Dies gilt, bis Sie erneut einwilligen (zum Beispiel in unserem Cookie-Banner).',
  },
  optOut: ['Opt-out-Anfrage berücksichtigt: Wir verkaufen Ihre personenbezogenen Daten nicht mehr und geben sie nicht mehr weiter.', 'Dies gilt, bis Sie wieder einwilligen.'],
  limitSensitive: ['Wir verwenden Ihre sensiblen personenbezogenen Daten nur noch, soweit es für die Erbringung unseres Dienstes erforderlich ist, und geben sie nicht mehr an andere Dienste weiter.'],
  unverified: {
    codeExpired: 'Ihre Identität konnte nicht bestätigt werden: Der Code ist abgelaufen, bevor er eingegeben wurde. Sie können den Antrag erneut stellen.',
    wrongCodes: (n) => `Ihre Identität konnte nicht bestätigt werden: Es wurden ${n} falsche Codes eingegeben. Sie können den Antrag erneut stellen.`,
    notEntered: (days) => `Ihre Identität konnte nicht bestätigt werden: Der per E-Mail gesendete Code wurde nicht innerhalb von ${days} ${days === 1 ? 'Tag' : 'Tagen'} eingegeben. Sie können den Antrag erneut stellen.`,
  },
  recipient: (name, said) => `- ${name}: ${said}`,
  listSeparator: ', ',
};
