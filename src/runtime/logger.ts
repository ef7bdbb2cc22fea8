import pino, { type Logger } from 'pino';
import type { SluiceConfig } from '../config/config.js';
import { hidePersonalDataIn } from '../core/privacy/personal-text.js';

const MASKED = '[masked]';
const hide = (text: string) => hidePersonalDataIn(text, MASKED);

/** Strings of a log object (a few levels deep) with personal data hidden; errors are left to the `err` serializer. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return hide(value);
  if (value === null || typeof value !== 'object' || value instanceof Error || depth >= 4) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = scrub(v, depth + 1);
  return out;
}

/**
 * The process's logger (pino, JSON lines). Email addresses and international phone numbers anywhere in a line
 * (the message, fields, an error's message and stack) read `[masked]`: errors quote what they were given (a
 * destination's answer about a contact, a database's rejected value, an SMTP refusal), and logs are kept and
 * shipped where no privacy request reaches.
 */
export function createLogger(config: Pick<SluiceConfig, 'logLevel'>, name: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: config.logLevel,
    serializers: { err: (error: Error) => scrub(pino.stdSerializers.err(error)) as ReturnType<typeof pino.stdSerializers.err> },
    formatters: { log: (object) => scrub(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        // log.error(error): pino would take the message from the error unscrubbed.
        if (first instanceof Error && typeof rest[0] !== 'string') return method.apply(this, [{ err: first }, hide(first.message), ...rest] as Parameters<typeof method>);
        return method.apply(this, args.map((a) => (typeof a === 'string' ? hide(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
