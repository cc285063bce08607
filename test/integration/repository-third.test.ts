/**
 * External repositories (API.md §7 `/v1/repository/third`) on SQLite and
 * PostgreSQL, on a hub WITHOUT a platform registry: validation, tenancy, the
 * password never leaving (responses, audit log, the hub's own log, the
 * database in clear), and the pull secrets it becomes in the desired state.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { createHub, type Hub } from '../../src/server/app.js';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, TestDatabase } from '../helpers/hub.js';
import { type Tenant, makeTenant, uniqueName } from '../helpers/tenants.js';

/** A hub whose log lines (level debug: everything the hub says) are kept in memory. */
async function startLoggedHub(kind: 'sqlite' | 'postgres') {
  const database = await TestDatabase.create(kind);
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  let hub: Hub | undefined;
  try {
    const config = loadConfig({
      OTE_DATA_DIR: database.dataDir,
      OTE_ADMIN_USER: ADMIN.user,
      OTE_ADMIN_PASSWORD: ADMIN.password,
      ...(database.url ? { OTE_DATABASE_URL: database.url } : {}),
    });
    // Fastify takes a pino destination stream in its logger options (the hub's type names only `level`).
    hub = await createHub(config, { logger: { level: 'debug', stream } as { level: string } });
    const url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    return {
      url,
      hub,
      log: () => lines.join(''),
      close: async () => {
        await hub?.close();
        await database.drop();
      },
    };
  } catch (err) {
    await hub?.close();
    await database.drop();
    throw err;
  }
}

for (const db of DATABASES) {
  describe(`external repositories [${db}]`, () => {
    let hub: Awaited<ReturnType<typeof startLoggedHub>>;
    let api: Api;
    let admin: string;
    let a: Tenant;
    let b: Tenant;
    const password = `ext-${randomBytes(12).toString('hex')}`;
    const third = (token: string, body: Record<string, unknown>) => api.post('/v1/repository/third', { token, body });
    const body = (over: Record<string, unknown> = {}) => ({
      repositoryId: uniqueName('ext').toLowerCase(),
      address: 'registry.example.com:5000',
      user: 'puller',
      password,
      ...over,
    });

    before(async () => {
      hub = await startLoggedHub(db);
      api = new Api(hub.url);
      api.secrets.add(password);
      admin = await api.login(ADMIN.user, ADMIN.password);
      a = await makeTenant(api, admin);
      b = await makeTenant(api, admin);
    });
    after(() => hub?.close());

    it('creates, lists and reads an external repository without ever answering its password', async () => {
      const input = body({ repositoryId: 'harbor-prod', address: '[fd00::10]:8443' });
      const id = expectStatus(await third(a.admin.token, input), 200).data.id;
      assert.ok(id > 0);
      const list = expectStatus(await api.get('/v1/repository/third?pageSize=0', { token: a.member.token }), 200);
      const row = list.data.find((r: { id: number }) => r.id === id);
      assert.deepEqual(row, {
        id,
        repositoryId: 'harbor-prod',
        address: '[fd00::10]:8443',
        user: 'puller',
        businessId: a.businessId,
        createTime: row.createTime,
      });
      const one = expectStatus(await api.get('/v1/repository/third/harbor-prod', { token: a.member.token }), 200);
      assert.equal(one.data.id, id);
      assert.ok(!('password' in one.data));
      expectStatus(await api.get('/v1/repository/third/not-there', { token: a.member.token }), 404);
      // Every response so far went through Api, which fails on the password in any body.
    });

    it('refuses malformed addresses with 422 naming address', async () => {
      const bad = [
        'https://registry.example.com',
        'registry.example.com/path',
        'user:pw@registry.example.com',
        'registry.example.com:5000/v2/',
        ' registry.example.com',
        'registry example.com',
        'registry.example.com:0',
        'registry.example.com:70000',
        'fd00::1',
        '[not-ip]:5000',
        '[fe80::1%eth0]:5000',
        '999.1.1.1',
        '-bad-.example.com',
        '',
      ];
      for (const address of bad) {
        const res = await third(a.admin.token, body({ address }));
        expectStatus(res, 422, `address ${JSON.stringify(address)}`);
        assert.match(res.body.message, /^address: /, JSON.stringify(address));
      }
      for (const address of ['127.0.0.1:5000', 'localhost', '[::1]:5000', 'my-registry.internal', '10.0.0.8']) {
        expectStatus(await third(a.admin.token, body({ address })), 200, `address ${address}`);
      }
    });

    it('validates repositoryId, user and unknown fields; enforces roles', async () => {
      // '-edge', 'edge-' and '-' fit [a-z0-9-] but could never name the pull Secret in Kubernetes.
      for (const repositoryId of ['Upper', 'has_underscore', 'a'.repeat(64), '', '-edge', 'edge-', '-']) {
        const res = await third(a.admin.token, body({ repositoryId }));
        expectStatus(res, 422);
        assert.match(res.body.message, /repositoryId/);
      }
      for (const repositoryId of ['a', '0', 'a-b', 'a'.repeat(63)])
        expectStatus(await third(a.admin.token, body({ repositoryId })), 200, repositoryId);
      expectStatus(await third(a.admin.token, body({ user: 'has:colon' })), 422);
      expectStatus(await third(a.admin.token, body({ extra: true })), 422);
      expectStatus(await third(a.admin.token, { repositoryId: 'x1', address: 'r.example' }), 422);
      expectStatus(await third(a.member.token, body()), 403);
      const missing = await third(admin, body());
      expectStatus(missing, 422);
      assert.match(missing.body.message, /businessId/);
      const both = await third(admin, body({ address: 'https://r.example' }));
      expectStatus(both, 422);
      assert.deepEqual(Object.keys(both.body.fields).sort(), ['address', 'businessId'], 'every offending field is named');
      expectStatus(await third(admin, body({ businessId: b.businessId })), 200);
      expectStatus(await third(a.admin.token, body({ businessId: b.businessId })), 422);
    });

    it('keeps repositoryId unique per business (409), not across businesses', async () => {
      const repositoryId = uniqueName('dup').toLowerCase();
      expectStatus(await third(a.admin.token, body({ repositoryId })), 200);
      const dup = await third(a.admin.token, body({ repositoryId }));
      expectStatus(dup, 409);
      assert.match(dup.body.message, /repositoryId/);
      expectStatus(await third(b.admin.token, body({ repositoryId })), 200);
      // The system administrator names the business when a repositoryId is used by several.
      const ambiguous = await api.get(`/v1/repository/third/${repositoryId}`, { token: admin });
      expectStatus(ambiguous, 422);
      assert.match(ambiguous.body.message, /businessId/);
      const ofB = expectStatus(
        await api.get(`/v1/repository/third/${repositoryId}?businessId=${b.businessId}`, { token: admin }),
        200,
      );
      assert.equal(ofB.data.businessId, b.businessId);
      const del = await api.delete('/v1/repository/third', { token: admin, body: { repositoryId: [repositoryId] } });
      expectStatus(del, 422);
      expectStatus(
        await api.delete('/v1/repository/third', {
          token: admin,
          body: { repositoryId: [repositoryId], businessId: b.businessId },
        }),
        200,
      );
      expectStatus(await api.get(`/v1/repository/third/${repositoryId}`, { token: a.member.token }), 200, "A's stays");
      expectStatus(await api.get(`/v1/repository/third/${repositoryId}`, { token: b.member.token }), 404, "B's is gone");
    });

    it("isolates businesses: another business's record is 404 and never listed", async () => {
      const repositoryId = uniqueName('iso').toLowerCase();
      expectStatus(await third(a.admin.token, body({ repositoryId })), 200);
      expectStatus(await api.get(`/v1/repository/third/${repositoryId}`, { token: b.member.token }), 404);
      const listB = expectStatus(await api.get('/v1/repository/third?pageSize=0', { token: b.admin.token }), 200);
      assert.ok(listB.data.every((r: { businessId: number }) => r.businessId === b.businessId));
      assert.ok(!listB.data.some((r: { repositoryId: string }) => r.repositoryId === repositoryId));
      const del = await api.delete('/v1/repository/third', { token: b.admin.token, body: { repositoryId: [repositoryId] } });
      expectStatus(del, 404);
      expectStatus(await api.get(`/v1/repository/third/${repositoryId}`, { token: a.member.token }), 200, 'still there');
      const all = expectStatus(await api.get('/v1/repository/third?pageSize=0', { token: admin }), 200);
      assert.ok(all.data.some((r: { businessId: number }) => r.businessId === a.businessId));
      assert.ok(all.data.some((r: { businessId: number }) => r.businessId === b.businessId));
      const paged = expectStatus(
        await api.get('/v1/repository/third?pageSize=1&page=1&order=desc', { token: a.admin.token }),
        200,
      );
      assert.equal(paged.data.length, 1);
      assert.ok(paged.total > 1);
    });

    it('deletes all or nothing, and the pull secrets follow', async () => {
      const keep = uniqueName('keep').toLowerCase();
      const drop = uniqueName('drop').toLowerCase();
      expectStatus(await third(a.admin.token, body({ repositoryId: keep, address: 'keep.example:443' })), 200);
      expectStatus(await third(a.admin.token, body({ repositoryId: drop, address: 'drop.example' })), 200);

      const secrets = async () => {
        const { repository, db: database } = hub.hub.services;
        const parts = await repository.contributor.contribute(database.kysely, [
          { id: 1, name: 'c1', paused: false, labels: [] },
        ]);
        return parts.get(1)?.pullSecrets ?? [];
      };
      const before = await secrets();
      const keepSecret = before.find((s) => s.name === keep);
      assert.ok(keepSecret, 'a pull secret named after repositoryId');
      assert.equal(keepSecret.namespace, `ns${a.businessId}`);
      const doc = JSON.parse(keepSecret.dockerConfigJson);
      assert.deepEqual(doc.auths['keep.example:443'], {
        username: 'puller',
        password,
        auth: Buffer.from(`puller:${password}`).toString('base64'),
      });
      assert.ok(before.some((s) => s.name === drop));
      assert.ok(!before.some((s) => s.name === 'ote.registry'), 'no platform pull secret without a platform registry');

      const partial = await api.delete('/v1/repository/third', {
        token: a.admin.token,
        body: { repositoryId: [drop, 'no-such-one'] },
      });
      expectStatus(partial, 404);
      assert.match(partial.body.message, /no-such-one/);
      expectStatus(await api.get(`/v1/repository/third/${drop}`, { token: a.admin.token }), 200, 'nothing deleted');
      expectStatus(await api.delete('/v1/repository/third', { token: a.member.token, body: { repositoryId: [drop] } }), 403);
      expectStatus(await api.delete('/v1/repository/third', { token: a.admin.token, body: { repositoryId: [drop] } }), 200);
      expectStatus(await api.get(`/v1/repository/third/${drop}`, { token: a.admin.token }), 404);
      const afterDelete = await secrets();
      assert.ok(!afterDelete.some((s) => s.name === drop), 'its pull secret is gone from the desired state');
      assert.ok(afterDelete.some((s) => s.name === keep));
    });

    it('never stores, logs or audits the password in clear', async () => {
      const rows = await hub.hub.services.db.kysely.selectFrom('external_repositories').selectAll().execute();
      assert.ok(rows.length > 0);
      for (const r of rows) {
        assert.ok(!r.password_enc.includes(password), 'sealed at rest');
        assert.match(r.password_enc, /^v1\./);
        assert.equal(hub.hub.services.repository.box.open(r.password_enc), password);
      }
      const audit = await api.get('/v1/admin/audit?pageSize=0&action=POST%20%2Fv1%2Frepository%2Fthird', { token: admin });
      expectStatus(audit, 200);
      assert.ok(audit.body.total > 0, 'the creations are audited');
      assert.ok(!audit.text.includes(password));
      const log = hub.log();
      assert.ok(log.includes('/v1/repository/third'), 'the log saw the requests');
      assert.ok(!log.includes(password), 'the password is not in the hub log');
    });
  });
}
