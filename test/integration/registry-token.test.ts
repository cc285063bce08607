/**
 * The registry token service, its certificate and the notification intake
 * (API.md §10) through the real HTTP server on SQLite and PostgreSQL, without
 * a registry process (registry.test.ts has the real one): key persistence and
 * configured key files, grants per caller, and event recording.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, makeTenant, newPassword, uniqueName } from '../helpers/tenants.js';

const SECRET = 'notify-secret-0123456789abcdef';
const EVENTS = 'application/vnd.docker.distribution.events.v1+json';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

type Access = { type: string; name: string; actions: string[] };

for (const db of DATABASES) {
  describe(`registry token service and notifications [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let a: Tenant;
    let b: Tenant;
    const acct = { a: { user: '', password: '' }, sys: { user: '', password: '' } };
    const pub = uniqueName('pub');
    const priv = uniqueName('priv');
    const bPriv = uniqueName('bpriv');

    const grant = async (scopes: string[], authorization?: string): Promise<Access[]> => {
      const q = ['service=edge-registry', ...scopes.map((s) => `scope=${encodeURIComponent(s)}`)].join('&');
      const res = await api.get(`/v1/registry/token?${q}`, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 200, res.text);
      return (decodeJwt(res.body.token) as { access: Access[] }).access;
    };

    before(async () => {
      hub = await startHub(db, {
        // Nothing listens there: these tests never reach the registry, only configure one.
        OTE_REGISTRY_URL: 'http://127.0.0.1:9',
        OTE_REGISTRY_SERVICE: 'edge-registry',
        OTE_REGISTRY_NOTIFY_SECRET: SECRET,
      });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      a = await makeTenant(api, admin);
      b = await makeTenant(api, admin);
      for (const [token, name, isPublic] of [
        [a.admin.token, pub, true],
        [a.admin.token, priv, false],
        [b.admin.token, bPriv, false],
      ] as const) {
        expectStatus(await api.post('/v1/repository/project', { token, body: { projectName: name, public: isPublic } }), 201);
      }
      for (const [key, token] of [
        ['a', a.member.token],
        ['sys', admin],
      ] as const) {
        acct[key] = { user: uniqueName('r'), password: newPassword() };
        api.secrets.add(acct[key].password);
        expectStatus(await api.post('/v1/repository/user', { token, body: acct[key] }), 200);
      }
    });
    after(() => hub?.close());

    it('serves its certificate; tokens verify with it and carry iss "ote" and aud = the service', async () => {
      const pem = await api.get('/v1/registry/certificate');
      assert.equal(pem.status, 200);
      assert.match(pem.headers.get('content-type') ?? '', /pem/);
      assert.match(pem.text, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
      const res = await api.get(`/v1/registry/token?service=edge-registry&scope=repository:${pub}/x:pull`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const key = await importX509(pem.text, decodeProtectedHeader(res.body.token).alg as string);
      const { payload } = await jwtVerify(res.body.token, key, { issuer: 'ote', audience: 'edge-registry' });
      assert.equal(typeof payload.aud, 'string', 'Distribution 2.8 reads aud as one string');
      assert.ok((payload.exp as number) - (payload.iat as number) <= 300);
      const der = Buffer.from(pem.text.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('base64');
      assert.deepEqual(decodeProtectedHeader(res.body.token).x5c, [der], 'x5c is the served certificate');
      const mode = fs.statSync(path.join(hub.config.OTE_DATA_DIR, 'registry-token.key')).mode & 0o777;
      assert.equal(mode, 0o600, 'the private key file is private');
    });

    it("grants nothing on a repository name outside Distribution's grammar (issue 11, finding 9)", async () => {
      const who = basic(acct.a.user, acct.a.password);
      // The first segment is a's own project: only the grammar stops the grant.
      for (const name of [`${priv}/../${bPriv}/img`, `${priv}/./img`, `${priv}//img`, `${priv}/IMG`, `${priv}/img/`]) {
        assert.deepEqual(await grant([`repository:${name}:pull,push`], who), [], name);
      }
      assert.deepEqual(await grant([`repository:${priv}/a.b/c__d-e:pull`], who), [
        { type: 'repository', name: `${priv}/a.b/c__d-e`, actions: ['pull'] },
      ]);
    });

    it('grants what was asked ∩ what is allowed, per caller', async () => {
      const all = ['delete', 'pull', 'push'];
      const scopes = [
        `repository:${pub}/web:pull,push`,
        `repository:${priv}/app:*`,
        `repository:${bPriv}/app:pull`,
        'repository:nosuchproject/app:pull',
        `repository:${pub}:pull`, // a bare project name is no repository
        'registry:catalog:*',
        `plugin:${pub}/web:pull`, // an unknown resource type, about a public repository: ignored
        'garbage',
      ];
      assert.deepEqual(await grant(scopes), [{ type: 'repository', name: `${pub}/web`, actions: ['pull'] }], 'anonymous');
      assert.deepEqual(await grant(scopes, basic(acct.a.user, acct.a.password)), [
        { type: 'repository', name: `${pub}/web`, actions: ['pull', 'push'] },
        { type: 'repository', name: `${priv}/app`, actions: all },
      ]);
      assert.deepEqual(await grant(scopes, basic(acct.sys.user, acct.sys.password)), [
        { type: 'repository', name: `${pub}/web`, actions: ['pull', 'push'] },
        { type: 'repository', name: `${priv}/app`, actions: all },
        { type: 'repository', name: `${bPriv}/app`, actions: ['pull'] },
      ]);
      // Several scopes in one parameter, space-separated (some clients send them so).
      const joined = await grant([`repository:${priv}/app:pull repository:${pub}/web:pull`], basic(acct.a.user, acct.a.password));
      assert.equal(joined.length, 2);
      const robots = hub.hub.services.registry.robots;
      const robot = basic(robots.userName(b.businessId), robots.password(b.businessId));
      assert.deepEqual(await grant([`repository:${bPriv}/app:pull,push,delete`, `repository:${priv}/app:pull`], robot), [
        { type: 'repository', name: `${bPriv}/app`, actions: ['pull'] },
      ]);
    });

    it('answers 401 for wrong credentials and for a forbidden user, 200 with an empty grant otherwise', async () => {
      const scope = [`repository:${priv}/app:pull`];
      const wrong = await api.get(`/v1/registry/token?scope=${scope[0]}`, {
        headers: { authorization: basic(acct.a.user, 'Nope-1234') },
      });
      expectStatus(wrong, 401);
      assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic/);
      assert.deepEqual(await grant(scope, basic(acct.sys.user, acct.sys.password)), [
        { type: 'repository', name: `${priv}/app`, actions: ['pull'] },
      ]);
      const c = await makeTenant(api, admin);
      const cAcct = { user: uniqueName('r'), password: newPassword() };
      api.secrets.add(cAcct.password);
      expectStatus(await api.post('/v1/repository/user', { token: c.member.token, body: cAcct }), 200);
      assert.deepEqual(await grant(scope, basic(cAcct.user, cAcct.password)), [], "another business's account: empty grant");
      expectStatus(await api.put(`/v1/admin/user/${c.member.id}`, { token: admin, body: { status: 3 } }), 200);
      const forbidden = await api.get(`/v1/registry/token?scope=${scope[0]}`, {
        headers: { authorization: basic(cAcct.user, cAcct.password) },
      });
      expectStatus(forbidden, 401);
      const robots = hub.hub.services.registry.robots;
      const badRobot = await api.get('/v1/registry/token', {
        headers: { authorization: basic(robots.userName(a.businessId), 'x'.repeat(43)) },
      });
      expectStatus(badRobot, 401);
    });

    it("answers containerd's OAuth2 POST with 404, so it falls back to the GET token flow", async () => {
      const res = await api.post('/v1/registry/token', {
        rawBody: 'grant_type=password&service=edge-registry&client_id=containerd-client&username=x&password=y',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.status, 404);
    });

    it('throttles repeated wrong registry passwords like logins (429 with Retry-After, even for the right one)', async () => {
      const c = await makeTenant(api, admin);
      const acc = { user: uniqueName('r'), password: newPassword() };
      api.secrets.add(acc.password);
      expectStatus(await api.post('/v1/repository/user', { token: c.member.token, body: acc }), 200);
      const call = (password: string) => api.get('/v1/registry/token', { headers: { authorization: basic(acc.user, password) } });
      for (let i = 0; i < 5; i += 1) expectStatus(await call('Wrong-passw0rd'), 401, `failure ${i + 1}`);
      const throttled = await call(acc.password);
      expectStatus(throttled, 429);
      assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
      await new Promise((r) => setTimeout(r, 1100));
      expectStatus(await call(acc.password), 200);
    });

    it('records push and delete events sent with the shared secret and the registry media type', async () => {
      const repo = `${priv}/events`;
      const digest = `sha256:${'a'.repeat(64)}`;
      const event = (action: string, target: Record<string, unknown>, timestamp: string) => ({
        id: uniqueName('ev'),
        timestamp,
        action,
        target: { repository: repo, url: `http://r/v2/${repo}/manifests/${digest}`, ...target },
        request: { method: 'PUT' },
        actor: { name: acct.a.user },
        source: { addr: 'r:5000' },
      });
      const post = (payload: unknown, authorization: string | null = `Bearer ${SECRET}`, type = EVENTS) =>
        api.post('/v1/registry/notifications', {
          rawBody: typeof payload === 'string' ? payload : JSON.stringify(payload),
          headers: { 'content-type': type, ...(authorization ? { authorization } : {}) },
        });
      const manifest = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 500, length: 500 };
      const pushes = {
        events: [
          event('push', { ...manifest, tag: 'v1' }, '2026-01-02T03:04:05.123456789Z'),
          event('push', { ...manifest, tag: 'v2' }, '2026-01-02T03:05:00Z'),
          event(
            'push',
            { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'b'.repeat(64)}`, size: 9 },
            '2026-01-02T03:04:00Z',
          ),
          event('pull', { ...manifest, tag: 'v1' }, '2026-01-02T03:06:00Z'),
          {
            ...event('push', { ...manifest, tag: 'x' }, '2026-01-02T03:04:05Z'),
            target: { ...manifest, tag: 'x', repository: 'nosuchproject/app' },
          },
        ],
      };
      expectStatus(await post(pushes, null), 401);
      expectStatus(await post(pushes, 'Bearer wrong-secret-0123456789'), 401);
      expectStatus(await post(pushes, SECRET), 401, 'the Bearer scheme is required');
      expectStatus(await post('{not json'), 400);
      expectStatus(await post({ nothing: [] }), 422);
      expectStatus(await post(pushes), 200);
      expectStatus(await post(pushes, `Bearer ${SECRET}`, 'application/json'), 200, 'plain JSON is fine too');

      const kysely = hub.hub.services.db.kysely;
      const image = await kysely.selectFrom('images').selectAll().where('name', '=', repo).executeTakeFirstOrThrow();
      assert.equal(image.create_time, Date.parse('2026-01-02T03:04:05Z') / 1000);
      assert.equal(image.update_time, Date.parse('2026-01-02T03:05:00Z') / 1000);
      const tags = await kysely.selectFrom('image_tags').selectAll().where('image_id', '=', image.id).orderBy('tag').execute();
      assert.deepEqual(
        tags.map((t) => [t.tag, t.digest]),
        [
          ['v1', digest],
          ['v2', digest],
        ],
        'manifest pushes only',
      );
      assert.equal(tags[0].create_time, Date.parse('2026-01-02T03:04:05Z') / 1000);
      assert.equal(
        await kysely.selectFrom('images').select('id').where('name', '=', 'nosuchproject/app').executeTakeFirst(),
        undefined,
        'a repository outside any project is ignored',
      );

      expectStatus(await post({ events: [event('delete', { digest }, '2026-01-03T00:00:00Z')] }), 200);
      const left = await kysely.selectFrom('image_tags').select('tag').where('image_id', '=', image.id).execute();
      assert.deepEqual(left, [], 'a manifest delete removes every tag on that digest');

      // A push event delivered late, after the tag was first recorded later than it really happened
      // (a listing in between records "seen now"): the earlier, real time wins; times stay ordered.
      const late = {
        ...event('push', { ...manifest, tag: 'late' }, '2026-02-01T00:00:00Z'),
        target: { ...manifest, tag: 'late', repository: `${priv}/late` },
      };
      expectStatus(await post({ events: [{ ...late, timestamp: '2026-02-01T00:10:00Z' }] }), 200);
      expectStatus(await post({ events: [late] }), 200);
      const lateImage = await kysely
        .selectFrom('images')
        .selectAll()
        .where('name', '=', `${priv}/late`)
        .executeTakeFirstOrThrow();
      const lateTag = await kysely
        .selectFrom('image_tags')
        .selectAll()
        .where('image_id', '=', lateImage.id)
        .executeTakeFirstOrThrow();
      const t0 = Date.parse('2026-02-01T00:00:00Z') / 1000;
      assert.equal(lateTag.create_time, t0);
      assert.ok(lateTag.create_time <= lateTag.update_time, JSON.stringify(lateTag));
      assert.equal(lateImage.create_time, t0);
      assert.ok(lateImage.create_time <= lateImage.update_time);

      const audit = expectStatus(await api.get('/v1/admin/audit?pageSize=0', { token: admin }), 200);
      assert.ok(
        !audit.data.some((r: { action: string }) => r.action.includes('/v1/registry/notifications')),
        'machine traffic stays out of the audit log',
      );
    });
  });
}

describe('registry signing key files', () => {
  const db = DATABASES[0];
  let first: TestHub | undefined;
  let second: TestHub | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-keys-'));
  after(async () => {
    await first?.close();
    await second?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the generated key across restarts, and uses configured PEM files instead when given', async () => {
    first = await startHub(db);
    const api1 = new Api(first.url);
    const pem = (await api1.get('/v1/registry/certificate')).text;
    await first.stop();
    first = await startHub(db, {}, first.database);
    assert.equal((await new Api(first.url).get('/v1/registry/certificate')).text, pem, 'same certificate after a restart');

    const keyFile = path.join(dir, 'token.key');
    const certFile = path.join(dir, 'token.crt');
    fs.copyFileSync(path.join(first.config.OTE_DATA_DIR, 'registry-token.key'), keyFile);
    fs.copyFileSync(path.join(first.config.OTE_DATA_DIR, 'registry-token.crt'), certFile);
    second = await startHub(db, { OTE_REGISTRY_TOKEN_KEY: keyFile, OTE_REGISTRY_TOKEN_CERT: certFile });
    assert.equal((await new Api(second.url).get('/v1/registry/certificate')).text, pem, 'the configured files are used');
    assert.ok(!fs.existsSync(path.join(second.config.OTE_DATA_DIR, 'registry-token.key')), 'nothing generated');

    await assert.rejects(startHub(db, { OTE_REGISTRY_TOKEN_KEY: keyFile }), /OTE_REGISTRY_TOKEN_KEY and OTE_REGISTRY_TOKEN_CERT/);
    await assert.rejects(
      startHub(db, { OTE_REGISTRY_TOKEN_KEY: path.join(dir, 'missing.key'), OTE_REGISTRY_TOKEN_CERT: certFile }),
      /missing\.key|ENOENT/,
    );
  });
});
