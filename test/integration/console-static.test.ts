import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { type Hub, createHub } from '../../src/server/app.js';
import { ADMIN, DATABASES, TestDatabase } from '../helpers/hub.js';

/** The hub serves the built console at `/` (API.md §13): caching, deep links, the API's own 404s. */
async function hubWith(db: TestDatabase, consoleDir: string): Promise<{ hub: Hub; url: string }> {
  const config = loadConfig({
    OTE_DATA_DIR: db.dataDir,
    OTE_ADMIN_USER: ADMIN.user,
    OTE_ADMIN_PASSWORD: ADMIN.password,
    OTE_LOG_LEVEL: 'silent',
    ...(db.url ? { OTE_DATABASE_URL: db.url } : {}),
  });
  const hub = await createHub(config, { logger: false, consoleDir });
  const url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
  return { hub, url };
}

for (const kind of DATABASES) {
  describe(`console static files [${kind}]`, () => {
    let db: TestDatabase;
    let built: { hub: Hub; url: string };
    let missing: { hub: Hub; url: string };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-console-'));
    const asset = 'index-Ab12Cd34.js';

    before(async () => {
      fs.mkdirSync(path.join(dir, 'assets'));
      fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>OTE console</title>');
      fs.writeFileSync(path.join(dir, 'assets', asset), 'console.log("ote")');
      db = await TestDatabase.create(kind);
      built = await hubWith(db, dir);
    });
    after(async () => {
      await built?.hub.close();
      await missing?.hub.close();
      await db?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('serves index.html at / and at any console path, never cached', async () => {
      for (const p of ['/', '/clusters/edge-east', '/apps/12/edit?tab=x']) {
        const res = await fetch(`${built.url}${p}`);
        assert.equal(res.status, 200, p);
        assert.equal(res.headers.get('cache-control'), 'no-cache', p);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        assert.match(await res.text(), /OTE console/);
      }
    });

    it('serves hashed assets immutable, and a missing asset is a 404, not index.html', async () => {
      const res = await fetch(`${built.url}/assets/${asset}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.match(res.headers.get('content-type') ?? '', /javascript/);
      const gone = await fetch(`${built.url}/assets/nope.js`);
      assert.equal(gone.status, 404);
      assert.equal(((await gone.json()) as { code: number }).code, 404);
      const escape = await fetch(`${built.url}/assets/..%2findex.html`);
      assert.equal(escape.status, 404);
    });

    it('keeps the API 404 envelope under /v1 and other methods, and stays out of the OpenAPI document', async () => {
      const res = await fetch(`${built.url}/v1/no-such-thing`);
      assert.equal(res.status, 404);
      assert.deepEqual(((await res.json()) as { message: string }).message, 'no route GET /v1/no-such-thing');
      const post = await fetch(`${built.url}/clusters`, { method: 'POST' });
      assert.equal(post.status, 404);
      const doc = (await (await fetch(`${built.url}/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
      assert.ok(
        !Object.keys(doc.paths).some((p) => p === '/' || p.startsWith('/assets') || p === '/*'),
        Object.keys(doc.paths).join(),
      );
      // The API itself is untouched.
      assert.equal((await fetch(`${built.url}/v1/cluster`)).status, 401);
    });

    it('answers a clear 503 when the console is not built', async () => {
      await built.hub.close();
      missing = await hubWith(db, path.join(dir, 'not-there'));
      const res = await fetch(`${missing.url}/clusters`);
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { message: string }).message, /not built.*npm run build/);
    });
  });
}
