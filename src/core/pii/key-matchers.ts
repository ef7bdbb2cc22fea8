import type { Detection } from './value-detectors.js';

/** Lower-case alphanumerics only: `First_Name` and `first-name` both become `firstname`. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const entries: [string, Detection][] = [];
const add = (level: Detection['level'], label: string, keys: string[]) => {
  for (const k of keys) entries.push([k, { level, label }]);
};

// Segment Privacy Portal Red matchers.
add('red', 'ssn', ['ssn', 'socialsecuritynumber', 'socialsecurity', 'sin', 'nationalinsurancenumber']);
add('red', 'password', ['password', 'passwd', 'pwd', 'passcode', 'pin']);
add('red', 'credit_card', ['creditcard', 'creditcardnumber', 'cardnumber', 'ccnumber', 'cc', 'cvv', 'cvc', 'visa', 'pan']);
add('red', 'passport', ['passport', 'passportnumber']);
add('red', 'token', ['token', 'accesstoken', 'refreshtoken', 'authtoken', 'apikey', 'apisecret', 'secret', 'clientsecret', 'sessiontoken']);
add('red', 'veteran', ['veteran', 'veteranstatus']);
add('red', 'disability', ['disability', 'disabilitystatus']);
// GDPR Art. 9 / CPRA sensitive categories (key vocabulary).
add('sensitive', 'health', ['health', 'healthcondition', 'medical', 'medicalcondition', 'medication', 'medications', 'allergy', 'allergies', 'diagnosis', 'condition', 'procedure', 'symptoms', 'pregnancy', 'bloodtype']);
add('sensitive', 'biometrics', ['biometric', 'biometrics', 'fingerprint', 'faceprint', 'faceid', 'voiceprint', 'retina', 'iris']);
add('sensitive', 'genetics', ['genetic', 'genetics', 'dna', 'genome', 'genotype']);
add('sensitive', 'religion', ['religion', 'religious', 'faith', 'religiousbeliefs']);
add('sensitive', 'ethnicity', ['ethnicity', 'ethnic', 'race', 'racialorigin', 'ethnicorigin']);
add('sensitive', 'political_opinion', ['political', 'politicalopinion', 'politicalparty', 'politicalaffiliation', 'politicalview', 'politicalviews']);
add('sensitive', 'sex_life', ['sexuality', 'sexualorientation', 'sexlife', 'sexualpreference']);
add('sensitive', 'criminal_record', ['criminal', 'criminalrecord', 'criminalhistory', 'conviction', 'convictions', 'offence', 'offense']);
add('sensitive', 'union_membership', ['union', 'unionmember', 'unionmembership', 'tradeunion', 'tradeunionmembership']);
// Segment Privacy Portal Yellow matchers.
add('yellow', 'email', ['email', 'emailaddress', 'mail']);
add('yellow', 'phone', ['phone', 'phonenumber', 'mobile', 'mobilenumber', 'telephone', 'tel', 'cell', 'cellphone']);
add('yellow', 'address', ['address', 'streetaddress', 'street', 'address1', 'address2', 'city', 'zipcode', 'zip', 'postalcode', 'postcode']);
add('yellow', 'name', ['firstname', 'lastname', 'fullname', 'surname', 'givenname', 'familyname', 'middlename', 'maidenname']);
add('yellow', 'birthdate', ['birthdate', 'birthday', 'dob', 'dateofbirth']);
add('yellow', 'ip', ['ip', 'ipaddress']);
add('yellow', 'gender', ['gender', 'sex']);
add('yellow', 'citizenship', ['citizenship', 'nationality']);
add('yellow', 'identification', ['certificate', 'license', 'licence', 'driverslicense', 'identification', 'nationalid', 'taxid', 'serial', 'serialnumber']);
add('yellow', 'photo', ['photo', 'avatar', 'selfie']);
add('yellow', 'salary', ['salary', 'income']);
add('yellow', 'mac', ['mac', 'macaddress']);

const VOCABULARY = new Map(entries);

/** Path prefixes whose `name` is a thing's name (app, library, device, campaign...), not a person's. */
const NOT_PERSON_NAME = /^context\.(app|library|device|os|browser|campaign|page|screen|network|referrer)\b/;

/**
 * Classifies a field by its key and path. `name` counts as a person's name only in traits
 * (`traits.name`, `context.traits.name`), never in `context.app.name` or `context.library.name`.
 */
export function detectKey(key: string, path: string): Detection | undefined {
  const k = normalizeKey(key);
  if (k === 'name') return /^(traits|context\.traits)\.name$/.test(path) ? { level: 'yellow', label: 'name' } : undefined;
  if (NOT_PERSON_NAME.test(path)) return undefined;
  return VOCABULARY.get(k);
}
