import type { App } from './app.js';
import { UnsupportedMediaType } from './errors.js';

/**
 * JSON bodies with Fastify's safe parser (prototype poisoning is an error),
 * except that an empty body counts as no body: many clients send
 * `Content-Type: application/json` on every request, and a body-less call
 * (logout, refresh, delete) must not fail for it. A route that needs a body
 * still refuses the missing one through its schema (422).
 */
export function installJsonBodies(app: App): void {
  // The hub decodes no Content-Encoding: a compressed body was read as JSON text (400) and an
  // unknown coding ignored (200). Both are a 415 (RFC 9110 §15.5.16), before the body is read.
  // The header describes a body: a request without one, or a GET or HEAD (whose body is never read),
  // has nothing to decode and is served.
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const coding = req.headers['content-encoding'];
    if (
      coding !== undefined &&
      req.method !== 'GET' &&
      req.method !== 'HEAD' &&
      hasBody(req.headers) &&
      !/^\s*(identity)?\s*$/i.test(coding)
    ) {
      const why = `Content-Encoding ${JSON.stringify(coding.slice(0, 40))} is not supported; send the body uncompressed`;
      done(new UnsupportedMediaType(why));
      return;
    }
    done(null, payload);
  });
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    // parseAs 'string' hands a string; the type admits a Buffer too.
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    // The default parser answers through `done`; its type also admits a promise-returning parser.
    void parse(req, text, done);
  });
}

/** Whether the request carries a body (RFC 9112 §6.3: a Transfer-Encoding, or a Content-Length above 0). */
function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && !/^\s*0*\s*$/.test(length));
}
