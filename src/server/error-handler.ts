import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isUnavailable } from '../db/errors.js';
import type { App } from './app-types.js';
import { AppError, TooManyRequests, ValidationError } from './errors.js';
import { fieldErrors } from './validation.js';

/** The one place where errors become statuses and envelopes (API.md §1). */
export function installErrorHandling(app: App): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const { status, message, extra } = classify(err);
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
    } else {
      req.log.info({ status, reason: message }, 'request refused');
    }
    if (err instanceof TooManyRequests) reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.code(status).send({ code: status, message, requestId: req.id, ...extra });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ code: 404, message: `no route ${req.method} ${req.url.split('?')[0]}`, requestId: req.id }),
  );
}

interface Classified {
  status: number;
  message: string;
  extra?: Record<string, unknown>;
}

function classify(err: FastifyError): Classified {
  if (err instanceof ValidationError) return { status: 422, message: err.message, extra: { fields: err.fields } };
  if (err instanceof AppError) return { status: err.status, message: err.message, extra: err.details };
  if (err.validation) {
    const fields = fieldErrors(err.validation as never, err.validationContext);
    const message = Object.entries(fields)
      .map(([f, why]) => `${f}: ${why}`)
      .join('; ');
    return { status: 422, message, extra: { fields } };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: 'the request body must be application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: 'the JSON body is empty' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, message: 'the body is not valid JSON' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: 'the request body is too large' };
  }
  if (err instanceof SyntaxError || (err as { type?: string }).type === 'entity.parse.failed') {
    return { status: 400, message: 'the body is not valid JSON' };
  }
  if (isUnavailable(err)) return { status: 503, message: 'the database is unavailable; try again' };
  const sc = err.statusCode;
  if (sc && sc >= 400 && sc < 500) {
    // Fastify's own client errors (bad content length, aborted body...) carry safe messages.
    return { status: sc, message: err.message };
  }
  return { status: 500, message: 'internal error; quote the requestId when reporting it' };
}
