import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './app.js';

/** Where `npm run build` puts the console (web/dist), from src/http or dist/http alike. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** The file names Vite gives the built assets carry their content hash: cache them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The web console (API.md §13): the built files of web/ at `/`. Hashed assets
 * are immutable; `index.html` is revalidated on every load, and every other
 * GET outside the API answers it, so the console's deep links survive a
 * reload. `/v1/...` keeps the API's own 404. Public, and not in the OpenAPI
 * document: these are not API operations.
 */
export async function consoleRoutes(app: App, opts: { root?: string }): Promise<void> {
  const root = path.resolve(opts.root ?? DEFAULT_CONSOLE_DIR);
  const index = path.join(root, 'index.html');
  // reply.sendFile only (serve: false): the routes below are ours, so they carry config and schema.
  await app.register(fastifyStatic, { root, serve: false });
  const route = { config: { public: true }, schema: { hide: true } };

  const notBuilt = (reply: FastifyReply, id: string) =>
    reply.code(503).send({
      code: 503,
      message: `the web console is not built (${index} is missing): run \`npm run build\``,
      requestId: id,
    });

  app.get('/assets/*', route, async (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    const file = path.resolve(root, 'assets', rel);
    if (!file.startsWith(path.join(root, 'assets') + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      return reply.code(404).send({ code: 404, message: `no asset ${req.url.split('?')[0]}`, requestId: req.id });
    }
    reply.header('cache-control', IMMUTABLE);
    return reply.sendFile(path.relative(root, file), { cacheControl: false });
  });

  const serveIndex = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.url.split('?')[0];
    // The API keeps its own 404 (API.md §1); only console paths fall back to index.html.
    if (url === '/v1' || url.startsWith('/v1/')) {
      return reply.code(404).send({ code: 404, message: `no route ${req.method} ${url}`, requestId: req.id });
    }
    if (!fs.existsSync(index)) return notBuilt(reply, req.id);
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  };
  app.get('/', route, serveIndex);
  app.get('/*', route, serveIndex);
}
