import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, TestDatabase, type TestHub, startHub } from '../helpers/hub.js';
import { claimsOf, jwtKeyOf, signToken, unsignedToken } from '../helpers/tokens.js';
import { adminToken, createUser, registerUser, strongPassword } from '../helpers/users.js';

/** Login, refresh, logout, `GET /v1/authorization`, and what makes a token (in)valid (API.md §3). */
for (const db of DATABASES) {
  describe(`authorization [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await adminToken(api);
    });
    after(() => hub?.close());

    it('logs in with the token at the top level, and reports the caller', async () => {
      const res = await api.post('/v1/authorization', { body: { user: ADMIN.user, password: ADMIN.password } });
      const body = expectStatus(res, 200);
      assert.equal(body.message, 'success');
      assert.equal(typeof body.token, 'string');
      const claims = claimsOf(body.token);
      assert.equal(claims.exp! - claims.iat!, 3600, 'a token lives one hour');

      const info = expectStatus(await api.get('/v1/authorization', { token: body.token }), 200).data;
      assert.deepEqual(Object.keys(info).sort(), [
        'businessId',
        'displayName',
        'enableAdminAutoDeploy',
        'enableAlert',
        'enableIngress',
        'hasRepoAccount',
        'privateProject',
        'role',
        'userId',
      ]);
      assert.equal(info.role, 4);
      assert.equal(info.businessId, null);
      assert.equal(typeof info.userId, 'number');
      assert.equal(info.displayName, ADMIN.user, 'displayName is the user name (the seed)');
      assert.equal(info.hasRepoAccount, false);
      assert.equal(info.privateProject, true);
      assert.equal(info.enableIngress, false);
      assert.equal(info.enableAlert, true);
      assert.equal(info.enableAdminAutoDeploy, false);
    });

    it('logs in with any case of the user name', async () => {
      const token = await api.login(ADMIN.user.toUpperCase(), ADMIN.password);
      assert.equal(expectStatus(await api.get('/v1/authorization', { token }), 200).data.role, 4);
    });

    it('reports a pending user as role 0 and an approved one as role 1, with its user name as displayName', async () => {
      const u = await registerUser(api, { realName: 'Zhang San' });
      const pending = await api.login(u.user, u.password);
      const before = expectStatus(await api.get('/v1/authorization', { token: pending }), 200).data;
      assert.equal(before.role, 0);
      assert.equal(before.userId, u.id);
      assert.equal(before.displayName, u.user, 'the user name, not the real name Zhang San');
      assert.equal(before.businessId, null);
      expectStatus(await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status: 1 } }), 200);
      // A token carries identity, not role: the same token now has role 1.
      assert.equal(expectStatus(await api.get('/v1/authorization', { token: pending }), 200).data.role, 1);
    });

    it('answers a login racing the deletion of its user with 200 or 401, never 500', async () => {
      const statuses: number[] = [];
      for (let round = 0; round < 8; round++) {
        const u = await registerUser(api);
        const logins = [0, 1].map(() => api.post('/v1/authorization', { body: { user: u.user, password: u.password } }));
        const del = api.delete(`/v1/admin/user/${u.id}`, { token: admin });
        expectStatus(await del, 200, 'the deletion');
        for (const r of await Promise.all(logins)) {
          statuses.push(r.status);
          assert.ok(r.status === 200 || r.status === 401, `login during deletion: ${r.status} ${r.text}`);
          // A token issued just before the deletion is dead now anyway.
          if (r.status === 200) expectStatus(await api.get('/v1/authorization', { token: r.body.token }), 401);
        }
      }
      assert.ok(statuses.length === 16);
    });

    it('answers an unknown user and a wrong password with the identical status and message', async () => {
      const unknown = await api.post('/v1/authorization', {
        body: { user: `nobody${randomBytes(3).toString('hex')}`, password: 'Whatever-1' },
      });
      const wrong = await api.post('/v1/authorization', { body: { user: ADMIN.user, password: 'Wrong-Passw0rd' } });
      expectStatus(unknown, 401);
      expectStatus(wrong, 401);
      assert.equal(unknown.body.message, wrong.body.message);
      assert.deepEqual(Object.keys(unknown.body).sort(), Object.keys(wrong.body).sort());
      assert.match(unknown.body.message, /user name or password/);
    });

    it('spends about as long on an unknown user as on a wrong password (no user enumeration by timing)', async () => {
      const u = await createUser(api, admin);
      const timed = async (user: string) => {
        const start = process.hrtime.bigint();
        expectStatus(await api.post('/v1/authorization', { body: { user, password: 'Wrong-pass1' } }), 401);
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
      const wrong: number[] = [];
      const unknown: number[] = [];
      for (let round = 0; round < 3; round++) {
        // Two failures at most in a row, then a success, so throttling never starts.
        wrong.push(await timed(u.user), await timed(u.user));
        await api.login(u.user, u.password);
        unknown.push(await timed(`ghost${round}x${randomBytes(3).toString('hex')}`));
        unknown.push(await timed(`ghost${round}y${randomBytes(3).toString('hex')}`));
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      // Without the dummy verification an unknown user answers ~50x faster than argon2 takes.
      assert.ok(
        median(unknown) > 0.3 * median(wrong),
        `unknown user ${median(unknown).toFixed(1)} ms vs wrong password ${median(wrong).toFixed(1)} ms`,
      );
    });

    it('stores passwords as argon2id with the OWASP parameters', async () => {
      const u = await registerUser(api);
      const row = await hub.hub.services.db.kysely
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', u.id)
        .executeTakeFirstOrThrow();
      assert.ok(row.password_hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$'), row.password_hash.slice(0, 32));
      assert.ok(!row.password_hash.includes(u.password));
    });

    it('refresh gives a new token with a new expiry while the old one keeps working', async () => {
      const u = await createUser(api, admin);
      const res = await api.put('/v1/authorization', { token: u.token });
      const fresh = expectStatus(res, 200).token as string;
      assert.notEqual(fresh, u.token);
      assert.notEqual(claimsOf(fresh).jti, claimsOf(u.token).jti);
      assert.ok(claimsOf(fresh).exp! >= claimsOf(u.token).exp!);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 200, 'old token');
      expectStatus(await api.get('/v1/authorization', { token: fresh }), 200, 'new token');
    });

    it('logout revokes only that token, at once; both spellings work', async () => {
      const u = await createUser(api, admin);
      const second = await api.login(u.user, u.password);
      const third = await api.login(u.user, u.password);
      expectStatus(await api.delete('/v1/authorization', { token: u.token }), 200);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 401, 'logged-out token');
      expectStatus(await api.put('/v1/authorization', { token: u.token }), 401, 'refresh of a revoked token');
      expectStatus(await api.delete('/v1/authorization', { token: u.token }), 401, 'second logout');
      expectStatus(await api.get('/v1/authorization', { token: second }), 200, 'the other token lives on');
      expectStatus(await api.delete('/v1/authorizations', { token: second }), 200);
      expectStatus(await api.get('/v1/authorization', { token: second }), 401);
      expectStatus(await api.get('/v1/authorization', { token: third }), 200);
    });

    it('accepts "Bearer <token>" and the bare token, and refuses anything else with 401', async () => {
      expectStatus(await api.get('/v1/authorization', { token: `Bearer ${admin}` }), 200);
      expectStatus(await api.get('/v1/authorization', { token: `bearer ${admin}` }), 200);
      expectStatus(await api.get('/v1/authorization', { token: admin }), 200);
      for (const header of ['garbage', 'Bearer', 'Bearer a b', `Basic ${admin}`, `${admin}x`, 'a.b.c']) {
        const res = await api.get('/v1/authorization', { token: header });
        expectStatus(res, 401, `Authorization: ${header.slice(0, 20)}`);
        assert.equal(typeof res.body.requestId, 'string');
      }
      expectStatus(await api.get('/v1/authorization'), 401, 'no header');
    });

    it('refuses alg:none, forged, expired and re-bound tokens', async () => {
      const u = await createUser(api, admin);
      const claims = claimsOf(u.token);
      const realKey = jwtKeyOf(hub);
      // Sanity: the test derives the hub's real key (a re-signed copy of a valid token works).
      const copy = await signToken(realKey, claims);
      expectStatus(await api.get('/v1/authorization', { token: copy }), 200, 're-signed with the real key');

      expectStatus(await api.get('/v1/authorization', { token: unsignedToken(claims) }), 401, 'alg none');
      const otherKey = new Uint8Array(randomBytes(32));
      expectStatus(await api.get('/v1/authorization', { token: await signToken(otherKey, claims) }), 401, 'forged');

      const past = Math.floor(Date.now() / 1000) - 120;
      const expired = await signToken(realKey, { ...claims, iat: past - 3600, exp: past });
      const res = await api.get('/v1/authorization', { token: expired });
      expectStatus(res, 401, 'expired');
      assert.match(res.body.message, /expired/);

      // The real key but no expiry, or another issuer: refused.
      const { exp: _exp, ...noExp } = claims;
      expectStatus(await api.get('/v1/authorization', { token: await signToken(realKey, noExp) }), 401, 'no exp');
      expectStatus(
        await api.get('/v1/authorization', { token: await signToken(realKey, { ...claims, iss: 'someone-else' }) }),
        401,
        'issuer',
      );
      // A live session bound to another user: swapping `sub` must not work even with the real key.
      const adminId = claimsOf(admin).sub;
      const swapped = await signToken(realKey, { ...claims, sub: adminId });
      expectStatus(await api.get('/v1/admin/user', { token: swapped }), 401, 'jti of another user');
      // A valid signature over a session that was never issued.
      const invented = await signToken(realKey, { ...claims, jti: 'not-a-session' });
      expectStatus(await api.get('/v1/authorization', { token: invented }), 401, 'unknown jti');
    });

    it('lets a forbidden (status 3) user neither log in nor use live tokens', async () => {
      const u = await createUser(api, admin);
      expectStatus(await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status: 3 } }), 200);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 401, 'token of a forbidden user');
      const res = await api.post('/v1/authorization', { body: { user: u.user, password: u.password } });
      expectStatus(res, 401);
      assert.match(res.body.message, /account forbidden/);
      // Re-approval does not resurrect revoked tokens, but the user may log in again.
      expectStatus(await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status: 1 } }), 200);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 401, 'old token stays revoked');
      await api.login(u.user, u.password);
    });

    it('lets a not-approved (status 2) user not log in, saying why', async () => {
      const u = await registerUser(api);
      expectStatus(await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status: 2 } }), 200);
      const res = await api.post('/v1/authorization', { body: { user: u.user, password: u.password } });
      expectStatus(res, 401);
      assert.match(res.body.message, /not approved/);
    });
  });

  describe(`password change [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await adminToken(api);
    });
    after(() => hub?.close());

    it('changes the password, keeps the calling token and revokes the others', async () => {
      const u = await createUser(api, admin);
      const other = await api.login(u.user, u.password);
      const next = strongPassword();
      api.secrets.add(next);
      expectStatus(await api.put('/v1/user', { token: u.token, body: { oldPassword: u.password, password: next } }), 200);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 200, 'calling token');
      expectStatus(await api.get('/v1/authorization', { token: other }), 401, 'other token');
      expectStatus(await api.post('/v1/authorization', { body: { user: u.user, password: u.password } }), 401, 'old password');
      await api.login(u.user, next);
    });

    it('lets a pending user change its password', async () => {
      const u = await createUser(api, admin, {}, { approve: false });
      const next = strongPassword();
      api.secrets.add(next);
      expectStatus(await api.put('/v1/user', { token: u.token, body: { oldPassword: u.password, password: next } }), 200);
    });

    it('refuses a wrong old password (422 naming oldPassword), the same password, and a weak one', async () => {
      const u = await createUser(api, admin);
      const wrong = await api.put('/v1/user', {
        token: u.token,
        body: { oldPassword: 'Not-the-0ld', password: strongPassword() },
      });
      expectStatus(wrong, 422, 'wrong old password');
      assert.match(wrong.body.message, /oldPassword/);
      const same = await api.put('/v1/user', { token: u.token, body: { oldPassword: u.password, password: u.password } });
      expectStatus(same, 422, 'same password');
      assert.match(same.body.message, /password/);
      const weak = await api.put('/v1/user', { token: u.token, body: { oldPassword: u.password, password: 'weakweak' } });
      expectStatus(weak, 422, 'weak password');
      assert.match(weak.body.message, /^password: must be 8-20 characters/);
      expectStatus(await api.put('/v1/user', { token: u.token, body: { password: strongPassword() } }), 422, 'missing old');
      // Nothing changed: the original password still works.
      await api.login(u.user, u.password);
    });

    it('lets one of several simultaneous changes from the same old password win; the others are 422 naming oldPassword', async () => {
      const u = await createUser(api, admin);
      const next = Array.from({ length: 5 }, () => strongPassword());
      for (const p of next) api.secrets.add(p);
      const results = await Promise.all(
        next.map((password) => api.put('/v1/user', { token: u.token, body: { oldPassword: u.password, password } })),
      );
      const won = results.flatMap((r, i) => (r.status === 200 ? [next[i]] : []));
      assert.equal(won.length, 1, `exactly one 200: ${results.map((r) => r.status).join(', ')}`);
      for (const r of results.filter((r) => r.status !== 200)) {
        expectStatus(r, 422);
        assert.match(r.body.message, /^oldPassword: /);
      }
      // Every 200 told the truth: the one password that was accepted is the one that works.
      await api.login(u.user, won[0]);
      for (const p of next.filter((p) => p !== won[0])) {
        expectStatus(await api.post('/v1/authorization', { body: { user: u.user, password: p } }), 401, 'a losing password');
      }
    });

    it('requires a token', async () => {
      expectStatus(await api.put('/v1/user', { body: { oldPassword: 'Abcdefg1', password: 'Abcdefg2' } }), 401);
    });
  });

  describe(`token revocation across a restart [${db}]`, () => {
    let database: TestDatabase;
    let hub: TestHub | undefined;
    before(async () => {
      database = await TestDatabase.create(db);
    });
    after(async () => {
      await hub?.stop();
      await database?.drop();
    });

    it('keeps a logged-out token revoked and a live token valid in a new hub on the same data', async () => {
      hub = await startHub(db, {}, database);
      let api = new Api(hub.url);
      const revoked = await api.login(ADMIN.user, ADMIN.password);
      const live = await api.login(ADMIN.user, ADMIN.password);
      expectStatus(await api.delete('/v1/authorization', { token: revoked }), 200);
      await hub.stop();
      hub = await startHub(db, {}, database);
      api = new Api(hub.url);
      expectStatus(await api.get('/v1/authorization', { token: revoked }), 401, 'revoked before the restart');
      expectStatus(await api.get('/v1/authorization', { token: live }), 200, 'live before the restart');
    });
  });
}
