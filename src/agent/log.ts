/** The agent's logger: one JSON object per line on stderr, like the hub's pino output. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => {
    const extra = Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? v.message : v]),
    );
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...extra })}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** For unit tests. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
