import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Api, type ApiResponse, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { adminToken, createUser } from '../helpers/users.js';

const PAIR_DELAY = 1; // seconds; doubles per further failure (margins stay wide on a loaded machine)

function expect429(res: ApiResponse, what: string): void {
  expectStatus(res, 429, what);
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(
    Number.isInteger(retry) && retry >= 1,
    `${what}: Retry-After is whole seconds ≥ 1, got ${res.headers.get('retry-after')}`,
  );
  assert.match(res.body.message, /too many/);
}

/** Login throttling (API.md §3) with limits made small through configuration, so it runs in seconds. */
for (const db of DATABASES) {
  describe(`login throttling per user name and address [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db, {
        OTE_LOGIN_PAIR_FAILURES: '3',
        OTE_LOGIN_PAIR_DELAY: String(PAIR_DELAY),
        OTE_LOGIN_PAIR_MAX_DELAY: '60',
        OTE_LOGIN_ADDRESS_FAILURES: '1000',
      });
      api = new Api(hub.url);
      admin = await adminToken(api);
    });
    after(() => hub?.close());

    const login = (user: string, password: string) => api.post('/v1/authorization', { body: { user, password } });

    it('throttles a pair after the configured failures, even for the right password, and frees it after the delay', async () => {
      const u = await createUser(api, admin);
      // Any case of the name counts for the same pair.
      expectStatus(await login(u.user, 'Wrong-pass1'), 401, 'failure 1');
      expectStatus(await login(u.user.toUpperCase(), 'Wrong-pass1'), 401, 'failure 2');
      expectStatus(await login(u.user, 'Wrong-pass1'), 401, 'failure 3');
      expect429(await login(u.user, u.password), 'right password while throttled');
      expect429(await login(u.user, 'Wrong-pass1'), 'wrong password while throttled');
      // Another user from the same address is not affected.
      await api.login(ADMIN.user, ADMIN.password);
      await sleep(PAIR_DELAY * 1000 + 200);
      await api.login(u.user, u.password);
      // The success reset the pair: failures start from zero again.
      expectStatus(await login(u.user, 'Wrong-pass1'), 401, 'after reset 1');
      expectStatus(await login(u.user, 'Wrong-pass1'), 401, 'after reset 2');
      expectStatus(await login(u.user, 'Wrong-pass1'), 401, 'after reset 3');
      expect429(await login(u.user, u.password), 'throttled again');
    });

    it('doubles the wait for each further failure', async () => {
      const u = await createUser(api, admin);
      for (let i = 0; i < 3; i++) expectStatus(await login(u.user, 'Wrong-pass1'), 401);
      await sleep(PAIR_DELAY * 1000 + 200);
      // One more failure: now the pair waits twice as long, and Retry-After says so.
      expectStatus(await login(u.user, 'Wrong-pass1'), 401, 'failure 4');
      const res = await login(u.user, u.password);
      expect429(res, 'the doubled wait');
      assert.equal(res.headers.get('retry-after'), String(2 * PAIR_DELAY));
      await sleep(2 * PAIR_DELAY * 1000 + 200);
      await api.login(u.user, u.password);
    });

    it('is not evaded by a forged X-Forwarded-For (the hub trusts no proxy unless told)', async () => {
      const u = await createUser(api, admin);
      for (let i = 0; i < 3; i++) {
        const res = await api.post('/v1/authorization', {
          body: { user: u.user, password: 'Wrong-pass1' },
          headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        });
        expectStatus(res, 401, `failure ${i + 1}`);
      }
      const res = await api.post('/v1/authorization', {
        body: { user: u.user, password: u.password },
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      expect429(res, 'a new forwarded address');
      const rows = expectStatus(await api.get('/v1/admin/audit?pageSize=4', { token: admin }), 200).data;
      assert.ok(
        rows.every((r: { clientIp: string }) => r.clientIp === '127.0.0.1'),
        'the audit log has the real address',
      );
    });

    it('throttles unknown user names like known ones (no user enumeration)', async () => {
      const ghost = `ghost${randomBytes(3).toString('hex')}`;
      for (let i = 0; i < 3; i++) expectStatus(await login(ghost, 'Wrong-pass1'), 401);
      expect429(await login(ghost, 'Wrong-pass1'), 'unknown user');
    });
  });

  describe(`login throttling per address [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    before(async () => {
      hub = await startHub(db, { OTE_LOGIN_PAIR_FAILURES: '100', OTE_LOGIN_ADDRESS_FAILURES: '4' });
      api = new Api(hub.url);
    });
    after(() => hub?.close());

    it('throttles an address with more failures a minute than the limit, for every user name', async () => {
      const tag = randomBytes(3).toString('hex');
      for (let i = 0; i < 5; i++) {
        const res = await api.post('/v1/authorization', { body: { user: `spray${i}${tag}`, password: 'Wrong-pass1' } });
        expectStatus(res, 401, `failure ${i + 1}`);
      }
      const res = await api.post('/v1/authorization', { body: { user: ADMIN.user, password: ADMIN.password } });
      expect429(res, 'the administrator from a throttled address');
      const retry = Number(res.headers.get('retry-after'));
      assert.ok(retry <= 60, `the address window is a minute, Retry-After ${retry}`);
      assert.equal(res.body.token, undefined);
    });
  });
}
