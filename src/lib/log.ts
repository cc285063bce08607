/**
 * The one logger shape of the hub and the agent: pino's (Fastify's `app.log`
 * is one), with the fields object first and the message second. A message
 * alone is allowed too.
 */
export interface LogFn {
  (fields: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
}

const nothing: LogFn = () => {};

/** Until a module is started with the real logger (and in tests): says nothing. */
export const silentLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
