import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OteProcess, spawnOte } from '../helpers/agent-process.js';
import { Api, expectStatus } from '../helpers/client.js';
import { DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { createUser } from '../helpers/users.js';

/** Waits (bounded) for a process that should stop by itself; answers its exit code. */
async function exitOf(p: OteProcess, ms = 60_000): Promise<number | string> {
  const timer = setTimeout(() => void p.stop('SIGKILL'), ms);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** `ote admin reset-password ...` against the test hub's database, as an operator runs it. */
async function resetPassword(hub: TestHub, extra: string[] = []): Promise<{ code: number | string; out: string }> {
  const env: Record<string, string> = { OTE_DATA_DIR: hub.database.dataDir };
  if (hub.database.url) env.OTE_DATABASE_URL = hub.database.url;
  const p = spawnOte(['admin', 'reset-password', ...extra], env);
  const code = await exitOf(p);
  return { code, out: p.log() };
}

for (const db of DATABASES) {
  describe(`day one for an operator (issue 12) [${db}]`, () => {
    let hub: TestHub;
    let api: Api;

    before(async () => {
      // No OTE_ADMIN_PASSWORD: the generated one is "printed once" into a log nobody reads here,
      // as after a first start that failed; and no OTE_PUBLIC_URL: the join commands name loopback.
      hub = await startHub(db, { OTE_ADMIN_PASSWORD: '' });
      api = new Api(hub.url);
    });
    after(async () => {
      await hub?.close();
    });

    it('ote admin reset-password recovers the system administrator whose generated password is lost', async () => {
      const r = await resetPassword(hub);
      assert.equal(r.code, 0, r.out);
      const m = /new password for user "admin": (\S+)\n/.exec(r.out);
      assert.ok(m, r.out);
      const password = m[1];
      api.secrets.add(password);
      assert.match(password, /^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9]).{20}$/, 'a generated password that passes the policy');
      assert.equal(r.out.split(password).length, 2, 'printed exactly once');
      const token = await api.login('admin', password);
      assert.equal(expectStatus(await api.get('/v1/authorization', { token }), 200).data.role, 4);

      // Again, while that login is live: the token is revoked, the old password refused, the new one works.
      const again = await resetPassword(hub);
      assert.equal(again.code, 0, again.out);
      const next = /new password for user "admin": (\S+)\n/.exec(again.out)![1];
      api.secrets.add(next);
      assert.notEqual(next, password);
      expectStatus(await api.get('/v1/authorization', { token }), 401);
      expectStatus(await api.post('/v1/authorization', { body: { user: 'admin', password } }), 401);
      await api.login('admin', next);
    });

    it('--user resets another user (its tokens end); an unknown user or a data dir without a hub is an error', async () => {
      const admin = await api.login('admin', await adminPassword(hub, api));
      const u = await createUser(api, admin);
      const r = await resetPassword(hub, ['--user', u.user.toUpperCase()]);
      assert.equal(r.code, 0, r.out);
      const password = new RegExp(`new password for user "${u.user}": (\\S+)\\n`).exec(r.out)![1];
      api.secrets.add(password);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 401);
      await api.login(u.user, password);

      const unknown = await resetPassword(hub, ['--user', 'nobody-here']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.out, /no user "nobody-here"/);

      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-empty-'));
      try {
        const p = spawnOte(['admin', 'reset-password', '--data-dir', empty]);
        assert.equal(await exitOf(p), 2, p.log());
        assert.match(p.log(), /no hub database at .*ote\.db \(OTE_DATA_DIR/);
        assert.deepEqual(fs.readdirSync(empty), [], 'nothing created there');
      } finally {
        fs.rmSync(empty, { recursive: true, force: true });
      }
    });

    it("a pending user is told it waits for a system administrator's approval", async () => {
      const admin = await api.login('admin', await adminPassword(hub, api));
      const pending = await createUser(api, admin, {}, { approve: false });
      for (const [method, url] of [
        ['GET', '/v1/cluster'],
        ['GET', '/v1/business'],
        ['POST', '/v1/business'],
      ] as const) {
        const res = await api.call(method, url, { token: pending.token, body: method === 'POST' ? {} : undefined });
        assert.match(expectStatus(res, 403).message, /your registration is waiting for a system administrator's approval/);
      }
      // What it may call still answers.
      assert.equal(expectStatus(await api.get('/v1/authorization', { token: pending.token }), 200).data.role, 0);
    });

    it('a non-administrator account asking for a business is told it never can, and who can', async () => {
      const admin = await api.login('admin', await adminPassword(hub, api));
      const plain = await createUser(api, admin, { isAdmin: false });
      const body = { name: `b-${plain.user}`, introduce: 'x', objective: 'y', scale: 'z' };
      const res = await api.post('/v1/business', { token: plain.token, body });
      const message = expectStatus(res, 403).message as string;
      assert.match(
        message,
        /not an administrator account \(it was registered with isAdmin: false, which cannot be changed later\)/,
      );
      assert.match(message, /register one with isAdmin: true .* administrator sub-user \(isAdmin: true\)/);
      // An administrator account still creates one.
      const boss = await createUser(api, admin, { isAdmin: true });
      expectStatus(await api.post('/v1/business', { token: boss.token, body }), 200);
    });

    it('a join command that targets a loopback hub says so', async () => {
      const admin = await api.login('admin', await adminPassword(hub, api));
      const data = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: 'loop-1' } }), 200).data;
      api.secrets.add(data.token);
      assert.equal(data.command, `OTE_AGENT_TOKEN=${data.token} ote agent --hub ${hub.url}`);
      assert.equal(data.hubIsLoopback, true);
      assert.match(data.warning, /a loopback address that only the hub's own machine can reach; set OTE_PUBLIC_URL/);
    });
  });
}

const passwords = new WeakMap<TestHub, string>();
/** The administrator's current password: reset once per hub through the CLI (the generated one is unknown). */
async function adminPassword(hub: TestHub, api: Api): Promise<string> {
  const known = passwords.get(hub);
  if (known) {
    // Still valid unless a test reset it since: check, else reset again.
    const res = await api.post('/v1/authorization', { body: { user: 'admin', password: known } });
    if (res.status === 200) return known;
  }
  const r = await resetPassword(hub);
  assert.equal(r.code, 0, r.out);
  const password = /new password for user "admin": (\S+)\n/.exec(r.out)![1];
  api.secrets.add(password);
  passwords.set(hub, password);
  return password;
}
