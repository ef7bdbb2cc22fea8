import pino, { type Logger } from 'pino';
import type { SluiceConfig } from '../config/config.js';

export function createLogger(config: Pick<SluiceConfig, 'logLevel'>, name: string): Logger {
  return pino({ name, level: config.logLevel });
}
