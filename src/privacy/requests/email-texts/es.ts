import type { SubjectEmailText } from '../subject-email-text.js';

/** The emails to a data subject in Spanish (Spain) (`SUBJECT_EMAIL_TEXTS`). */
export const es: SubjectEmailText = {
  what: {
    access: 'de acceso a sus datos personales y de una copia de ellos',
    delete: 'de supresión de sus datos personales',
    correct: 'de rectificación de sus datos personales',
    restrict: 'de limitación del tratamiento de sus datos personales',
    unrestrict: 'de levantamiento de la limitación del tratamiento',
    object: 'de oposición a los usos de sus datos personales que usted rechaza',
    opt_out: 'de exclusión de la venta y el intercambio de sus datos personales',
    limit_sensitive: 'de limitación del uso de sus datos personales sensibles',
    unlimit_sensitive: 'de levantamiento de la limitación del uso de sus datos personales sensibles',
    suppress: 'de bloqueo de toda nueva recogida de sus datos',
    unsuppress: 'de levantamiento del bloqueo de la recogida de sus datos',
    know: 'de información sobre los datos personales que tenemos sobre usted y a quién los hemos comunicado',
  },
  reference: (id) => `Referencia: ${id}`,
  why: (reason) => `Motivo: ${reason}`,
  reasonNotGiven: 'no indicado',
  code: {
    subject: 'Confirme su solicitud de privacidad',
    lines: ({ code, what, id, expiresAt, attempts }) => [
      `Su código de verificación es ${code}.`,
      '',
      `Introdúzcalo en la página donde presentó su solicitud ${what} (referencia ${id}). Caduca en 10 minutos, el ${expiresAt}, y admite ${attempts} intentos.`,
      '',
      'Si usted no ha hecho esta solicitud, ignore este correo: sin el código no ocurre nada.',
    ],
  },
  newLinkCode: {
    subject: 'Su código para un nuevo enlace de descarga',
    lines: ({ code, expiresAt, attempts }) => [
      `Su código de verificación es ${code}.`,
      '',
      `Introdúzcalo en la página de privacidad donde pidió un nuevo enlace a una copia de sus datos o a nuestro informe sobre usted. Caduca en 10 minutos, el ${expiresAt}, y admite ${attempts} intentos. Después le enviaremos un nuevo enlace por cada solicitud de ese tipo que haya hecho con esta dirección y que hayamos respondido.`,
      '',
      'Si usted no lo ha pedido, ignore este correo: sin el código no ocurre nada.',
    ],
  },
  received: {
    subject: 'Hemos recibido su solicitud de privacidad',
    lines: ({ on, what, by }) => [`El ${on} recibimos su solicitud ${what}.`, `Le responderemos a más tardar el ${by}.`],
    codeNote: 'Para confirmar que la solicitud es suya, introduzca el código de 6 cifras que le enviamos en otro correo. Hasta entonces no ocurre nada.',
  },
  extended: {
    subject: 'Necesitamos más tiempo para su solicitud de privacidad',
    lines: ({ what, why, by }) => [`Necesitamos más tiempo para responder a su solicitud ${what}, como la ley permite una vez.`, `Motivo: ${why}`, `Le responderemos ahora a más tardar el ${by}.`],
  },
  denied: {
    subject: 'No hemos podido atender su solicitud de privacidad',
    intro: (what) => `No hemos podido atender su solicitud ${what}.`,
    gdprRemedies: 'Si no está de acuerdo, puede presentar una reclamación ante una autoridad de control de protección de datos (en particular en el país donde reside o trabaja, o donde considere que se ha infringido la ley) y ejercer la tutela judicial efectiva ante los tribunales.',
  },
  completed: { subject: 'Su solicitud de privacidad se ha completado', generic: (what) => `Hemos completado su solicitud ${what}.` },
  linkSent: { subject: 'Un nuevo enlace para su solicitud de privacidad', intro: 'Aquí tiene un nuevo enlace, como nos pidió.' },
  linkUntil: (time) => `El enlace funciona hasta el ${time}; no lo comparta: cualquiera que lo tenga puede abrir el archivo.`,
  access: { ready: 'Sus datos personales están listos. Para leerlos en su navegador:', file: 'Los mismos datos en un archivo que puede entregar a otro servicio (JSON, legible por máquina):' },
  know: {
    ready: 'Nuestro informe sobre los datos personales que tenemos sobre usted, de dónde proceden, para qué los usamos y a quién los hemos comunicado. Para leerlo en su navegador:',
    file: 'El mismo informe en un archivo (JSON, legible por máquina):',
  },
  deletion: {
    done: 'Hemos suprimido sus datos personales de nuestros sistemas.',
    askedRecipients: 'También hemos pedido a cada servicio que recibió sus datos que los suprima:',
    hashedRecordKept: 'Conservamos un registro cifrado (hash) de sus identificadores únicamente para no volver a recoger datos sobre usted.',
    updateSubject: 'Novedades sobre su solicitud de supresión',
    whereItStands: (why) => `${why} Así están sus datos en cada servicio que los recibió:`,
    jobsSettled: (what) => `Cuando completamos su solicitud ${what}, algunos servicios aún estaban suprimiendo sus datos. Ya han terminado.`,
    confirmedByHand: 'Los servicios con los que estábamos haciendo seguimiento ya han suprimido sus datos.',
    outcomes: {
      deleted: 'suprimidos',
      submitted: 'supresión solicitada, en curso en el servicio',
      notSupported: 'a este servicio no se le puede pedir de forma automática; le pedimos directamente que suprima sus datos',
      notRecipient: 'nunca recibió sus datos, por lo que no se le contactó',
      failed: 'el servicio no confirmó la supresión; hacemos el seguimiento con él',
    },
  },
  correction: {
    corrected: (traits) => (traits === undefined ? 'Hemos rectificado sus datos personales.' : `Hemos rectificado sus datos personales: ${traits}.`),
    passedOn: 'Hemos comunicado la rectificación a los servicios que reciben sus datos:',
    outcomes: {
      delivered: 'informado de la rectificación',
      notRecipient: 'no informado: no recibe sus datos, según sus opciones de privacidad',
      notConfigured: 'no informado: está configurado para no recibir este tipo de datos',
      unreachable: 'no se pudo contactar; hacemos el seguimiento con él',
    },
    traits: { name: 'nombre', firstName: 'nombre de pila', lastName: 'apellidos', phone: 'número de teléfono', title: 'cargo', email: 'dirección de correo electrónico' },
  },
  restriction: [
    'Hemos limitado el tratamiento de sus datos personales: los conservamos, pero ya no los usamos ni los enviamos a otros servicios.',
    'Esto dura hasta que se levante la limitación a petición suya; le avisaremos antes de levantarla.',
  ],
  objection: {
    stopped: (uses) => (uses === undefined ? 'Hemos dejado de usar sus datos personales para los fines a los que se opuso.' : `Hemos dejado de usar sus datos personales para: ${uses}.`),
    until: 'Esto se mantiene hasta que vuelva a dar su consentimiento (por ejemplo, en nuestro aviso de cookies).',
  },
  optOut: ['Solicitud de exclusión atendida: ya no vendemos ni compartimos sus datos personales.', 'Esto se mantiene hasta que vuelva a aceptarlo.'],
  limitSensitive: ['Ahora solo usamos sus datos personales sensibles en la medida necesaria para prestar nuestro servicio, y ya no los enviamos a otros servicios.'],
  unverified: {
    codeExpired: 'No se pudo verificar su identidad: el código caducó antes de introducirse. Puede volver a hacer la solicitud.',
    wrongCodes: (n) => `No se pudo verificar su identidad: se introdujeron ${n} códigos incorrectos. Puede volver a hacer la solicitud.`,
    notEntered: (days) => `No se pudo verificar su identidad: el código que le enviamos por correo no se introdujo en ${days} día${days === 1 ? '' : 's'}. Puede volver a hacer la solicitud.`,
  },
  recipient: (name, said) => `- ${name}: ${said}`,
  listSeparator: ', ',
};
