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
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const coding = req.headers['content-encoding'];
    if (coding !== undefined && !/^\s*(identity)?\s*$/i.test(coding)) {
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
