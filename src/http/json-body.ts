import type { App } from './app.js';

/**
 * JSON bodies with Fastify's safe parser (prototype poisoning is an error),
 * except that an empty body counts as no body: many clients send
 * `Content-Type: application/json` on every request, and a body-less call
 * (logout, refresh, delete) must not fail for it. A route that needs a body
 * still refuses the missing one through its schema (422).
 */
export function installJsonBodies(app: App): void {
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
