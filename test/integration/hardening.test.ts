/**
 * Issue 11's findings 3-11 through the real HTTP server, on SQLite and
 * PostgreSQL: each test fails without its fix (a probe reproduced each one).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/config.js';
import { requestTimeouts } from '../../src/server/app.js';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, nodeReport } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { uniqueName } from '../helpers/tenants.js';
import { userBody } from '../helpers/users.js';

const REQUEST_TIMEOUT = 2; // seconds (configured small, so the slow-loris test takes seconds)

interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string };
  [k: string]: unknown;
}

for (const db of DATABASES) {
  describe(`hardening (issue 11) [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let dataDir: string;
    const logs: LogLine[] = [];
    const workload = {
      namespace: 'ns1',
      name: 'web',
      kind: 'Deployment',
      generation: 1,
      observedGeneration: 1,
      desiredReplicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      message: '',
    };

    before(async () => {
      const scratch = await startHub(db); // only for a fresh temp directory and database name
      const database = scratch.database;
      await scratch.stop();
      // A data directory the hub creates itself (finding 11: 0700).
      dataDir = path.join(database.dataDir, 'data');
      hub = await startHub(
        db,
        { OTE_DATA_DIR: dataDir, OTE_REQUEST_TIMEOUT: String(REQUEST_TIMEOUT), OTE_AUDIT_RETENTION_DAYS: '30' },
        database,
        { logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } } },
      );
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
    });
    after(async () => {
      await hub?.stop();
      await hub?.database.drop();
    });

    it('3: a body key named like an Object.prototype member is an unknown field, named', async () => {
      for (const key of ['constructor', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__']) {
        const body = JSON.stringify({ ...userBody(), [key]: 1 });
        const res = await api.post('/v1/user', { rawBody: body, headers: { 'content-type': 'application/json' } });
        expectStatus(res, 422, key);
        assert.equal(res.body.fields?.[key], 'unknown field', `${key}: ${res.text}`);
        assert.ok(Object.hasOwn(res.body.fields, key), key);
        assert.equal(res.body.message, `${key}: unknown field`);
      }
    });

    it('5: a request whose body never arrives (slow loris) is closed with 408 within the request timeout', async () => {
      const { port } = new URL(hub.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const started = Date.now();
      socket.write(
        'POST /v1/authorization HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"',
      );
      let received = '';
      socket.on('data', (d) => (received += d.toString()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const limit = REQUEST_TIMEOUT * 1000 * 3;
      const outcome = await Promise.race([closed.then(() => 'closed'), sleep(limit).then(() => 'open')]);
      socket.destroy();
      assert.equal(outcome, 'closed', `the socket was still open after ${limit} ms`);
      assert.ok(Date.now() - started >= REQUEST_TIMEOUT * 1000 - 100, 'not closed before the timeout');
      assert.match(received, /^HTTP\/1\.1 408 /);
      assert.match(received, /"code":408/);
    });

    it('5: the default timeouts close a slow-loris socket within 30 s', () => {
      const config = loadConfig({ OTE_ADMIN_PASSWORD: ADMIN.password });
      const t = requestTimeouts(config.OTE_REQUEST_TIMEOUT);
      assert.ok(t.requestTimeout > 0 && t.http.headersTimeout <= t.requestTimeout);
      assert.ok(t.requestTimeout + t.http.connectionsCheckingInterval <= 30_000);
    });

    it('7: client errors (an aborted body, a malformed WebSocket frame, no registry) log below error, without a stack', async () => {
      const from = logs.length;
      // An aborted request body.
      const { port } = new URL(hub.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        'POST /v1/authorization HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"',
      );
      await sleep(100);
      socket.destroy();
      // A malformed WebSocket frame (RSV bits set) from an agent.
      const clusterName = uniqueName('hc');
      const token = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName } }), 200).data.token;
      const ws = new WebSocket(`${hub.url.replace(/^http/, 'ws')}/v1/agent/connect`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.on('error', () => {});
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the raw socket is the point (ws never sends a malformed frame itself)
      (ws as any)._socket.write(Buffer.from([0xf1, 0x80, 0, 0, 0, 0]));
      await Promise.race([closed, sleep(5000)]);
      // 503: no registry configured.
      expectStatus(await api.post('/v1/repository/project', { token: admin, body: { projectName: 'p1x', public: true } }), 503);
      await sleep(200);
      const lines = logs.slice(from);
      const bad = lines.filter((l) => l.level >= 50 || JSON.stringify(l).includes('"stack"'));
      assert.deepEqual(bad, [], 'no error-level line and no stack');
      assert.ok(
        lines.some((l) => l.msg === 'request refused' && l.status === 400),
        'the aborted body is an info line',
      );
      assert.ok(
        lines.some((l) => /WebSocket/.test(l.msg) && l.level <= 40),
        'the bad frame is logged below error',
      );
      assert.ok(
        lines.some((l) => l.level === 40 && l.status === 503),
        'the 503 is a warning',
      );
    });

    it('8: a Content-Encoding the hub does not decode is a 415', async () => {
      const body = JSON.stringify({ user: ADMIN.user, password: 'Wrong-pass1' });
      for (const [coding, raw] of [
        ['xyz', body],
        ['gzip', gzipSync(body).toString('latin1')],
        ['deflate, gzip', body],
      ] as const) {
        const res = await api.post('/v1/authorization', {
          rawBody: raw,
          headers: { 'content-type': 'application/json', 'content-encoding': coding },
        });
        expectStatus(res, 415, coding);
        assert.match(res.body.message, /Content-Encoding/);
      }
      const plain = await api.post('/v1/authorization', {
        rawBody: body,
        headers: { 'content-type': 'application/json', 'content-encoding': 'identity' },
      });
      expectStatus(plain, 401, 'identity is no encoding');
      // The header describes a body: a call without one has nothing to decode (and the document declares no 415 there).
      const me = await api.get('/v1/authorization', { token: admin, headers: { 'content-encoding': 'gzip' } });
      expectStatus(me, 200, 'a GET with a Content-Encoding but no body');
      expectStatus(await api.put('/v1/authorization', { token: admin, headers: { 'content-encoding': 'gzip' } }), 200);
    });

    it('4, 10: agent frames out of the protocol bounds are closed with 4003 and never stored', async () => {
      const clusterName = uniqueName('hb');
      const token = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName } }), 200).data.token;
      const badNodes = [
        nodeReport('cpu-huge', { cpu: 1e308 }),
        nodeReport('gpu-huge', { gpuCount: 2 ** 31 - 1, gpuMemoryMiB: 1e300 }),
        nodeReport('label-long', { labels: { a: 'x'.repeat(64) } }),
      ];
      for (const n of badNodes) {
        const agent = await FakeAgent.connect(hub.url, token, { nodes: [n], heartbeatMs: 0 });
        assert.equal(await agent.closeCode(), 4003, n.name);
      }
      const badWorkloads = [
        { ...workload, generation: 2 ** 40 },
        { ...workload, generation: 1e300 },
        { ...workload, readyReplicas: -1 },
        { ...workload, message: 'bad\u0000message' },
        { ...workload, message: 'm'.repeat(5000) },
      ];
      for (const w of badWorkloads) {
        // In the hello and in a heartbeat after a good hello alike.
        const a = await FakeAgent.connect(hub.url, token, { hello: false, heartbeatMs: 0 });
        a.hello(null, [w]);
        assert.equal(await a.closeCode(), 4003, JSON.stringify(w).slice(0, 80));
        const b = await FakeAgent.connect(hub.url, token, { nodes: [nodeReport('ok-1')], heartbeatMs: 0 });
        await b.waitForDesired(() => true);
        b.send({ type: 'heartbeat', workloads: [w] });
        assert.equal(await b.closeCode(), 4003, `heartbeat ${JSON.stringify(w).slice(0, 80)}`);
      }
      const nodes = expectStatus(await api.get(`/v1/node?clusterName=${clusterName}&pageSize=0`, { token: admin }), 200);
      assert.deepEqual(
        nodes.data.map((n: { nodeName?: string; name?: string }) => n.nodeName ?? n.name),
        ['ok-1'],
        'only the node of a well-formed frame is stored',
      );
      for (const n of nodes.data) assert.ok(Number.isFinite(n.cpu) && n.cpu < 2 ** 21, JSON.stringify(n));
    });

    it('6: anonymous failures are one audit row per address, route and minute, with a count, and a metric', async () => {
      const target = '/v1/admin/user/2147483601';
      const metric = async () => {
        const text = (await api.get('/metrics')).text;
        const m = /^ote_audit_anonymous_failures_total\{status="401"\} (\d+)$/m.exec(text);
        return m ? Number(m[1]) : 0;
      };
      const before = await metric();
      const N = 60;
      for (let i = 0; i < N / 2; i++) expectStatus(await api.delete(target), 401);
      await Promise.all(Array.from({ length: N / 2 }, async () => expectStatus(await api.delete(target), 401)));
      await hub.hub.services.audit.flush();
      const rows = await hub.hub.services.db.kysely
        .selectFrom('audit_log')
        .select(['count', 'client_ip', 'result'])
        .where('target', '=', target)
        .execute();
      assert.ok(rows.length >= 1 && rows.length <= 2, `one row a minute (two across a minute boundary), got ${rows.length}`);
      assert.equal(
        rows.reduce((n, r) => n + r.count, 0),
        N,
        'the rows count every call',
      );
      assert.equal((await metric()) - before, N, 'the metric counts every call');
      const listed = expectStatus(
        await api.get(`/v1/admin/audit?action=${encodeURIComponent('DELETE /v1/admin/user/:userId')}&pageSize=0`, {
          token: admin,
        }),
        200,
      );
      assert.equal(
        listed.data
          .filter((r: { target: string }) => r.target === target)
          .reduce((n: number, r: { count: number }) => n + r.count, 0),
        N,
      );
      // A caller with a token still gets a row per call.
      for (let i = 0; i < 3; i++) expectStatus(await api.delete(target, { token: admin }), 404);
      const own = await hub.hub.services.db.kysely
        .selectFrom('audit_log')
        .select('count')
        .where('target', '=', target)
        .where('result', '=', 404)
        .execute();
      assert.deepEqual(
        own.map((r) => r.count),
        [1, 1, 1],
      );
    });

    it('6: audit rows older than OTE_AUDIT_RETENTION_DAYS are pruned', async () => {
      const kysely = hub.hub.services.db.kysely;
      const now = Math.floor(Date.now() / 1000);
      const row = (days: number, action: string) => ({
        user_id: null,
        user_name: null,
        action,
        target: '/x',
        result: 200,
        client_ip: '127.0.0.9',
        create_time: now - days * 86400,
      });
      await kysely
        .insertInto('audit_log')
        .values([row(31, 'old-31'), row(400, 'old-400'), row(29, 'young-29')])
        .execute();
      assert.ok((await hub.hub.services.audit.prune()) >= 2);
      const left = await kysely.selectFrom('audit_log').select('action').where('client_ip', '=', '127.0.0.9').execute();
      assert.deepEqual(
        left.map((r) => r.action),
        ['young-29'],
      );
    });

    it('6: a pageSize=0 audit listing is streamed slice by slice, the same rows and total as the pages', async () => {
      const kysely = hub.hub.services.db.kysely;
      const now = Math.floor(Date.now() / 1000);
      const action = `bulk-${uniqueName('a')}`;
      const N = 2500; // more than two slices
      for (let i = 0; i < N; i += 500) {
        await kysely
          .insertInto('audit_log')
          .values(
            Array.from({ length: Math.min(500, N - i) }, (_, j) => ({
              user_id: null,
              user_name: `n${i + j}`,
              action,
              target: '/bulk',
              result: 200,
              client_ip: '127.0.0.1',
              create_time: now,
            })),
          )
          .execute();
      }
      const q = `/v1/admin/audit?action=${encodeURIComponent(action)}`;
      const res = await api.get(`${q}&pageSize=0`, { token: admin });
      const all = expectStatus(res, 200);
      assert.equal(res.headers.get('transfer-encoding'), 'chunked', 'streamed, not built whole');
      assert.equal(all.message, 'success');
      assert.equal(all.total, N);
      assert.equal(all.data.length, N);
      const pages = [];
      for (let p = 1; p <= 3; p++)
        pages.push(...expectStatus(await api.get(`${q}&pageSize=1000&page=${p}`, { token: admin }), 200).data);
      assert.deepEqual(all.data, pages, 'newest first, like the pages');
      const asc = expectStatus(await api.get(`${q}&pageSize=0&order=asc`, { token: admin }), 200);
      assert.deepEqual(asc.data, [...pages].reverse());
      const none = expectStatus(await api.get('/v1/admin/audit?action=nothing-such&pageSize=0', { token: admin }), 200);
      assert.deepEqual([none.total, none.data], [0, []]);
    });

    it('11: the data directory the hub created is 0700, its files 0600 (ote.db, -wal, -shm, secrets)', async () => {
      // Some writes, so that SQLite has its -wal and -shm files.
      expectStatus(await api.put('/v1/authorization', { token: admin }), 200);
      assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700, 'data directory');
      const files = fs.readdirSync(dataDir);
      if (db === 'sqlite') for (const f of ['ote.db', 'ote.db-wal', 'ote.db-shm']) assert.ok(files.includes(f), `${f} exists`);
      assert.ok(files.includes('secret.key'));
      for (const f of files) {
        assert.equal(fs.statSync(path.join(dataDir, f)).mode & 0o777, 0o600, f);
      }
    });
  });
}

/** An existing database file with a looser mode is tightened at start (an upgrade from before the fix). */
describe('hardening (issue 11): an existing ote.db is tightened to 0600 [sqlite]', () => {
  it('chmods ote.db 0644 to 0600 on start', async () => {
    if (!DATABASES.includes('sqlite')) return;
    const first = await startHub('sqlite');
    const database = first.database;
    await first.stop();
    const file = path.join(database.dataDir, 'ote.db');
    fs.chmodSync(file, 0o644);
    const again = await startHub('sqlite', {}, database);
    try {
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    } finally {
      await again.close();
      await database.drop();
    }
  });
});
