/**
 * Login throttling against parallel and spread guessing (API.md §3, issue 11
 * findings 1 and 2): attempts in flight count, the per-name limit holds across
 * addresses, the registry's Basic credentials have the same limits, and on
 * PostgreSQL two replicas on one database share one budget.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { makeTenant, newPassword, uniqueName } from '../helpers/tenants.js';
import { createUser } from '../helpers/users.js';

/** The configured limits (the defaults of API.md §3, except a shorter name interval, to keep the test short). */
const PAIR_FAILURES = 5;
const NAME_FAILURES = 20;
const NAME_INTERVAL = 3; // seconds
const ENV = {
  OTE_LOGIN_PAIR_FAILURES: String(PAIR_FAILURES),
  // A long first wait: a verification freed by the clock would blur the count on a slow machine.
  OTE_LOGIN_PAIR_DELAY: '60',
  OTE_LOGIN_ADDRESS_FAILURES: '30',
  OTE_LOGIN_NAME_FAILURES: String(NAME_FAILURES),
  OTE_LOGIN_NAME_INTERVAL: String(NAME_INTERVAL),
  // Nothing listens there: registry accounts need a configured registry, the token endpoint does not call it.
  OTE_REGISTRY_URL: 'http://127.0.0.1:9',
};

interface Answer {
  status: number;
  body: { token?: string; message?: string };
}

/** One request from a chosen loopback source address (the hub sees it as the client's address). */
function request(
  base: string,
  method: string,
  path: string,
  opts: { localAddress?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(path, base);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        localAddress: opts.localAddress,
        agent: false,
        timeout: 30_000,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

const login = (base: string, user: string, password: string, localAddress?: string) =>
  request(base, 'POST', '/v1/authorization', { body: { user, password }, localAddress });

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** 100 guesses sent at once, the right password at a random index; returns the statuses. */
async function parallelGuesses(send: (password: string, i: number) => Promise<Answer>, right: string): Promise<number[]> {
  const at = randomInt(100);
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => send(i === at ? right : `Wrong${i}Aa1`, i)));
  for (const a of answers) assert.ok([200, 401, 429].includes(a.status), `status ${a.status}: ${JSON.stringify(a.body)}`);
  return answers.map((a) => a.status);
}

/** Verified attempts are those not refused with 429 (each cost an argon2 verification). */
const verified = (statuses: number[]) => statuses.filter((s) => s !== 429).length;

/**
 * The most a pair may verify of one burst, as if sent one after another: PAIR_FAILURES
 * wrong guesses; but when the right password got in, it reset the pair (API.md §3), so
 * up to PAIR_FAILURES - 1 wrong guesses before it, itself, and PAIR_FAILURES after it.
 */
const pairBound = (statuses: number[]) => (statuses.includes(200) ? 2 * PAIR_FAILURES : PAIR_FAILURES);

function suite(db: 'sqlite' | 'postgres', replicas: 1 | 2): void {
  describe(`login throttling under parallel and spread guessing [${db}${replicas === 2 ? ', two replicas on one database' : ''}]`, () => {
    const hubs: TestHub[] = [];
    let api: Api;
    let admin: string;
    /** Hub i of the replicas (round robin). */
    const url = (i: number) => hubs[i % hubs.length].url;
    before(async () => {
      hubs.push(await startHub(db, ENV));
      if (replicas === 2) hubs.push(await startHub(db, ENV, hubs[0].database));
      api = new Api(hubs[0].url);
      admin = await api.login(ADMIN.user, ADMIN.password);
    });
    after(async () => {
      for (const h of hubs.slice(1)) await h.stop();
      await hubs[0]?.close();
    });

    it(`verifies no more of 100 parallel guesses for one name from one address than of 100 sent one by one`, async () => {
      const u = await createUser(api, admin);
      const statuses = await parallelGuesses((password, i) => login(url(i), u.user, password), u.password);
      // The pair limit is the tightest here: as many attempts as sent one by one.
      assert.ok(verified(statuses) <= pairBound(statuses), `verified ${verified(statuses)} of 100: ${statuses.join(',')}`);
      assert.ok(verified(statuses) >= 1, 'the first attempts are verified');
      assert.ok(statuses.filter((s) => s === 429).length >= 100 - pairBound(statuses));
    });

    it(`limits a name guessed from many addresses: after ${NAME_FAILURES} failures, one attempt per interval, and the owner still gets in`, async () => {
      const u = await createUser(api, admin);
      // 127.0.0.2, .3, ...: every guess from its own address, so neither the pair nor the address limit applies.
      const from = (i: number) => `127.0.0.${i + 2}`;
      for (let i = 0; i < NAME_FAILURES; i++) {
        assert.equal((await login(url(i), u.user, 'Wrong-pass1', from(i))).status, 401, `guess ${i + 1}`);
      }
      const next = await login(url(NAME_FAILURES), u.user, 'Wrong-pass1', from(NAME_FAILURES));
      assert.equal(next.status, 401, 'one attempt of the interval is verified');
      for (let i = NAME_FAILURES + 1; i < NAME_FAILURES + 6; i++) {
        const res = await login(url(i), u.user, i % 2 ? u.password : 'Wrong-pass1', from(i));
        assert.equal(res.status, 429, `address ${from(i)}: the name waits, whatever the password`);
      }
      // Other names from those addresses are not affected.
      assert.equal((await login(url(1), ADMIN.user, ADMIN.password, from(NAME_FAILURES + 1))).status, 200);
      await sleep(NAME_INTERVAL * 1000 + 300);
      const owner = await login(url(0), u.user, u.password, '127.0.0.200');
      assert.equal(owner.status, 200, 'no lockout: the right password in the next allowed attempt logs in');
    });

    it('limits parallel guesses spread over many addresses by the name limit', async () => {
      const u = await createUser(api, admin);
      const statuses = await parallelGuesses(
        (password, i) => login(url(i), u.user, password, `127.0.1.${(i % 50) + 2}`),
        u.password,
      );
      // Per name: NAME_FAILURES, then one attempt of the interval (all of this is within one interval);
      // as one by one, a right password among them frees its own mark, so one more wrong guess gets in.
      const bound = NAME_FAILURES + 1 + (statuses.includes(200) ? 1 : 0);
      assert.ok(verified(statuses) <= bound, `verified ${verified(statuses)} of 100: ${statuses.join(',')}`);
      assert.ok(verified(statuses) >= NAME_FAILURES, 'the name limit, not a tighter one, decided');
    });

    it(`verifies no more of 100 parallel registry Basic credentials than of 100 sent one by one (GET /v1/registry/token)`, async () => {
      const tenant = await makeTenant(api, admin);
      const account = { user: uniqueName('r'), password: newPassword() };
      expectStatus(await api.post('/v1/repository/user', { token: tenant.member.token, body: account }), 200);
      const statuses = await parallelGuesses(
        (password, i) =>
          request(url(i), 'GET', '/v1/registry/token?service=ote-registry', {
            headers: { authorization: basic(account.user, password) },
          }),
        account.password,
      );
      assert.ok(verified(statuses) <= pairBound(statuses), `verified ${verified(statuses)} of 100: ${statuses.join(',')}`);
      assert.ok(verified(statuses) >= 1, 'the first attempts are verified');
    });
  });
}

for (const db of DATABASES) suite(db, 1);
// Several replicas share the database: a second replica is not a second budget.
if (DATABASES.includes('postgres')) suite('postgres', 2);
