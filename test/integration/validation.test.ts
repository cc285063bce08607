import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Api, type ApiResponse, expectStatus } from '../helpers/client.js';
import { DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { adminToken, uniqueName, userBody } from '../helpers/users.js';

/** A 422 whose message and `fields` name `field` (API.md §1). */
function expect422(res: ApiResponse, field: string, what: string): void {
  expectStatus(res, 422, what);
  assert.match(res.body.message, new RegExp(`(^|; )${field.replace(/[.[\]]/g, '\\$&')}: `), `${what}: message names ${field}`);
  assert.ok(res.body.fields && field in res.body.fields, `${what}: fields has ${field}`);
  assert.equal(typeof res.body.requestId, 'string');
}

const ALERT_SECRET = 'validation-test-alert-secret';

/** Every validation rule of API.md §1/§3 at its boundaries, on registration and the admin endpoints. */
for (const db of DATABASES) {
  describe(`validation [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db, { OTE_ALERT_SECRET: ALERT_SECRET });
      api = new Api(hub.url);
      admin = await adminToken(api);
    });
    after(() => hub?.close());

    const register = (overrides: Record<string, unknown>) => {
      const body = { ...userBody(), ...overrides };
      // (an empty secret would match every response)
      if (typeof body.password === 'string' && body.password.length >= 6) api.secrets.add(body.password);
      return api.post('/v1/user', { body });
    };
    const upperLowerDigits = (n: number) => `Aa1${'b'.repeat(n - 3)}`;

    it('applies the password policy at its boundaries', async () => {
      expect422(await register({ password: upperLowerDigits(7) }), 'password', '7 characters');
      expect422(await register({ password: upperLowerDigits(21) }), 'password', '21 characters');
      expect422(await register({ password: 'abcdefg1' }), 'password', 'no upper case');
      expect422(await register({ password: 'ABCDEFG1' }), 'password', 'no lower case');
      expect422(await register({ password: 'Abcdefgh' }), 'password', 'no digit');
      expect422(await register({ password: '' }), 'password', 'empty');
      expect422(await register({ password: 12345678 }), 'password', 'a number');
      const res = await register({ password: 'abcdefg1' });
      assert.match(res.body.message, /8-20 characters with at least one uppercase letter, one lowercase letter and one digit/);
      expectStatus(await register({ password: upperLowerDigits(8) }), 200, '8 characters');
      expectStatus(await register({ password: upperLowerDigits(20) }), 200, '20 characters');
    });

    it('applies the user-name rule at its boundaries', async () => {
      for (const user of ['1abc', '_abc', 'a'.repeat(33), 'has space', 'zhāng', '用户', '', 'a/b', 'a@b']) {
        expect422(await register({ user }), 'user', `user ${JSON.stringify(user)}`);
      }
      const longest = `Z${uniqueName('').padEnd(31, 'x')}`.slice(0, 32);
      assert.equal(longest.length, 32);
      expectStatus(await register({ user: longest }), 200, '32 characters');
      expectStatus(await register({ user: `${uniqueName('a')}_.-Z9` }), 200, 'every allowed character');
    });

    it('applies the phone rule at its boundaries', async () => {
      for (const phone of ['12345', '1'.repeat(21), '12345a', 'abcdefg', '+', '++123456', '123 456', '']) {
        expect422(await register({ phone }), 'phone', `phone ${JSON.stringify(phone)}`);
      }
      for (const phone of ['123456', '1'.repeat(20), '+123456', `+${'9'.repeat(20)}`]) {
        expectStatus(await register({ phone }), 200, `phone ${phone}`);
      }
    });

    it('applies the real-name rule at its boundaries', async () => {
      expect422(await register({ realName: '' }), 'realName', 'empty');
      expect422(await register({ realName: 'x'.repeat(65) }), 'realName', '65 characters');
      expectStatus(await register({ realName: 'x'.repeat(64) }), 200, '64 characters');
      expectStatus(await register({ realName: '张三' }), 200, 'unicode');
    });

    it('requires every field and names each missing or wrong one', async () => {
      const res = await api.post('/v1/user', { body: {} });
      expectStatus(res, 422);
      for (const f of ['user', 'password', 'phone', 'realName', 'isAdmin']) {
        assert.match(res.body.message, new RegExp(`\\b${f}: is required`), f);
      }
      const two = await register({ user: '9', phone: 'x' });
      expect422(two, 'user', 'two bad fields');
      expect422(two, 'phone', 'two bad fields');
      expect422(await register({ isAdmin: 'yes' }), 'isAdmin', 'isAdmin a string');
    });

    it('refuses unknown body fields (no mass assignment) with 422 naming the field', async () => {
      for (const field of ['role', 'status', 'id', 'userId', 'businessId', 'isSystem']) {
        const res = await register({ [field]: 1 });
        expect422(res, field, `unknown ${field}`);
        assert.match(res.body.message, /unknown field/);
      }
      expect422(
        await api.put('/v1/admin/setting', { token: admin, body: { privateProject: true, extra: 1 } }),
        'extra',
        'settings',
      );
      expect422(await api.post('/v1/authorization', { body: { user: 'a', password: 'b', remember: true } }), 'remember', 'login');
    });

    it('answers malformed JSON with 400 and a non-JSON body with 415', async () => {
      const json = { 'content-type': 'application/json' };
      for (const rawBody of ['{"user": ', '{user: 1}', "{'a':1}", 'nul']) {
        const res = await api.post('/v1/user', { rawBody, headers: json });
        expectStatus(res, 400, rawBody);
        assert.equal(typeof res.body.requestId, 'string');
      }
      const body = JSON.stringify(userBody());
      const text = await api.post('/v1/user', { rawBody: body, headers: { 'content-type': 'text/plain' } });
      expectStatus(text, 415, 'text/plain');
      assert.match(text.body.message, /application\/json/);
      const form = await api.post('/v1/authorization', {
        rawBody: 'user=admin&password=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectStatus(form, 415, 'form');
      expectStatus(
        await api.put('/v1/admin/setting', {
          token: admin,
          rawBody: '{"enableAlert":true}',
          headers: { 'content-type': 'text/plain' },
        }),
        415,
        'settings as text',
      );
    });

    it('answers an empty JSON body with 400 or 422, never 500', async () => {
      const empty = await api.post('/v1/user', { rawBody: '', headers: { 'content-type': 'application/json' } });
      assert.ok(empty.status === 400 || empty.status === 422, `empty body: ${empty.status}`);
      const none = await api.post('/v1/user');
      assert.ok(none.status === 400 || none.status === 415 || none.status === 422, `no body: ${none.status}`);
      const array = await api.post('/v1/user', { body: [] });
      expectStatus(array, 422, 'an array body');
    });

    it('takes an empty JSON body on a body-less route as no body (clients that always send the header)', async () => {
      const json = { 'content-type': 'application/json' };
      const token = await api.login('admin', 'Admin-Passw0rd');
      const fresh = expectStatus(await api.put('/v1/authorization', { token, rawBody: '', headers: json }), 200, 'refresh').token;
      expectStatus(await api.delete('/v1/authorization', { token: fresh, rawBody: '', headers: json }), 200, 'logout');
      expectStatus(await api.get('/v1/authorization', { token: fresh }), 401, 'logged out');
      // A route that needs a body refuses the missing one by its schema.
      expect422(await api.put('/v1/admin/setting', { token, rawBody: '', headers: json }), 'body', 'settings');
      // Prototype poisoning stays an error.
      const proto = await api.post('/v1/user', { rawBody: '{"__proto__":{"x":1}}', headers: json });
      expectStatus(proto, 400, '__proto__');
    });

    it('validates path ids: abc, 1.5, 0, -1 and 99999999999 are 422; an unknown id is 404', async () => {
      for (const id of ['abc', '1.5', '0', '-1', '99999999999', '2147483648', '1e3', '0x10', '%201', '1%20']) {
        for (const [method, path, body] of [
          ['PUT', `/v1/admin/user/${id}`, { status: 1 }],
          ['PUT', `/v1/admin/user/${id}/password`, { password: 'Abcdefg1' }],
          ['DELETE', `/v1/admin/user/${id}`, undefined],
        ] as const) {
          const res = await api.call(method, path, { token: admin, body });
          expect422(res, 'userId', `${method} ${path}`);
        }
      }
      expectStatus(await api.delete('/v1/admin/user/2147483646', { token: admin }), 404, 'unknown id');
      expectStatus(await api.put('/v1/admin/user/2147483646', { token: admin, body: { status: 1 } }), 404, 'unknown id');
    });

    it('refuses a NUL character in any body or query string with 422 naming the field (PostgreSQL text cannot hold it)', async () => {
      expect422(await register({ realName: 'a\u0000b' }), 'realName', 'NUL in realName');
      const login = await api.post('/v1/authorization', { body: { user: 'a\u0000b', password: 'x' } });
      expect422(login, 'user', 'NUL in the login name');
      expect422(await api.get('/v1/admin/user?user=a%00b', { token: admin }), 'user', 'NUL in a user filter');
      expect422(await api.get('/v1/business?name=%00', { token: admin }), 'name', 'NUL in a business filter');
      expect422(await api.get('/v1/admin/audit?action=PUT%00', { token: admin }), 'action', 'NUL in an audit filter');
      // A third party's open webhook payload is not refused for a NUL in a part the hub does not read
      // (Alertmanager would retry the whole batch forever).
      const webhook = {
        version: '4',
        alerts: [
          { status: 'firing', labels: { alertname: 'DiskFull', instance: 'n\u00001' }, startsAt: new Date().toISOString() },
        ],
      };
      const headers = { authorization: `Bearer ${ALERT_SECRET}` };
      expectStatus(await api.post('/v1/alert/callback', { body: webhook, headers }), 200, 'NUL in an unread label');
      // Nothing was half-written: the user list holds no such name.
      const all = expectStatus(await api.get('/v1/admin/user?pageSize=0', { token: admin }), 200);
      assert.ok(!all.data.some((u: { realName: string }) => u.realName.includes('\u0000')));
    });

    it('names every malformed number of a query, not only the first', async () => {
      const res = await api.get('/v1/admin/user?page=&pageSize=x&status=1e0', { token: admin });
      for (const f of ['page', 'pageSize', 'status']) expect422(res, f, `bad ${f} among three`);
    });

    it('answers router and HTTP-parser refusals in the envelope too (integer code = status, requestId)', async () => {
      const enveloped = (status: number, text: string, what: string) => {
        const body = JSON.parse(text);
        assert.equal(body.code, status, `${what}: code is the HTTP status: ${text}`);
        assert.equal(typeof body.message, 'string');
        assert.match(body.requestId, /^[0-9a-f-]{36}$/, `${what}: requestId`);
      };
      const badEscape = await api.delete('/v1/admin/user/%', { token: admin });
      assert.equal(badEscape.status, 400);
      enveloped(400, badEscape.text, 'a bad % escape');
      const longParam = await api.delete(`/v1/admin/user/${'1'.repeat(101)}`, { token: admin });
      assert.equal(longParam.status, 414);
      enveloped(414, longParam.text, 'a path parameter over 100 characters');
      // Below the router: raw HTTP that never becomes a request.
      const raw = async (request: string) =>
        new Promise<string>((resolve, reject) => {
          const { hostname, port } = new URL(hub.url);
          const socket = net.connect(Number(port), hostname, () => socket.write(request));
          let answer = '';
          socket.on('data', (d: Buffer) => (answer += d.toString()));
          socket.on('close', () => resolve(answer));
          socket.on('error', reject);
          socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
        });
      for (const [status, request] of [
        [431, `GET /v1/authorization HTTP/1.1\r\nHost: x\r\nAuthorization: ${'a'.repeat(20_000)}\r\n\r\n`],
        [400, 'NOT HTTP AT ALL\r\n\r\n'],
      ] as const) {
        const answer = await raw(request);
        assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), answer.slice(0, 200));
        enveloped(status, answer.slice(answer.indexOf('\r\n\r\n') + 4), `raw ${status}`);
      }
    });

    it('answers unknown routes with the 404 envelope', async () => {
      const res = await api.get('/v1/nothing-here', { token: admin });
      expectStatus(res, 404);
      assert.equal(typeof res.body.requestId, 'string');
    });
  });
}
