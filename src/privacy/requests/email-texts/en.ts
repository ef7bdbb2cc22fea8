import type { SubjectEmailText } from '../subject-email-text.js';

/** The emails to a data subject in English (`SUBJECT_EMAIL_TEXTS`). */
export const en: SubjectEmailText = {
  what: {
    access: 'a copy of your personal data',
    delete: 'deletion of your personal data',
    correct: 'correction of your personal data',
    restrict: 'restriction of the processing of your personal data',
    unrestrict: 'lifting the restriction of processing',
    object: 'an end to the uses of your personal data you object to',
    opt_out: 'opting out of the sale and sharing of your personal data',
    limit_sensitive: 'limiting the use of your sensitive personal data',
    unlimit_sensitive: 'lifting the limit on the use of your sensitive personal data',
    suppress: 'blocking any further collection of your data',
    unsuppress: 'lifting the block on collecting your data',
    know: 'what personal information we hold about you and whom we disclosed it to',
  },
  reference: (id) => `Reference: ${id}`,
  why: (reason) => `Why: ${reason}`,
  reasonNotGiven: 'not given',
  code: {
    subject: 'Confirm your privacy request',
    lines: ({ code, what, id, expiresAt, attempts }) => [
      `Your verification code is ${code}.`,
      '',
      `Enter it on the page where you asked us for ${what} (reference ${id}). It expires in 10 minutes, at ${expiresAt}, and allows ${attempts} attempts.`,
      '',
      'If you did not make this request, ignore this email: nothing happens without the code.',
    ],
  },
  newLinkCode: {
    subject: 'Your code for a new download link',
    lines: ({ code, expiresAt, attempts }) => [
      `Your verification code is ${code}.`,
      '',
      `Enter it on the privacy page where you asked for a new link to a copy of your data or to our report about you. It expires in 10 minutes, at ${expiresAt}, and allows ${attempts} attempts. We then email you a new link for each such request you made with this address that we have answered.`,
      '',
      'If you did not ask for this, ignore this email: nothing happens without the code.',
    ],
  },
  received: {
    subject: 'We received your privacy request',
    lines: ({ on, what, by }) => [`On ${on} we received your request for ${what}.`, `We will answer by ${by}.`],
    codeNote: 'To confirm that the request is yours, enter the 6-digit code we sent in a separate email. Nothing happens until then.',
  },
  extended: {
    subject: 'We need more time for your privacy request',
    lines: ({ what, why, by }) => [`We need more time to answer your request for ${what}, as the law allows once.`, `Why: ${why}`, `We will now answer by ${by}.`],
  },
  denied: {
    subject: 'We could not complete your privacy request',
    intro: (what) => `We could not complete your request for ${what}.`,
    gdprRemedies: 'If you disagree, you may lodge a complaint with a data protection supervisory authority (in particular in the country where you live or work, or where you think the law was broken) and seek a judicial remedy before a court.',
  },
  completed: { subject: 'Your privacy request is complete', generic: (what) => `We completed your request for ${what}.` },
  linkSent: { subject: 'A new link to your privacy request', intro: 'Here is a new link, as you asked us.' },
  linkUntil: (time) => `The link works until ${time}; keep it private, anyone with it can open the file.`,
  access: { ready: 'Your personal data is ready. To read it in your browser:', file: 'The same data as a file you can give to another service (JSON, machine-readable):' },
  know: {
    ready: 'Our report of the personal information we hold about you, where it came from, why we use it and whom we disclosed it to. To read it in your browser:',
    file: 'The same report as a file (JSON, machine-readable):',
  },
  deletion: {
    done: 'We deleted your personal data from our systems.',
    askedRecipients: 'We also asked every service that received your data to delete it:',
    hashedRecordKept: 'We keep a scrambled (hashed) record of your identifiers only so that new data about you is not collected again.',
    updateSubject: 'Update on your deletion request',
    whereItStands: (why) => `${why} Where your data stands at each service that received it:`,
    jobsSettled: (what) => `When we completed your request for ${what}, some services were still deleting your data. They have now finished.`,
    confirmedByHand: 'The services we were following up with have now deleted your data.',
    outcomes: {
      deleted: 'deleted',
      submitted: 'deletion requested, in progress at the service',
      notSupported: 'this service cannot be asked automatically; we ask it to delete your data directly',
      notRecipient: 'never received your data, so it was not contacted',
      failed: 'the service did not confirm the deletion; we follow it up with them',
    },
  },
  correction: {
    corrected: (traits) => (traits === undefined ? 'We corrected your personal data.' : `We corrected your personal data: ${traits}.`),
    passedOn: 'We passed the correction on to the services that receive your data:',
    outcomes: {
      delivered: 'told of the correction',
      notRecipient: 'not told: it does not receive your data, under your privacy choices',
      notConfigured: 'not told: it is set up not to receive this kind of data',
      unreachable: 'could not be reached; we follow it up with them',
    },
    traits: { name: 'name', firstName: 'first name', lastName: 'last name', phone: 'phone number', title: 'job title', email: 'email address' },
  },
  restriction: [
    'We restricted the processing of your personal data: we keep it, but no longer use it or send it to other services.',
    'This lasts until the restriction is lifted at your request; we will tell you before it is lifted.',
  ],
  objection: {
    stopped: (uses) => (uses === undefined ? 'We stopped using your personal data for the purposes you objected to.' : `We stopped using your personal data for: ${uses}.`),
    until: 'This holds until you give your consent again (for example in our cookie banner).',
  },
  optOut: ['Opt-Out Request Honored: we no longer sell or share your personal information.', 'This holds until you opt in again.'],
  limitSensitive: ['We now use your sensitive personal information only as needed to provide our service, and no longer send it to other services.'],
  unverified: {
    codeExpired: 'Your identity could not be verified: the code expired before it was entered. You can make the request again.',
    wrongCodes: (n) => `Your identity could not be verified: ${n} wrong codes were entered. You can make the request again.`,
    notEntered: (days) => `Your identity could not be verified: the code we emailed was not entered within ${days} day${days === 1 ? '' : 's'}. You can make the request again.`,
  },
  recipient: (name, said) => `- ${name}: ${said}`,
  listSeparator: ', ',
};
