import type { SubjectEmailText } from '../subject-email-text.js';

/** The emails to a data subject in European Portuguese (`SUBJECT_EMAIL_TEXTS`). */
export const pt: SubjectEmailText = {
  what: {
    access: 'de acesso aos seus dados pessoais e de uma cópia dos mesmos',
    delete: 'de apagamento dos seus dados pessoais',
    correct: 'de retificação dos seus dados pessoais',
    restrict: 'de limitação do tratamento dos seus dados pessoais',
    unrestrict: 'de levantamento da limitação do tratamento',
    object: 'de oposição às utilizações dos seus dados pessoais que contesta',
    opt_out: 'de oposição à venda e à partilha dos seus dados pessoais',
    limit_sensitive: 'de limitação da utilização dos seus dados pessoais sensíveis',
    unlimit_sensitive: 'de levantamento da limitação da utilização dos seus dados pessoais sensíveis',
    suppress: 'de bloqueio de qualquer nova recolha dos seus dados',
    unsuppress: 'de levantamento do bloqueio da recolha dos seus dados',
    know: 'de informação sobre os dados pessoais que conservamos sobre si e a quem os comunicámos',
  },
  reference: (id) => `Referência: ${id}`,
  why: (reason) => `Motivo: ${reason}`,
  reasonNotGiven: 'não indicado',
  code: {
    subject: 'Confirme o seu pedido de privacidade',
    lines: ({ code, what, id, expiresAt, attempts }) => [
      `O seu código de verificação é ${code}.`,
      '',
      `Introduza-o na página onde fez o seu pedido ${what} (referência ${id}). Expira dentro de 10 minutos, a ${expiresAt}, e permite ${attempts} tentativas.`,
      '',
      'Se não fez este pedido, ignore este e-mail: nada acontece sem o código.',
    ],
  },
  newLinkCode: {
    subject: 'O seu código para uma nova ligação de transferência',
    lines: ({ code, expiresAt, attempts }) => [
      `O seu código de verificação é ${code}.`,
      '',
      `Introduza-o na página de privacidade onde pediu uma nova ligação para uma cópia dos seus dados ou para o nosso relatório sobre si. Expira dentro de 10 minutos, a ${expiresAt}, e permite ${attempts} tentativas. Depois enviamos-lhe uma nova ligação para cada pedido desse tipo que fez com este endereço e a que respondemos.`,
      '',
      'Se não pediu isto, ignore este e-mail: nada acontece sem o código.',
    ],
  },
  received: {
    subject: 'Recebemos o seu pedido de privacidade',
    lines: ({ on, what, by }) => [`A ${on} recebemos o seu pedido ${what}.`, `Responderemos até ${by}.`],
    codeNote: 'Para confirmar que o pedido é seu, introduza o código de 6 dígitos que lhe enviámos num e-mail separado. Até lá, nada acontece.',
  },
  extended: {
    subject: 'Precisamos de mais tempo para o seu pedido de privacidade',
    lines: ({ what, why, by }) => [`Precisamos de mais tempo para responder ao seu pedido ${what}, como a lei permite uma vez.`, `Motivo: ${why}`, `Responderemos agora até ${by}.`],
  },
  denied: {
    subject: 'Não foi possível dar seguimento ao seu pedido de privacidade',
    intro: (what) => `Não foi possível dar seguimento ao seu pedido ${what}.`,
    gdprRemedies: 'Se não concordar, pode apresentar reclamação a uma autoridade de controlo de proteção de dados (em especial no país onde reside ou trabalha, ou onde considera que a lei foi violada) e intentar uma ação judicial.',
  },
  completed: { subject: 'O seu pedido de privacidade foi concluído', generic: (what) => `Concluímos o seu pedido ${what}.` },
  linkSent: { subject: 'Uma nova ligação para o seu pedido de privacidade', intro: 'Aqui está uma nova ligação, como nos pediu.' },
  linkUntil: (time) => `A ligação funciona até ${time}; mantenha-a privada: qualquer pessoa que a tenha pode abrir o ficheiro.`,
  access: { ready: 'Os seus dados pessoais estão prontos. Para os ler no seu navegador:', file: 'Os mesmos dados num ficheiro que pode entregar a outro serviço (JSON, de leitura automática):' },
  know: {
    ready: 'O nosso relatório sobre os dados pessoais que conservamos sobre si, a sua origem, para que os utilizamos e a quem os comunicámos. Para o ler no seu navegador:',
    file: 'O mesmo relatório num ficheiro (JSON, de leitura automática):',
  },
  deletion: {
    done: 'Apagámos os seus dados pessoais dos nossos sistemas.',
    askedRecipients: 'Pedimos também a cada serviço que recebeu os seus dados que os apague:',
    hashedRecordKept: 'Conservamos um registo cifrado (hash) dos seus identificadores apenas para não voltarmos a recolher dados sobre si.',
    updateSubject: 'Atualização sobre o seu pedido de apagamento',
    whereItStands: (why) => `${why} Eis a situação dos seus dados em cada serviço que os recebeu:`,
    jobsSettled: (what) => `Quando concluímos o seu pedido ${what}, alguns serviços ainda estavam a apagar os seus dados. Já terminaram.`,
    confirmedByHand: 'Os serviços que estávamos a acompanhar já apagaram os seus dados.',
    outcomes: {
      deleted: 'apagados',
      submitted: 'apagamento pedido, em curso no serviço',
      notSupported: 'não é possível contactar este serviço automaticamente; pedimos-lhe diretamente que apague os seus dados',
      notRecipient: 'nunca recebeu os seus dados, por isso não foi contactado',
      failed: 'o serviço não confirmou o apagamento; estamos a acompanhar o assunto',
    },
  },
  correction: {
    corrected: (traits) => (traits === undefined ? 'Retificámos os seus dados pessoais.' : `Retificámos os seus dados pessoais: ${traits}.`),
    passedOn: 'Comunicámos a retificação aos serviços que recebem os seus dados:',
    outcomes: {
      delivered: 'informado da retificação',
      notRecipient: 'não informado: não recebe os seus dados, de acordo com as suas escolhas de privacidade',
      notConfigured: 'não informado: está configurado para não receber este tipo de dados',
      unreachable: 'não foi possível contactá-lo; estamos a acompanhar o assunto',
    },
    traits: { name: 'nome', firstName: 'nome próprio', lastName: 'apelido', phone: 'número de telefone', title: 'cargo', email: 'endereço de e-mail' },
  },
  restriction: [
    'Limitámos o tratamento dos seus dados pessoais: conservamo-los, mas deixámos de os utilizar e de os enviar para outros serviços.',
    'Isto mantém-se até a limitação ser levantada a seu pedido; avisá-lo-emos antes de ser levantada.',
  ],
  objection: {
    stopped: (uses) => (uses === undefined ? 'Deixámos de utilizar os seus dados pessoais para as finalidades a que se opôs.' : `Deixámos de utilizar os seus dados pessoais para: ${uses}.`),
    until: 'Isto mantém-se até voltar a dar o seu consentimento (por exemplo, no nosso aviso de cookies).',
  },
  optOut: ['Pedido de exclusão respeitado: deixámos de vender ou partilhar os seus dados pessoais.', 'Isto mantém-se até voltar a dar o seu consentimento.'],
  limitSensitive: ['Passámos a utilizar os seus dados pessoais sensíveis apenas na medida necessária para prestar o nosso serviço, e deixámos de os enviar para outros serviços.'],
  unverified: {
    codeExpired: 'Não foi possível verificar a sua identidade: o código expirou antes de ser introduzido. Pode fazer o pedido novamente.',
    wrongCodes: (n) => `Não foi possível verificar a sua identidade: foram introduzidos ${n} códigos errados. Pode fazer o pedido novamente.`,
    notEntered: (days) => `Não foi possível verificar a sua identidade: o código que enviámos por e-mail não foi introduzido no prazo de ${days} dia${days === 1 ? '' : 's'}. Pode fazer o pedido novamente.`,
  },
  recipient: (name, said) => `- ${name}: ${said}`,
  listSeparator: ', ',
};
