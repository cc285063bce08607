import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isUnavailable } from '../db/errors.js';
import type { App } from './app.js';
import { AppError, TooManyRequests, ValidationError } from './errors.js';
import { fieldErrors } from './validation.js';

/** The one place where errors become statuses and envelopes (API.md §1). */
export function installErrorHandling(app: App): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const { status, message, extra } = classify(err);
    if (status >= 500 && !(err instanceof AppError) && !isUnavailable(err)) {
      // Only the unexpected gets a stack: it is a bug to look into.
      req.log.error({ err }, 'request failed');
    } else if (status >= 500) {
      // A dependency that is down or not configured: the operator's business, not a bug.
      req.log.warn({ status, reason: message, cause: err.message }, 'dependency unavailable');
    } else {
      // The client's mistake (or its hang-up): no stack, and below error level.
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
  const sc = err.statusCode;
  // Fastify's own client errors (bad content length, aborted body...) carry safe messages.
  // Before the database check: an aborted body is an ECONNRESET too, of the client's socket.
  if (sc && sc >= 400 && sc < 500) {
    if (err.message === 'aborted') return { status: 400, message: 'the client aborted the request' };
    return { status: sc, message: err.message };
  }
  if (isUnavailable(err)) return { status: 503, message: 'the database is unavailable; try again' };
  return { status: 500, message: 'internal error; quote the requestId when reporting it' };
}

/**
 * Fastify's router refusals (a bad % escape in the path, a path parameter
 * over 100 characters), which otherwise answer `code: "FST_ERR_BAD_URL"`
 * instead of the envelope's integer code (API.md §1). A Fastify option.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  const message =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path parameter is longer than 100 characters'
      : 'the URL is not valid (a % escape that decodes to no character)';
  req.log.info({ status, reason: message }, 'request refused');
  reply.header('x-request-id', req.id).code(status).send({ code: status, message, requestId: req.id });
}

/**
 * Errors of the HTTP parser, before there is a request (headers over the size
 * limit, malformed HTTP), also in the envelope. A Fastify option; it replaces
 * Fastify's default, which answers `{error, message, statusCode}`.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received in time']
        : [400, 'the request is not valid HTTP'];
  const requestId = randomUUID();
  const body = JSON.stringify({ code: status, message, requestId });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `x-request-id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
