import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { freePort } from '../helpers/hub-process.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { makeTenant, pendingUser } from '../helpers/tenants.js';
import { eventually } from '../helpers/wait.js';

/**
 * A tool nobody here wrote judges the document: Stoplight Prism (pinned in
 * package.json) as a validating proxy, `prism proxy <document> <hub> --errors`,
 * in front of a real hub. Every call goes through it; Prism checks the request
 * and the hub's answer against the document and, with --errors, turns any
 * violation into an error answer and an `sl-violations` header.
 */
const require = createRequire(import.meta.url);
const PRISM = path.join(path.dirname(require.resolve('@stoplight/prism-cli/package.json')), 'dist', 'index.js');

interface Prism {
  readonly url: string;
  readonly proc: ChildProcess;
  log(): string;
}

async function startPrism(documentPath: string, upstream: string): Promise<Prism> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [PRISM, 'proxy', documentPath, upstream, '--errors', '--host', '127.0.0.1', '--port', String(port), '--cors', 'false'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
  );
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const prism = { url: `http://127.0.0.1:${port}`, proc, log: () => out };
  try {
    await eventually(
      'Prism to listen',
      () => {
        if (proc.exitCode !== null) throw new Error(`prism exited ${proc.exitCode}: ${out.slice(-2000)}`);
        return /Prism is listening/.test(out);
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  } catch (err) {
    await stopPrism(prism);
    throw err;
  }
  return prism;
}

/** Stops the one process this test started, by its pid; SIGKILL if it lingers. */
async function stopPrism(p: Prism): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  const exited = new Promise((resolve) => p.proc.once('exit', resolve));
  process.kill(p.proc.pid as number, 'SIGTERM');
  const timer = setTimeout(() => p.proc.pid && process.kill(p.proc.pid, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

for (const db of DATABASES) {
  describe(`the document through a Prism validating proxy [${db}]`, { timeout: 180_000 }, () => {
    let hub: TestHub;
    let prism: Prism;
    let dir: string;
    let api: Api;
    let admin: string;
    let tenant: Awaited<ReturnType<typeof makeTenant>>;
    let pending: string;

    before(async () => {
      // A long first wait after the failures allowed, so the 429 below does not depend on the machine's speed.
      hub = await startHub(db, { OTE_LOGIN_PAIR_DELAY: '60' });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-prism-'));
      // The document this hub serves, as a third party would download it.
      const doc = await (await fetch(`${hub.url}/v1/openapi.json`)).text();
      fs.writeFileSync(path.join(dir, 'openapi.json'), doc);
      prism = await startPrism(path.join(dir, 'openapi.json'), hub.url);
      // Set up directly against the hub; the calls under test go through Prism.
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      tenant = await makeTenant(api, admin);
      pending = (await pendingUser(api)).token;
      expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: 'prism-east' } }), 200);
    });

    after(async () => {
      if (prism) await stopPrism(prism);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      await hub?.close();
    });

    /** One call through Prism: the hub's status comes back and Prism reports no violation. */
    async function through(method: string, p: string, status: number, opts: { token?: string; body?: unknown } = {}) {
      const headers: Record<string, string> = {};
      if (opts.token) headers.authorization = opts.token;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(prism.url + p, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      const text = await res.text();
      const violations = res.headers.get('sl-violations');
      assert.equal(violations, null, `${method} ${p}: Prism reports violations: ${violations}`);
      assert.equal(res.status, status, `${method} ${p} through Prism: ${text.slice(0, 500)}`);
      // The hub's answer, not one Prism made up (Prism answers a request without the token itself).
      assert.ok(
        res.headers.get('x-request-id'),
        `${method} ${p}: the answer came from Prism, not the hub: ${text.slice(0, 300)}`,
      );
      return text;
    }

    it('finds no violation in answers of success, and lists with no query', async () => {
      await through('POST', '/v1/authorization', 200, { body: { user: ADMIN.user, password: ADMIN.password } });
      await through('GET', '/v1/authorization', 200, { token: admin });
      for (const list of [
        '/v1/cluster',
        '/v1/node',
        '/v1/business',
        '/v1/admin/user',
        '/v1/app',
        '/v1/alert',
        '/v1/admin/audit',
      ]) {
        await through('GET', list, 200, { token: admin });
      }
      await through('GET', '/v1/repository/third', 200, { token: tenant.admin.token });
      await through('GET', '/v1/cluster?page=1&pageSize=5&order=desc', 200, { token: tenant.member.token });
      await through('GET', '/v1/cluster/label', 200, { token: tenant.member.token });
      await through('GET', '/v1/node/label', 200, { token: tenant.member.token });
      await through('GET', '/v1/admin/setting', 200, { token: admin });
      await through('PUT', '/v1/cluster/prism-east/pause', 200, { token: admin, body: { paused: true } });
      await through('POST', '/v1/cluster/label', 200, {
        token: admin,
        body: { clusterLabel: 'gpu', clusterName: ['prism-east'] },
      });
      await through('GET', '/v1/cluster/label/prism-east', 200, { token: admin });
      const pem = await through('GET', '/v1/registry/certificate', 200);
      assert.match(pem, /BEGIN CERTIFICATE/);
      await through('POST', '/v1/repository/third', 200, {
        token: tenant.admin.token,
        body: { repositoryId: 'prism-hub', address: 'registry.example:5000', user: 'u', password: 'Secret-Passw0rd' },
      });
      await through('GET', '/v1/repository/third/prism-hub', 200, { token: tenant.member.token });
    });

    it('finds no violation in error answers: 401, 403, 404, 409, 422', async () => {
      await through('POST', '/v1/authorization', 401, { body: { user: ADMIN.user, password: 'Wrong-Passw0rd' } });
      await through('GET', '/v1/cluster', 401, { token: 'not-a-token' });
      await through('GET', '/v1/admin/setting', 403, { token: pending });
      await through('GET', '/v1/cluster', 403, { token: pending });
      await through('DELETE', '/v1/cluster/no-such-cluster', 404, { token: admin });
      await through('GET', `/v1/business/id/${tenant.businessId + 1000}`, 404, { token: admin });
      await through('GET', '/v1/repository/third/absent', 404, { token: tenant.member.token });
      await through('POST', '/v1/cluster', 409, { token: admin, body: { clusterName: 'prism-east' } });
      // Valid for the document, refused by the hub's own rules: 422 naming the field.
      const unknown = await through('POST', '/v1/cluster/label', 422, {
        token: admin,
        body: { clusterLabel: 'gpu', clusterName: ['no-such-cluster'] },
      });
      assert.match(unknown, /clusterName/);
      await through('PUT', '/v1/user', 422, {
        token: tenant.member.token,
        body: { oldPassword: 'Not-the-0ne', password: 'Another-Passw0rd' },
      });
    });

    it('finds no violation in the answers of the delivery and hardening issues: previews, a streamed audit listing, 429', async () => {
      const body = { appName: 'prism-web', image: 'docker.io/library/nginx', tag: '1.27', clusterLabel: 'gpu' };
      const preview = JSON.parse(await through('POST', '/v1/app/preview', 200, { token: tenant.member.token, body }));
      assert.deepEqual(
        preview.data.clusters.map((c: { clusterName: string }) => c.clusterName),
        ['prism-east'],
      );
      const created = JSON.parse(await through('POST', '/v1/app', 200, { token: tenant.member.token, body }));
      await through('GET', `/v1/app/${created.data.id}/preview`, 200, { token: tenant.member.token });
      await through('GET', `/v1/app/${created.data.id}/preview?revision=9`, 422, { token: tenant.member.token });
      await through('GET', '/v1/admin/audit?pageSize=0', 200, { token: admin });
      // Five failures for one name from one address, then the pair waits (API.md §3).
      for (let i = 0; i < 5; i++) {
        await through('POST', '/v1/authorization', 401, { body: { user: 'prism-nobody', password: 'Wrong-Passw0rd' } });
      }
      await through('POST', '/v1/authorization', 429, { body: { user: 'prism-nobody', password: 'Wrong-Passw0rd' } });
    });

    it('is a proxy that really validates: a document without the 401 or with a stricter row is caught', async () => {
      // The hub's own refusal of a document-valid request, seen through Prism, is not Prism's doing.
      const doc = JSON.parse(fs.readFileSync(path.join(dir, 'openapi.json'), 'utf8'));
      delete doc.paths['/v1/cluster/{clusterName}'].delete.responses['404'];
      const row = doc.paths['/v1/cluster'].get.responses['200'].content['application/json'].schema.properties.data.items;
      row.properties.rack = { type: 'string' };
      row.required = [...(row.required ?? []), 'rack'];
      const tampered = path.join(dir, 'tampered.json');
      fs.writeFileSync(tampered, JSON.stringify(doc));
      const strict = await startPrism(tampered, hub.url);
      try {
        const missing = await fetch(`${strict.url}/v1/cluster/no-such-cluster`, {
          method: 'DELETE',
          headers: { authorization: admin },
        });
        await missing.text();
        const clusters = await fetch(`${strict.url}/v1/cluster`, { headers: { authorization: admin } });
        await clusters.text();
        for (const [what, res] of [
          ['an undeclared 404', missing],
          ['a row without the required rack', clusters],
        ] as const) {
          assert.ok(res.headers.get('sl-violations') || res.status >= 500, `Prism does not flag ${what}: ${res.status}`);
        }
      } finally {
        await stopPrism(strict);
      }
      // And a request the document forbids is refused by Prism itself (its problem+json, not the hub's envelope).
      const big = await fetch(`${prism.url}/v1/cluster?pageSize=5000`, { headers: { authorization: admin } });
      const text = await big.text();
      assert.equal(big.status, 422, text);
      assert.match(text, /pagesize/i);
    });
  });
}
