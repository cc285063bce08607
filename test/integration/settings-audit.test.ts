import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { adminToken, createUser, registerUser, strongPassword, userBody } from '../helpers/users.js';

interface AuditRow {
  id: number;
  userId: number | null;
  user: string | null;
  action: string;
  target: string;
  result: number;
  clientIp: string;
  createTime: number;
}

/** Platform settings, the audit log, health, metrics, the API document and error bodies (API.md §1, §9). */
for (const db of DATABASES) {
  describe(`settings, audit log and health [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let adminId: number;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await adminToken(api);
      adminId = expectStatus(await api.get('/v1/authorization', { token: admin }), 200).data.userId;
    });
    after(() => hub?.close());

    const audit = async (query: string): Promise<{ data: AuditRow[]; total: number }> =>
      expectStatus(await api.get(`/v1/admin/audit?${query}`, { token: admin }), 200, `audit ${query}`);

    describe('settings', () => {
      it('starts with the defaults and updates only the flags given', async () => {
        const defaults = expectStatus(await api.get('/v1/admin/setting', { token: admin }), 200).data;
        assert.deepEqual(defaults, {
          privateProject: true,
          enableIngress: false,
          enableAlert: true,
          enableAdminAutoDeploy: false,
        });
        const one = expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableIngress: true } }), 200).data;
        assert.deepEqual(one, { ...defaults, enableIngress: true });
        const two = expectStatus(
          await api.put('/v1/admin/setting', { token: admin, body: { privateProject: false, enableAdminAutoDeploy: true } }),
          200,
        ).data;
        assert.deepEqual(two, { privateProject: false, enableIngress: true, enableAlert: true, enableAdminAutoDeploy: true });
        assert.deepEqual(expectStatus(await api.get('/v1/admin/setting', { token: admin }), 200).data, two);
        // Every user sees the flags in GET /v1/authorization.
        const u = await createUser(api, admin);
        const info = expectStatus(await api.get('/v1/authorization', { token: u.token }), 200).data;
        assert.deepEqual(
          {
            privateProject: info.privateProject,
            enableIngress: info.enableIngress,
            enableAlert: info.enableAlert,
            enableAdminAutoDeploy: info.enableAdminAutoDeploy,
          },
          two,
        );
        const all = { privateProject: true, enableIngress: false, enableAlert: false, enableAdminAutoDeploy: false };
        assert.deepEqual(expectStatus(await api.put('/v1/admin/setting', { token: admin, body: all }), 200).data, all);
        expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableAlert: true } }), 200);
      });

      it('refuses an empty body, non-boolean values and unknown flags with 422, changing nothing', async () => {
        const before = expectStatus(await api.get('/v1/admin/setting', { token: admin }), 200).data;
        const empty = await api.put('/v1/admin/setting', { token: admin, body: {} });
        expectStatus(empty, 422, 'empty body');
        assert.match(empty.body.message, /at least one/);
        for (const body of [
          { enableIngress: 'true' },
          { enableIngress: 1 },
          { enableAlert: null },
          { privateProject: false, enableIngress: 'yes' },
        ]) {
          const res = await api.put('/v1/admin/setting', { token: admin, body });
          expectStatus(res, 422, JSON.stringify(body));
        }
        expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableIngress: true, enableMagic: true } }), 422);
        assert.deepEqual(
          expectStatus(await api.get('/v1/admin/setting', { token: admin }), 200).data,
          before,
          'nothing half-applied',
        );
      });

      it('is for the system administrator only', async () => {
        const u = await createUser(api, admin);
        expectStatus(await api.get('/v1/admin/setting', { token: u.token }), 403);
        expectStatus(await api.put('/v1/admin/setting', { token: u.token, body: { enableIngress: true } }), 403);
        expectStatus(await api.get('/v1/admin/setting'), 401);
      });
    });

    describe('audit log', () => {
      it('records every state-changing call with its result, failed ones too, and no GET', async () => {
        const u = await registerUser(api);
        await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status: 1 } });
        const token = await api.login(u.user, u.password);
        const wrongOld = await api.put('/v1/user', { token, body: { oldPassword: 'Not-the-0ld', password: strongPassword() } });
        expectStatus(wrongOld, 422);
        await api.get('/v1/authorization', { token });
        expectStatus(await api.put('/v1/authorization', { token }), 200);
        expectStatus(await api.delete('/v1/authorization', { token }), 200);

        const mine = (await audit(`userId=${u.id}&pageSize=0&order=asc`)).data;
        assert.deepEqual(
          mine.map((r) => [r.action, r.result]),
          [
            ['POST /v1/user', 200],
            ['POST /v1/authorization', 200],
            ['PUT /v1/user', 422],
            ['PUT /v1/authorization', 200],
            ['DELETE /v1/authorization', 200],
          ],
        );
        for (const r of mine) {
          assert.equal(r.user, u.user);
          assert.equal(r.clientIp, '127.0.0.1');
          assert.ok(Math.abs(r.createTime - Date.now() / 1000) < 60, 'createTime in Unix seconds');
        }
        const approval = (await audit(`userId=${adminId}&action=${encodeURIComponent('PUT /v1/admin/user/:userId')}`)).data;
        assert.ok(
          approval.some((r) => r.target === `/v1/admin/user/${u.id}` && r.result === 200),
          'the approval, by its route and path',
        );
        // Calls without a token are logged with the name given (login, registration) and, once it is
        // known (a success), the user's id, so ?userId= finds a user's logins too.
        const recent = (await audit('pageSize=100')).data;
        const login = recent.find((r) => r.action === 'POST /v1/authorization' && r.user === u.user);
        assert.ok(login && login.result === 200 && login.userId === u.id, 'a successful login carries the user id');
        const registration = recent.find((r) => r.action === 'POST /v1/user' && r.user === u.user);
        assert.ok(registration && registration.result === 200 && registration.userId === u.id);
        assert.ok(!recent.some((r) => r.action.startsWith('GET ')), 'reads are not audited');
      });

      it('records refused calls: bad credentials, no token, bad content type, validation, conflicts', async () => {
        const name = userBody().user;
        const marker = `/v1/admin/user/2147483600`;
        expectStatus(await api.post('/v1/authorization', { body: { user: name, password: 'Wrong-pass1' } }), 401);
        expectStatus(await api.delete(marker), 401);
        expectStatus(await api.delete(marker, { token: admin }), 404);
        expectStatus(await api.post('/v1/user', { rawBody: 'user=x', headers: { 'content-type': 'text/plain' } }), 415);
        expectStatus(await api.put(`/v1/admin/user/${adminId}`, { token: admin, body: { status: 3 } }), 409);
        const rows = (await audit('pageSize=50')).data;
        assert.ok(
          rows.some((r) => r.action === 'POST /v1/authorization' && r.user === name && r.result === 401),
          'failed login',
        );
        assert.ok(
          rows.some((r) => r.target === marker && r.result === 401 && r.userId === null),
          'anonymous call',
        );
        assert.ok(
          rows.some((r) => r.target === marker && r.result === 404 && r.userId === adminId),
          'not found',
        );
        assert.ok(
          rows.some((r) => r.action === 'POST /v1/user' && r.result === 415),
          'unsupported media type',
        );
        assert.ok(
          rows.some((r) => r.target === `/v1/admin/user/${adminId}` && r.result === 409),
          'conflict',
        );
      });

      it('has written the row by the time the caller has its answer', async () => {
        const kysely = hub.hub.services.db.kysely;
        for (let i = 0; i < 10; i++) {
          const name = userBody().user;
          expectStatus(await api.post('/v1/authorization', { body: { user: name, password: 'Wrong-pass1' } }), 401);
          const row = await kysely.selectFrom('audit_log').select('result').where('user_name', '=', name).executeTakeFirst();
          assert.equal(row?.result, 401, `the row of call ${i + 1} is there at once`);
          // (different names: a pair is throttled only after 5 of its own failures)
        }
      });

      it('pages newest first by default and filters by user and action', async () => {
        const page1 = await audit('pageSize=3');
        assert.equal(page1.data.length, 3);
        assert.ok(page1.total > 3);
        assert.ok(page1.data[0].id > page1.data[1].id && page1.data[1].id > page1.data[2].id, 'newest first');
        const page2 = await audit('pageSize=3&page=2');
        assert.ok(page2.data[0].id < page1.data[2].id, 'page 2 continues page 1');
        const asc = await audit('pageSize=2&order=asc');
        assert.ok(asc.data[0].id < asc.data[1].id);
        const action = 'PUT /v1/admin/setting';
        const filtered = await audit(`action=${encodeURIComponent(action)}&pageSize=0`);
        assert.ok(filtered.total >= 3);
        assert.ok(filtered.data.every((r) => r.action === action));
        const nobody = await audit('userId=2147483600');
        assert.deepEqual(nobody, { code: 200, message: 'success', data: [], total: 0 });
        for (const q of ['userId=abc', 'userId=0', 'pageSize=1001', 'order=sideways']) {
          expectStatus(await api.get(`/v1/admin/audit?${q}`, { token: admin }), 422, q);
        }
      });

      it('never holds a password: every password this suite used is absent from every row', async () => {
        // A few more password-bearing calls, failed and successful.
        const u = await createUser(api, admin);
        const next = strongPassword();
        api.secrets.add(next);
        await api.put('/v1/user', { token: u.token, body: { oldPassword: u.password, password: next } });
        await api.put(`/v1/admin/user/${u.id}/password`, { token: admin, body: { password: strongPassword() } });
        await api.post('/v1/authorization', { body: { user: u.user, password: 'Typo-Passw0rd' } });
        api.secrets.add('Typo-Passw0rd');
        const passwords = [...api.secrets, ADMIN.password];
        assert.ok(passwords.length >= 5);
        const all = await audit('pageSize=0');
        assert.equal(all.data.length, all.total);
        const text = JSON.stringify(all.data);
        for (const p of passwords) assert.ok(!text.includes(p), 'a password in the audit log (API)');
        // And in the table itself, not only in what the API shows.
        const rows = await hub.hub.services.db.kysely.selectFrom('audit_log').selectAll().execute();
        assert.equal(rows.length, all.total);
        const raw = JSON.stringify(rows);
        for (const p of passwords) assert.ok(!raw.includes(p), 'a password in the audit log (table)');
        assert.ok(!/\$argon2/.test(raw));
      });
    });

    describe('health, metrics, documents and request ids', () => {
      it('serves /healthz, /readyz and Prometheus /metrics without a token', async () => {
        assert.equal(expectStatus(await api.get('/healthz'), 200).message, 'alive');
        assert.equal(expectStatus(await api.get('/readyz'), 200).message, 'ready');
        const metrics = await api.get('/metrics');
        assert.equal(metrics.status, 200);
        assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
        assert.match(metrics.text, /^# HELP /m);
        assert.match(metrics.text, /ote_http_requests_total\{[^}]*route="\/v1\/authorization"[^}]*\} \d+/);
        assert.match(metrics.text, /process_cpu_user_seconds_total/);
        // Unmatched paths share one label (no cardinality explosion) and are not audited.
        await api.delete('/v1/no-such-thing-4711');
        const after = await api.get('/metrics');
        assert.ok(!after.text.includes('no-such-thing-4711'));
        assert.match(after.text, /route="unmatched"/);
        const audited = (await audit('pageSize=20')).data;
        assert.ok(!audited.some((r) => r.target.includes('no-such-thing-4711')));
      });

      it('serves the OpenAPI 3 document built from the request schemas, and the /docs reference', async () => {
        const doc = expectStatus(await api.get('/v1/openapi.json'), 200);
        assert.match(doc.openapi, /^3\./);
        for (const p of [
          '/v1/authorization',
          '/v1/authorizations',
          '/v1/user',
          '/v1/admin/user',
          '/v1/admin/user/{userId}',
          '/v1/admin/user/{userId}/password',
          '/v1/admin/setting',
          '/v1/admin/audit',
        ]) {
          assert.ok(doc.paths[p], `the document lists ${p}`);
        }
        const register = doc.paths['/v1/user'].post;
        const schema = register.requestBody.content['application/json'].schema;
        assert.deepEqual([...schema.required].sort(), ['isAdmin', 'password', 'phone', 'realName', 'user']);
        assert.equal(schema.additionalProperties, false);
        assert.ok(!JSON.stringify(doc).includes('password_hash'));
        // The token is required globally; login and registration say they need none.
        assert.deepEqual(doc.security, [{ token: [] }]);
        assert.deepEqual(doc.paths['/v1/authorization'].post.security, []);
        assert.deepEqual(register.security, []);
        assert.equal(doc.paths['/v1/authorization'].get.security, undefined, 'GET /v1/authorization needs the token');
        assert.equal(doc.paths['/v1/admin/user'].get.security, undefined);
        const docs = await api.get('/docs');
        assert.equal(docs.status, 200);
        assert.match(docs.text, /<html/i);
        assert.match(docs.text, /swagger/i);
      });

      it('puts the request id in the x-request-id header and in every error body', async () => {
        const ok = await api.get('/healthz');
        assert.match(ok.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
        for (const res of [
          await api.get('/v1/authorization'),
          await api.get('/v1/admin/setting', { token: (await createUser(api, admin)).token }),
          await api.delete('/v1/admin/user/abc', { token: admin }),
          await api.post('/v1/user', { rawBody: '{', headers: { 'content-type': 'application/json' } }),
          await api.get('/v1/no-such-route'),
        ]) {
          assert.ok(res.status >= 400);
          assert.equal(typeof res.body.requestId, 'string');
          assert.equal(res.body.requestId, res.headers.get('x-request-id'));
          assert.equal(res.body.code, res.status);
        }
        // A client cannot choose the id (it would forge log correlation).
        const chosen = await api.get('/v1/authorization', { headers: { 'x-request-id': 'chosen-by-client' } });
        assert.notEqual(chosen.body.requestId, 'chosen-by-client');
        assert.match(chosen.body.requestId, /^[0-9a-f-]{36}$/);
        const a = await api.get('/v1/authorization');
        const b = await api.get('/v1/authorization');
        assert.notEqual(a.body.requestId, b.body.requestId, 'one id per request');
      });
    });
  });

  describe(`internal errors [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
    });
    after(() => hub?.close());

    it('answers a failing query with a generic 500 that leaks no SQL, table name or stack, and audits it', async () => {
      const admin = await adminToken(api);
      // Break the hub's database under it: a real failure, not a mock.
      await sql`drop table settings`.execute(hub.hub.services.db.kysely);
      for (const res of [
        await api.get('/v1/admin/setting', { token: admin }),
        await api.put('/v1/admin/setting', { token: admin, body: { enableIngress: true } }),
      ]) {
        expectStatus(res, 500);
        assert.match(res.body.message, /^internal error/);
        assert.deepEqual(Object.keys(res.body).sort(), ['code', 'message', 'requestId']);
        assert.equal(res.body.requestId, res.headers.get('x-request-id'));
        assert.doesNotMatch(res.text, /settings|select|relation|no such table|SQLITE|at .*\.ts|stack/i);
      }
      const rows = expectStatus(
        await api.get('/v1/admin/audit?action=PUT%20%2Fv1%2Fadmin%2Fsetting', { token: admin }),
        200,
      ).data;
      assert.equal(rows[0]?.result, 500);
    });
  });
}
