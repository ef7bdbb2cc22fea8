/**
 * A destination's config form, drawn from the JSON Schema of its type (GET /api/v1/destination-types).
 * Secret fields are write-only: the API returns them masked, the form shows that one is set and sends a new
 * value only when one is typed (an omitted secret keeps its stored value). URL fields show their query values
 * masked; sent back as shown they keep the stored values. An optional secret that is set can be removed. Stored secrets do not follow a URL to another host:
 * when a URL's host changes, the form asks for the secrets that are set to be entered again.
 */

export const SECRET_MASK = '********';

export interface JsonSchemaProperty {
  type?: string;
  description?: string;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export interface ConfigSchema {
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
}

export interface DestinationTypeInfo {
  type: string;
  displayName: string;
  configSchema: ConfigSchema;
  secretFields: string[];
  /** Config keys holding URLs: query values shown masked; a change of host needs the secrets again. */
  urlFields?: string[];
  maxBatchSize: number;
  deletes: boolean;
}

/** What the inputs hold: text for every field but booleans. */
export type ConfigDraft = Record<string, string | boolean>;

/** headers-like objects are edited as "Name: value" lines. */
function objectToLines(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('\n');
}

/** The draft of an existing config (secrets left empty: typing one replaces the stored value). */
export function draftOf(schema: ConfigSchema, secretFields: readonly string[], config: Record<string, unknown> = {}): ConfigDraft {
  const draft: ConfigDraft = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const value = config[key];
    if (secretFields.includes(key)) draft[key] = '';
    else if (prop.type === 'boolean') draft[key] = value === true;
    else if (prop.type === 'object') draft[key] = objectToLines(value);
    else draft[key] = value === undefined || value === null ? '' : String(value);
  }
  return draft;
}

/**
 * Turns the draft into the config to send, or throws an Error naming the field that is wrong. Empty optional
 * fields are left out; an empty secret that is already set is left out too (the server keeps it), unless a URL
 * moves to another host: then it is sent as null (removed), since a stored secret does not follow a URL there.
 */
export function configOf(schema: ConfigSchema, secretFields: readonly string[], draft: ConfigDraft, existing: Record<string, unknown> = {}, urlFields: readonly string[] = []): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  const moved = hostChanged(urlFields, draft, existing);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const raw = draft[key];
    if (prop.type === 'boolean') {
      if (raw === true) config[key] = true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      if (secretFields.includes(key) && existing[key] === SECRET_MASK) {
        if (moved || draft[removeKey(key)] === true) config[key] = null;
        continue;
      }
      if (required.has(key)) throw new Error(`${key} is required.`);
      continue;
    }
    if (prop.type === 'integer' || prop.type === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n) || (prop.type === 'integer' && !Number.isInteger(n))) throw new Error(`${key} must be a${prop.type === 'integer' ? 'n integer' : ' number'}.`);
      config[key] = n;
    } else if (prop.type === 'object') {
      const entries: Record<string, string> = {};
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const colon = line.indexOf(':');
        if (colon <= 0) throw new Error(`${key}: write one "Name: value" per line ("${line.trim()}" has no name).`);
        entries[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
      config[key] = entries;
    } else {
      config[key] = text;
    }
  }
  return config;
}

/** The draft entry that asks for an optional stored secret to be removed (sent as null). */
export function removeKey(key: string): string {
  return `remove:${key}`;
}

/** A URL's origin (scheme, host, port); '' when empty, null when it does not parse. */
function originOf(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return '';
  try {
    return new URL(value.trim()).origin;
  } catch {
    return null;
  }
}

/** Whether the draft moves a URL field of a stored destination to another host (its secrets must be entered again). */
export function hostChanged(urlFields: readonly string[], draft: ConfigDraft, existing: Record<string, unknown>): boolean {
  return urlFields.some((key) => {
    const to = originOf(draft[key]);
    return to !== null && to !== originOf(existing[key]);
  });
}

/** The fields of one destination type's config. */
export function ConfigFields({ info, draft, onChange, existing = {} }: { info: DestinationTypeInfo; draft: ConfigDraft; onChange: (draft: ConfigDraft) => void; existing?: Record<string, unknown> }) {
  const required = new Set(info.configSchema.required ?? []);
  const moved = hostChanged(info.urlFields ?? [], draft, existing);
  const properties = Object.entries(info.configSchema.properties ?? {}).sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)));
  return (
    <fieldset className="config-fields">
      <legend>{info.displayName} settings</legend>
      {properties.map(([key, prop]) => {
        const id = `config-${key}`;
        const hint = prop.description ? `${id}-hint` : undefined;
        const secret = info.secretFields.includes(key);
        // A stored secret stays only while every URL keeps its host; after a change of host it must be typed again.
        const isSet = secret && existing[key] === SECRET_MASK && !moved;
        const reenter = secret && existing[key] === SECRET_MASK && moved;
        const maskedUrl = (info.urlFields ?? []).includes(key) && !secret && typeof existing[key] === 'string' && existing[key].includes(SECRET_MASK);
        const value = draft[key];
        // An optional secret that is set can be removed (the API takes null): typing a new one replaces it instead.
        const removable = isSet && !required.has(key);
        const removing = removable && draft[removeKey(key)] === true;
        if (prop.type === 'boolean') {
          return (
            <div key={key} className="field check">
              <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange({ ...draft, [key]: e.target.checked })} aria-describedby={hint} />
              <label htmlFor={id}>{key}</label>
              {hint && <span id={hint} className="hint">{prop.description}</span>}
            </div>
          );
        }
        return (
          <div key={key} className="field">
            <label htmlFor={id}>
              {key}
              {required.has(key) && !isSet ? ' (required)' : ''}
              {secret && <span className="badge">secret</span>}
              {isSet && <span className="badge ok">set</span>}
              {reenter && <span className="badge warn">enter again: the host changed</span>}
            </label>
            {prop.type === 'object' ? (
              <textarea id={id} rows={3} disabled={removing} value={String(value ?? '')} onChange={(e) => onChange({ ...draft, [key]: e.target.value })} aria-describedby={hint} placeholder={isSet ? 'Stored, hidden: type to replace (Name: value, one per line)' : reenter ? 'Not sent to a new host: enter it again, or leave empty to remove it (Name: value, one per line)' : 'Name: value (one per line)'} />
            ) : prop.enum ? (
              <select id={id} value={String(value ?? '')} onChange={(e) => onChange({ ...draft, [key]: e.target.value })} aria-describedby={hint}>
                <option value="">—</option>
                {prop.enum.map((option) => (
                  <option key={String(option)}>{String(option)}</option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                disabled={removing}
                type={secret ? 'password' : prop.type === 'integer' || prop.type === 'number' ? 'number' : prop.format === 'uri' ? 'url' : 'text'}
                autoComplete={secret ? 'new-password' : 'off'}
                value={String(value ?? '')}
                onChange={(e) => onChange({ ...draft, [key]: e.target.value })}
                aria-describedby={hint}
                required={required.has(key) && !isSet}
                {...(prop.minimum !== undefined && { min: prop.minimum })}
                {...(prop.maximum !== undefined && { max: prop.maximum })}
                placeholder={isSet ? 'Stored, hidden: type to replace' : reenter ? `Not sent to a new host: enter it again${required.has(key) ? '' : ', or leave empty to remove it'}` : ''}
                className="wide"
              />
            )}
            {hint && (
              <span id={hint} className="hint">
                {prop.description}
              </span>
            )}
            {removable && (
              <span className="check">
                <input id={`${id}-remove`} type="checkbox" checked={removing} onChange={(e) => onChange({ ...draft, [key]: '', [removeKey(key)]: e.target.checked })} />
                <label htmlFor={`${id}-remove`}>Remove the stored {key} when saving</label>
              </span>
            )}
            {maskedUrl && (
              <span className="hint">
                Query values shown as {SECRET_MASK} are stored hidden: leave them as they are to keep them (on the same host only), or type a new value.
              </span>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
