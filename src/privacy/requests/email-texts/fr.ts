import type { SubjectEmailText } from '../subject-email-text.js';

/** The emails to a data subject in French (`SUBJECT_EMAIL_TEXTS`). */
export const fr: SubjectEmailText = {
  what: {
    access: "d'accès à vos données personnelles et d'obtention d'une copie",
    delete: "d'effacement de vos données personnelles",
    correct: 'de rectification de vos données personnelles',
    restrict: 'de limitation du traitement de vos données personnelles',
    unrestrict: 'de levée de la limitation du traitement',
    object: "d'opposition aux utilisations de vos données personnelles que vous contestez",
    opt_out: "d'opposition à la vente et au partage de vos données personnelles",
    limit_sensitive: "de limitation de l'utilisation de vos données personnelles sensibles",
    unlimit_sensitive: "de levée de la limitation de l'utilisation de vos données personnelles sensibles",
    suppress: 'de blocage de toute nouvelle collecte de vos données',
    unsuppress: 'de levée du blocage de la collecte de vos données',
    know: "d'information sur les données personnelles que nous détenons à votre sujet et sur leurs destinataires",
  },
  reference: (id) => `Référence : ${id}`,
  why: (reason) => `Motif : ${reason}`,
  reasonNotGiven: 'non précisé',
  code: {
    subject: 'Confirmez votre demande relative à vos données personnelles',
    lines: ({ code, what, id, expiresAt, attempts }) => [
      `Votre code de vérification est ${code}.`,
      '',
      `Saisissez-le sur la page où vous avez fait votre demande ${what} (référence ${id}). Il est valable 10 minutes, jusqu'au ${expiresAt}, et permet ${attempts} tentatives.`,
      '',
      "Si vous n'êtes pas à l'origine de cette demande, ignorez cet e-mail : rien ne se passe sans le code.",
    ],
  },
  newLinkCode: {
    subject: 'Votre code pour un nouveau lien de téléchargement',
    lines: ({ code, expiresAt, attempts }) => [
      `Votre code de vérification est ${code}.`,
      '',
      `Saisissez-le sur la page de confidentialité où vous avez demandé un nouveau lien vers une copie de vos données ou vers notre rapport vous concernant. Il est valable 10 minutes, jusqu'au ${expiresAt}, et permet ${attempts} tentatives. Nous vous enverrons ensuite un nouveau lien pour chaque demande de ce type faite avec cette adresse et à laquelle nous avons répondu.`,
      '',
      "Si vous n'avez rien demandé, ignorez cet e-mail : rien ne se passe sans le code.",
    ],
  },
  received: {
    subject: 'Nous avons bien reçu votre demande',
    lines: ({ on, what, by }) => [`Le ${on}, nous avons reçu votre demande ${what}.`, `Nous vous répondrons au plus tard le ${by}.`],
    codeNote: "Pour confirmer que cette demande émane bien de vous, saisissez le code à 6 chiffres envoyé dans un e-mail séparé. Rien ne se passe d'ici là.",
  },
  extended: {
    subject: 'Nous avons besoin de plus de temps pour votre demande',
    lines: ({ what, why, by }) => [`Nous avons besoin de plus de temps pour répondre à votre demande ${what}, comme la loi le permet une fois.`, `Motif : ${why}`, `Nous vous répondrons désormais au plus tard le ${by}.`],
  },
  denied: {
    subject: "Nous n'avons pas pu donner suite à votre demande",
    intro: (what) => `Nous n'avons pas pu donner suite à votre demande ${what}.`,
    gdprRemedies: "Si vous n'êtes pas d'accord, vous pouvez introduire une réclamation auprès d'une autorité de contrôle de la protection des données (notamment dans le pays où vous résidez ou travaillez, ou dans lequel la violation aurait été commise) et former un recours juridictionnel.",
  },
  completed: { subject: 'Votre demande a été traitée', generic: (what) => `Nous avons traité votre demande ${what}.` },
  linkSent: { subject: 'Un nouveau lien pour votre demande', intro: 'Voici un nouveau lien, comme vous nous l’avez demandé.' },
  linkUntil: (time) => `Le lien est valable jusqu'au ${time} ; ne le communiquez à personne : toute personne qui le possède peut ouvrir le fichier.`,
  access: { ready: 'Vos données personnelles sont prêtes. Pour les consulter dans votre navigateur :', file: 'Les mêmes données sous forme de fichier, que vous pouvez transmettre à un autre service (JSON, lisible par machine) :' },
  know: {
    ready: 'Notre rapport sur les données personnelles que nous détenons à votre sujet, leur origine, les raisons de leur utilisation et leurs destinataires. Pour le consulter dans votre navigateur :',
    file: 'Le même rapport sous forme de fichier (JSON, lisible par machine) :',
  },
  deletion: {
    done: 'Nous avons effacé vos données personnelles de nos systèmes.',
    askedRecipients: 'Nous avons également demandé à chaque service ayant reçu vos données de les effacer :',
    hashedRecordKept: "Nous conservons une trace brouillée (hachée) de vos identifiants uniquement pour éviter de collecter à nouveau des données vous concernant.",
    updateSubject: "Point sur votre demande d'effacement",
    whereItStands: (why) => `${why} Voici où en sont vos données auprès de chaque service qui les a reçues :`,
    jobsSettled: (what) => `Lorsque nous avons traité votre demande ${what}, certains services étaient encore en train d'effacer vos données. C'est désormais terminé.`,
    confirmedByHand: 'Les services que nous avons relancés ont désormais effacé vos données.',
    outcomes: {
      deleted: 'effacées',
      submitted: 'effacement demandé, en cours auprès du service',
      notSupported: "ce service ne peut pas être sollicité automatiquement ; nous lui demandons directement d'effacer vos données",
      notRecipient: "n'a jamais reçu vos données, il n'a donc pas été contacté",
      failed: "le service n'a pas confirmé l'effacement ; nous le relançons",
    },
  },
  correction: {
    corrected: (traits) => (traits === undefined ? 'Nous avons rectifié vos données personnelles.' : `Nous avons rectifié vos données personnelles : ${traits}.`),
    passedOn: 'Nous avons transmis la rectification aux services qui reçoivent vos données :',
    outcomes: {
      delivered: 'informé de la rectification',
      notRecipient: 'non informé : il ne reçoit pas vos données, conformément à vos choix de confidentialité',
      notConfigured: 'non informé : il est configuré pour ne pas recevoir ce type de données',
      unreachable: "n'a pas pu être joint ; nous le relançons",
    },
    traits: { name: 'nom', firstName: 'prénom', lastName: 'nom de famille', phone: 'numéro de téléphone', title: 'fonction', email: 'adresse e-mail' },
  },
  restriction: [
    "Nous avons limité le traitement de vos données personnelles : nous les conservons, mais ne les utilisons plus et ne les transmettons plus à d'autres services.",
    'Cette limitation dure jusqu’à ce qu’elle soit levée à votre demande ; nous vous informerons avant sa levée.',
  ],
  objection: {
    stopped: (uses) => (uses === undefined ? 'Nous avons cessé d’utiliser vos données personnelles pour les finalités auxquelles vous vous êtes opposé(e).' : `Nous avons cessé d’utiliser vos données personnelles pour : ${uses}.`),
    until: 'Cela vaut jusqu’à ce que vous donniez à nouveau votre consentement (par exemple dans notre bandeau cookies).',
  },
  optOut: ["Demande d'opposition respectée : nous ne vendons plus et ne partageons plus vos données personnelles.", 'Cela vaut jusqu’à ce que vous donniez à nouveau votre accord.'],
  limitSensitive: ["Nous n'utilisons plus vos données personnelles sensibles que dans la mesure nécessaire pour fournir notre service, et ne les transmettons plus à d'autres services."],
  unverified: {
    codeExpired: "Votre identité n'a pas pu être vérifiée : le code a expiré avant d'être saisi. Vous pouvez refaire la demande.",
    wrongCodes: (n) => `Votre identité n'a pas pu être vérifiée : ${n} codes erronés ont été saisis. Vous pouvez refaire la demande.`,
    notEntered: (days) => `Votre identité n'a pas pu être vérifiée : le code envoyé par e-mail n'a pas été saisi dans un délai de ${days} jour${days > 1 ? 's' : ''}. Vous pouvez refaire la demande.`,
  },
  recipient: (name, said) => `- ${name} : ${said}`,
  listSeparator: ', ',
};
