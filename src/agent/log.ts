import type { LogFn, Logger } from '../lib/log.js';

export { type Logger, silentLogger } from '../lib/log.js';

/**
 * The agent's logger: pino's shape (`log.info({ fields }, 'message')`), one
 * JSON object per line on stderr like the hub's pino output. Errors among the
 * fields are written as their message.
 */
export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit =
    (level: string): LogFn =>
    (a: object | string, b?: string) => {
      const [fields, msg] = typeof a === 'string' ? [{}, a] : [a, b];
      const extra = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? v.message : v]));
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...extra })}\n`);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
