/**
 * Repository management API (API.md §7): projects, images and tags, registry
 * accounts, on SQLite and PostgreSQL, against a real docker-registry (project
 * deletion asks it whether a project still holds images).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type TestRegistry, freePort, registryAvailable, startRegistry } from '../helpers/registry.js';
import { type Tenant, approvedUser, makeTenant, newPassword, uniqueName } from '../helpers/tenants.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

for (const db of DATABASES) {
  describe(`repository management [${db}]`, { skip: !registryAvailable() && 'docker-registry not installed' }, () => {
    let hub: TestHub;
    let registry: TestRegistry;
    let api: Api;
    let admin: string;
    let a: Tenant;
    let b: Tenant;
    const names = { aPriv: uniqueName('ap'), aPub: uniqueName('apub'), bPriv: uniqueName('bp') };
    const ids: Record<string, number> = {};

    const createProject = (token: string, body: Record<string, unknown>) => api.post('/v1/repository/project', { token, body });

    before(async () => {
      const port = await freePort();
      const notifySecret = randomBytes(24).toString('hex');
      hub = await startHub(db, {
        OTE_REGISTRY_URL: `http://127.0.0.1:${port}`,
        OTE_REGISTRY_DOMAIN: 'registry.example.test:5000',
        OTE_REGISTRY_NOTIFY_SECRET: notifySecret,
      });
      api = new Api(hub.url);
      const cert = (await api.get('/v1/registry/certificate')).text;
      registry = await startRegistry({ port, hubUrl: hub.url, certificatePem: cert, notifySecret });
      admin = await api.login(ADMIN.user, ADMIN.password);
      a = await makeTenant(api, admin);
      b = await makeTenant(api, admin);
      for (const [key, token, isPublic] of [
        ['aPriv', a.admin.token, false],
        ['aPub', a.admin.token, true],
        ['bPriv', b.admin.token, false],
      ] as const) {
        const res = expectStatus(await createProject(token, { projectName: names[key], public: isPublic }), 201, key);
        assert.ok(res.data.projectId > 0);
        ids[key] = res.data.projectId;
      }
    });
    after(async () => {
      await registry?.stop();
      await hub?.close();
    });

    describe('projects', () => {
      it('lists own projects plus public ones (role 4: all), with filters, paging and pageSize=0', async () => {
        const forA = expectStatus(await api.get('/v1/repository/project?pageSize=0', { token: a.member.token }), 200);
        const seenA = forA.data.map((p: { projectName: string }) => p.projectName);
        assert.ok(seenA.includes(names.aPriv) && seenA.includes(names.aPub));
        assert.ok(!seenA.includes(names.bPriv), "another business's private project is never listed");
        const forB = expectStatus(await api.get('/v1/repository/project?pageSize=0', { token: b.member.token }), 200);
        const seenB = forB.data.map((p: { projectName: string }) => p.projectName);
        assert.ok(seenB.includes(names.aPub), 'public projects are listed for everybody');
        assert.ok(!seenB.includes(names.aPriv));
        const all = expectStatus(await api.get('/v1/repository/project?pageSize=0', { token: admin }), 200);
        assert.equal(all.total, all.data.length);
        assert.ok(all.total >= 3);

        const row = forA.data.find((p: { projectName: string }) => p.projectName === names.aPriv);
        assert.deepEqual(Object.keys(row).sort(), [
          'businessId',
          'createTime',
          'imageCount',
          'projectId',
          'projectName',
          'public',
          'updateTime',
        ]);
        assert.equal(row.public, false);
        assert.equal(row.imageCount, 0);
        assert.equal(row.businessId, a.businessId);
        assert.ok(Number.isInteger(row.createTime) && row.createTime > 1_600_000_000);

        const filtered = expectStatus(
          await api.get(`/v1/repository/project?projectName=${names.aPub.slice(2)}&public=true`, { token: a.admin.token }),
          200,
        );
        assert.deepEqual(
          filtered.data.map((p: { projectName: string }) => p.projectName),
          [names.aPub],
        );
        const paged = expectStatus(await api.get('/v1/repository/project?pageSize=1&page=2', { token: a.admin.token }), 200);
        assert.equal(paged.data.length, 1);
        assert.ok(paged.total >= 2);
        expectStatus(await api.get('/v1/repository/project?pageSize=1001', { token: a.admin.token }), 422);
        expectStatus(await api.get('/v1/repository/project?public=maybe', { token: a.admin.token }), 422);
      });

      it('refuses a name taken by any business (409), a bad name (422) and callers below role 3 (403)', async () => {
        const clash = await createProject(b.admin.token, { projectName: names.aPriv, public: true });
        expectStatus(clash, 409);
        assert.match(clash.body.message, /projectName/);
        for (const bad of ['A', 'Upper', 'a..b', '-ab', 'ab-', 'a'.repeat(65), 'with space']) {
          const res = await createProject(a.admin.token, { projectName: bad, public: true });
          expectStatus(res, 422, `name ${JSON.stringify(bad)}`);
          assert.match(res.body.message, /projectName/);
        }
        expectStatus(await createProject(a.admin.token, { projectName: uniqueName('p') }), 422);
        expectStatus(await createProject(a.admin.token, { projectName: uniqueName('p'), public: true, extra: 1 }), 422);
        expectStatus(await createProject(a.member.token, { projectName: uniqueName('p'), public: true }), 403);
        const loner = await approvedUser(api, admin, { isAdmin: true });
        expectStatus(await createProject(loner.token, { projectName: uniqueName('p'), public: true }), 403);
      });

      it('lets role 4 create for a business named by businessId (required), and nobody else pass one', async () => {
        const missing = await createProject(admin, { projectName: uniqueName('p'), public: true });
        expectStatus(missing, 422);
        assert.match(missing.body.message, /businessId/);
        expectStatus(await createProject(admin, { projectName: uniqueName('p'), public: true, businessId: 999999 }), 422);
        const name = uniqueName('sys');
        const made = expectStatus(
          await createProject(admin, { projectName: name, public: false, businessId: b.businessId }),
          201,
        );
        const seen = expectStatus(await api.get(`/v1/repository/project?projectName=${name}`, { token: b.member.token }), 200);
        assert.equal(seen.data[0]?.projectId, made.data.projectId, 'the project belongs to business B');
        const notA = expectStatus(await api.get(`/v1/repository/project?projectName=${name}`, { token: a.admin.token }), 200);
        assert.equal(notA.total, 0);
        const smuggled = await createProject(a.admin.token, {
          projectName: uniqueName('p'),
          public: true,
          businessId: b.businessId,
        });
        expectStatus(smuggled, 422);
        assert.match(smuggled.body.message, /businessId/);
      });

      it('refuses private projects while the privateProject setting is off', async () => {
        expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { privateProject: false } }), 200);
        try {
          const res = await createProject(a.admin.token, { projectName: uniqueName('p'), public: false });
          expectStatus(res, 422);
          assert.match(res.body.message, /^public:/);
          expectStatus(await createProject(a.admin.token, { projectName: uniqueName('p'), public: true }), 201);
          const both = await createProject(admin, { projectName: uniqueName('p'), public: false });
          expectStatus(both, 422);
          assert.deepEqual(Object.keys(both.body.fields).sort(), ['businessId', 'public'], 'every offending field is named');
        } finally {
          expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { privateProject: true } }), 200);
        }
      });

      it("deletes all or nothing; another business's project is 404", async () => {
        const one = expectStatus(await createProject(a.admin.token, { projectName: uniqueName('d'), public: true }), 201).data
          .projectId;
        const two = expectStatus(await createProject(a.admin.token, { projectName: uniqueName('d'), public: true }), 201).data
          .projectId;
        const foreign = await api.delete('/v1/repository/project', {
          token: a.admin.token,
          body: { projectId: [one, ids.bPriv] },
        });
        expectStatus(foreign, 404);
        assert.match(foreign.body.message, new RegExp(String(ids.bPriv)));
        const still = expectStatus(await api.get('/v1/repository/project?pageSize=0', { token: a.admin.token }), 200);
        assert.ok(
          still.data.some((p: { projectId: number }) => p.projectId === one),
          'nothing deleted',
        );
        expectStatus(await api.delete('/v1/repository/project', { token: a.member.token, body: { projectId: [one] } }), 403);
        // Listed for everybody, deletable only by its business (and role 4).
        const publicOfA = await api.delete('/v1/repository/project', { token: b.admin.token, body: { projectId: [ids.aPub] } });
        expectStatus(publicOfA, 404);
        expectStatus(await api.delete('/v1/repository/project', { token: a.admin.token, body: { projectId: [] } }), 422);
        expectStatus(await api.delete('/v1/repository/project', { token: a.admin.token, body: { projectId: [one, two] } }), 200);
        const after = expectStatus(await api.get('/v1/repository/project?pageSize=0', { token: a.admin.token }), 200);
        assert.ok(!after.data.some((p: { projectId: number }) => p.projectId === one || p.projectId === two));
        // The name is free again.
        const bProjects = expectStatus(await api.get('/v1/repository/project?pageSize=0', { token: b.admin.token }), 200);
        assert.ok(
          bProjects.data.some((p: { projectId: number }) => p.projectId === ids.bPriv),
          "B's project untouched",
        );
      });

      it('refuses to delete a business that still has projects (409), then allows it once they are gone', async () => {
        const c = await makeTenant(api, admin);
        const p = expectStatus(await createProject(c.admin.token, { projectName: uniqueName('c'), public: true }), 201).data
          .projectId;
        const refused = await api.delete(`/v1/business/id/${c.businessId}`, { token: admin });
        expectStatus(refused, 409);
        assert.match(refused.body.message, /project/);
        expectStatus(await api.delete('/v1/repository/project', { token: admin, body: { projectId: [p] } }), 200);
        expectStatus(await api.delete(`/v1/business/id/${c.businessId}`, { token: admin }), 200);
      });
    });

    describe('images and tags', () => {
      it("answers an empty list for an empty project, 404 for another business's private project or image", async () => {
        const empty = expectStatus(
          await api.get(`/v1/repository/image?projectName=${names.aPriv}`, { token: a.member.token }),
          200,
        );
        assert.deepEqual(empty.data, []);
        assert.equal(empty.total, 0);
        expectStatus(await api.get(`/v1/repository/image?projectName=${names.bPriv}`, { token: a.admin.token }), 404);
        expectStatus(await api.get(`/v1/repository/image?projectName=${uniqueName('none')}`, { token: a.admin.token }), 404);
        expectStatus(await api.get(`/v1/repository/image?projectName=${names.aPub}`, { token: b.member.token }), 200);
        expectStatus(await api.get(`/v1/repository/image/tag?imageName=${names.bPriv}/app`, { token: a.admin.token }), 404);
        expectStatus(await api.get(`/v1/repository/image/tag?imageName=${names.aPriv}/none`, { token: a.admin.token }), 404);
        const del = await api.delete('/v1/repository/image', {
          token: a.admin.token,
          body: { imageName: [`${names.bPriv}/app`] },
        });
        expectStatus(del, 404);
        const delTag = await api.delete('/v1/repository/image/tag', {
          token: a.admin.token,
          body: { imageName: `${names.bPriv}/app`, tag: ['v1'] },
        });
        expectStatus(delTag, 404);
      });

      it('validates queries and bodies (422 naming the field)', async () => {
        const noProject = await api.get('/v1/repository/image', { token: a.admin.token });
        expectStatus(noProject, 422);
        assert.match(noProject.body.message, /projectName/);
        const noImage = await api.get('/v1/repository/image/tag', { token: a.admin.token });
        expectStatus(noImage, 422);
        assert.match(noImage.body.message, /imageName/);
        const badImage = await api.get('/v1/repository/image/tag?imageName=noslash', { token: a.admin.token });
        expectStatus(badImage, 422);
        expectStatus(
          await api.get(`/v1/repository/image?projectName=${names.aPriv}&pageSize=1001`, { token: a.admin.token }),
          422,
        );
        expectStatus(
          await api.get(`/v1/repository/image?projectName=${names.aPriv}&orderBy=name`, { token: a.admin.token }),
          422,
        );
        const badTag = await api.delete('/v1/repository/image/tag', {
          token: a.admin.token,
          body: { imageName: `${names.aPriv}/app`, tag: ['-bad'] },
        });
        expectStatus(badTag, 422);
        assert.match(badTag.body.message, /tag/);
        expectStatus(
          await api.delete('/v1/repository/image', { token: a.member.token, body: { imageName: [`${names.aPriv}/x`] } }),
          403,
        );
      });
    });

    describe('registry accounts', () => {
      const token = (authorization?: string) =>
        api.get(`/v1/registry/token?service=ote-registry&scope=repository:${names.aPriv}/app:pull`, {
          headers: authorization ? { authorization } : {},
        });

      it('creates one account per user; hasRepoAccount turns true; names are unique', async () => {
        const info = expectStatus(await api.get('/v1/authorization', { token: a.member.token }), 200);
        assert.equal(info.data.hasRepoAccount, false);
        const user = uniqueName('r');
        const password = newPassword();
        api.secrets.add(password);
        const made = expectStatus(
          await api.post('/v1/repository/user', { token: a.member.token, body: { user, password } }),
          200,
        );
        assert.ok(made.data.id > 0);
        assert.equal(expectStatus(await api.get('/v1/authorization', { token: a.member.token }), 200).data.hasRepoAccount, true);
        const second = await api.post('/v1/repository/user', {
          token: a.member.token,
          body: { user: uniqueName('r'), password },
        });
        expectStatus(second, 409);
        const taken = await api.post('/v1/repository/user', {
          token: b.member.token,
          body: { user: user.toUpperCase(), password },
        });
        expectStatus(taken, 409);
        assert.match(taken.body.message, /user/);
        const granted = await token(basic(user, password));
        assert.equal(granted.status, 200);
        assert.equal(JSON.parse(Buffer.from(granted.body.token.split('.')[1], 'base64url').toString()).sub, user);
      });

      it('validates the account body: password policy, name rule, reserved names, unknown fields', async () => {
        const t = b.admin.token;
        const weak = await api.post('/v1/repository/user', { token: t, body: { user: uniqueName('r'), password: 'short' } });
        expectStatus(weak, 422);
        assert.match(weak.body.message, /password: must be 8-20 characters/);
        expectStatus(await api.post('/v1/repository/user', { token: t, body: { user: '1bad', password: newPassword() } }), 422);
        const reserved = await api.post('/v1/repository/user', {
          token: t,
          body: { user: 'ote-pull-1', password: newPassword() },
        });
        expectStatus(reserved, 422);
        assert.match(reserved.body.message, /user:.*reserved/);
        expectStatus(
          await api.post('/v1/repository/user', {
            token: t,
            body: { user: uniqueName('r'), password: newPassword(), userId: 1 },
          }),
          422,
        );
        const loner = await approvedUser(api, admin);
        expectStatus(
          await api.post('/v1/repository/user', { token: loner.token, body: { user: uniqueName('r'), password: newPassword() } }),
          403,
        );
      });

      it('changes the password (old one stops working); without an account: 404; wrong Basic credentials: 401', async () => {
        const user = uniqueName('r');
        const first = newPassword();
        const second = newPassword();
        api.secrets.add(first);
        api.secrets.add(second);
        expectStatus(await api.put('/v1/repository/user/password', { token: a.admin.token, body: { password: first } }), 404);
        expectStatus(await api.post('/v1/repository/user', { token: a.admin.token, body: { user, password: first } }), 200);
        assert.equal((await token(basic(user, first))).status, 200);
        expectStatus(await api.put('/v1/repository/user/password', { token: a.admin.token, body: { password: 'weak' } }), 422);
        expectStatus(await api.put('/v1/repository/user/password', { token: a.admin.token, body: { password: second } }), 200);
        const old = await token(basic(user, first));
        assert.equal(old.status, 401);
        assert.equal(old.body.code, 401);
        assert.equal((await token(basic(user, second))).status, 200);
        assert.equal((await token(basic('nobody-here', second))).status, 401);
        assert.equal((await token('Basic !!!')).status, 401);
        assert.equal((await token()).status, 200, 'anonymous callers get a token (with an empty grant)');
      });

      it('deleting a platform user deletes its registry account', async () => {
        const c = await makeTenant(api, admin);
        const user = uniqueName('r');
        const password = newPassword();
        api.secrets.add(password);
        expectStatus(await api.post('/v1/repository/user', { token: c.member.token, body: { user, password } }), 200);
        assert.equal((await token(basic(user, password))).status, 200);
        expectStatus(await api.delete(`/v1/admin/user/${c.member.id}`, { token: c.admin.token }), 200);
        assert.equal((await token(basic(user, password))).status, 401, 'the account went with its user');
        // The registry user name is free again.
        expectStatus(await api.post('/v1/repository/user', { token: c.admin.token, body: { user, password } }), 200);
      });
    });
  });

  describe(`repository management without a registry [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
    });
    after(() => hub?.close());

    it('answers 503 "registry not configured" on project, image, tag and account endpoints', async () => {
      const admin = await api.login(ADMIN.user, ADMIN.password);
      const t = await makeTenant(api, admin);
      const calls = [
        api.get('/v1/repository/project', { token: t.member.token }),
        api.post('/v1/repository/project', { token: t.admin.token, body: { projectName: 'nope', public: true } }),
        api.delete('/v1/repository/project', { token: t.admin.token, body: { projectId: [1] } }),
        api.get('/v1/repository/image?projectName=nope', { token: t.member.token }),
        api.get('/v1/repository/image/tag?imageName=nope/x', { token: t.member.token }),
        api.delete('/v1/repository/image', { token: t.admin.token, body: { imageName: ['nope/x'] } }),
        api.delete('/v1/repository/image/tag', { token: t.admin.token, body: { imageName: 'nope/x', tag: ['v1'] } }),
        api.post('/v1/repository/user', { token: t.member.token, body: { user: uniqueName('r'), password: newPassword() } }),
        api.put('/v1/repository/user/password', { token: t.member.token, body: { password: newPassword() } }),
      ];
      for (const res of await Promise.all(calls)) {
        expectStatus(res, 503);
        assert.match(res.body.message, /registry not configured/);
      }
      // The token service and the certificate work anyway (a registry may be pointed at the hub first).
      assert.match((await api.get('/v1/registry/certificate')).text, /BEGIN CERTIFICATE/);
      assert.equal((await api.get('/v1/registry/token?service=ote-registry')).status, 200);
    });
  });
}
