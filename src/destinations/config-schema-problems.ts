import { ValueErrorType, type ValueError } from '@sinclair/typebox/value';

/** What a schema keyword of a config field says, in words (TypeBox says "Expected string length greater or equal to 8"). */
interface FieldSchema {
  description?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

/**
 * The problems of a destination config against its schema, one per field, in the words of the person who
 * filled in the form: `config.apiKey is required`, `config.signingSecret must be at least 8 characters long`,
 * `config.measurementId does not have the expected form (Web stream measurement id (G-XXXXXXX).)`. A field
 * TypeBox reports twice (missing, then not a string) is said once, with its first problem.
 */
export function configSchemaProblems(errors: Iterable<ValueError>): string[] {
  const byPath = new Map<string, string>();
  for (const error of errors) {
    const path = error.path === '' ? 'config' : `config${error.path.replace(/\//g, '.')}`;
    if (!byPath.has(path)) byPath.set(path, `${path} ${reasonOf(error, path.split('.').length === 2)}`);
  }
  return [...byPath.values()];
}

function reasonOf(error: ValueError, topLevel: boolean): string {
  const schema = error.schema as FieldSchema;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return topLevel ? 'is not a setting of this destination type' : `is not allowed here: ${error.message}`;
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? 'must not be empty' : `must be at least ${String(schema.minLength)} characters long`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(schema.maxLength)} characters long`;
    case ValueErrorType.StringPattern:
      return schema.description ? `does not have the expected form (${schema.description.replace(/\.$/, '')})` : `does not have the expected form: ${error.message}`;
    case ValueErrorType.StringFormat:
      return 'must be a full URL, such as https://api.example.com';
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be at least ${String(schema.minimum)}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${String(schema.maximum)}`;
    case ValueErrorType.String:
      return 'must be text';
    case ValueErrorType.Integer:
      return 'must be a whole number';
    case ValueErrorType.Number:
      return 'must be a number';
    case ValueErrorType.Boolean:
      return 'must be true or false';
    default:
      return `is not valid: ${error.message}`;
  }
}
