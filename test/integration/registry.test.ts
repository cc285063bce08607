/**
 * End to end with a real CNCF Distribution registry (Debian's docker-registry
 * 2.8) whose token server is the hub, and a real client (skopeo) pushing and
 * pulling an image the test builds itself. A registry process per database
 * starts in well under a second, so this runs on both engines like the rest.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { RegistryClient } from '../../src/registry/client.js';
import { loadSigningKey } from '../../src/registry/keys.js';
import { RegistryTokenSigner } from '../../src/registry/signer.js';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import {
  type TestRegistry,
  buildOciImage,
  freePort,
  pull,
  push,
  registryAvailable,
  startRegistry,
  waitUntil,
} from '../helpers/registry.js';
import { type Tenant, makeTenant, newPassword, uniqueName } from '../helpers/tenants.js';

for (const db of DATABASES) {
  describe(
    `registry end to end with docker-registry and skopeo [${db}]`,
    { skip: !registryAvailable() && 'docker-registry/skopeo not installed (scripts/provision.sh)' },
    () => {
      let hub: TestHub;
      let registry: TestRegistry;
      let api: Api;
      let admin: string;
      let a: Tenant;
      let b: Tenant;
      let image: { dir: string; cleanup(): void };
      const notifySecret = randomBytes(24).toString('hex');
      const creds = { a: '', b: '' };
      const projects = { aPrivate: uniqueName('ap'), aPublic: uniqueName('apub'), bPrivate: uniqueName('bp') };

      const account = async (t: Tenant) => {
        const user = uniqueName('reg');
        const password = newPassword();
        api.secrets.add(password);
        expectStatus(await api.post('/v1/repository/user', { token: t.admin.token, body: { user, password } }), 200, 'account');
        return `${user}:${password}`;
      };
      const project = async (t: Tenant, name: string, isPublic: boolean) =>
        expectStatus(
          await api.post('/v1/repository/project', { token: t.admin.token, body: { projectName: name, public: isPublic } }),
          201,
          `project ${name}`,
        ).data.projectId as number;

      before(async () => {
        const port = await freePort();
        hub = await startHub(db, {
          OTE_REGISTRY_URL: `http://127.0.0.1:${port}`,
          OTE_REGISTRY_DOMAIN: `127.0.0.1:${port}`,
          OTE_REGISTRY_NOTIFY_SECRET: notifySecret,
        });
        api = new Api(hub.url);
        const cert = await api.get('/v1/registry/certificate');
        assert.equal(cert.status, 200);
        registry = await startRegistry({ port, hubUrl: hub.url, certificatePem: cert.text, notifySecret });
        admin = await api.login(ADMIN.user, ADMIN.password);
        a = await makeTenant(api, admin);
        b = await makeTenant(api, admin);
        creds.a = await account(a);
        creds.b = await account(b);
        await project(a, projects.aPrivate, false);
        await project(a, projects.aPublic, true);
        await project(b, projects.bPrivate, false);
        image = await buildOciImage('v1', `hello ${randomBytes(4).toString('hex')}`);
      });
      after(async () => {
        image?.cleanup();
        await registry?.stop();
        await hub?.close();
      });

      it('signs tokens the registry accepts: a push with a registry account into its business project', async () => {
        const ref = `${registry.host}/${projects.aPrivate}/app:v1`;
        const res = await push(image.dir, 'v1', ref, creds.a);
        assert.ok(res.ok, `push failed: ${res.output}\nregistry: ${registry.output().slice(-3000)}`);
        const pulled = await pull(ref, creds.a);
        assert.ok(pulled.ok, `pull back failed: ${pulled.output}`);
      });

      it('answers the token specification shape with the x5c header and exactly the allowed actions', async () => {
        const scope = `repository:${projects.aPrivate}/app:pull,push,delete`;
        const other = `repository:${projects.bPrivate}/app:pull,push`;
        const [user, password] = creds.a.split(':');
        const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
        const q = `service=ote-registry&scope=${encodeURIComponent(scope)}&scope=${encodeURIComponent(other)}`;
        const res = await api.get(`/v1/registry/token?${q}`, { headers: { authorization: basic } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.token, res.body.access_token);
        assert.ok(res.body.expires_in > 0);
        assert.match(res.body.issued_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'issued_at is RFC 3339 (UTC)');
        assert.ok(
          Math.abs(Date.parse(res.body.issued_at) / 1000 - (decodeJwt(res.body.token).iat as number)) < 1,
          'issued_at is iat',
        );
        const header = decodeProtectedHeader(res.body.token);
        assert.ok(Array.isArray(header.x5c) && header.x5c.length === 1, 'x5c chain in the header');
        const claims = decodeJwt(res.body.token) as { iss: string; aud: string; access: { name: string; actions: string[] }[] };
        assert.equal(claims.iss, 'ote');
        assert.equal(claims.aud, 'ote-registry');
        assert.deepEqual(claims.access, [
          { type: 'repository', name: `${projects.aPrivate}/app`, actions: ['delete', 'pull', 'push'] },
        ]);

        const anon = await api.get(`/v1/registry/token?${q}`);
        assert.equal(anon.status, 200, 'an empty grant is not an error');
        assert.deepEqual((decodeJwt(anon.body.token) as { access: unknown[] }).access, []);

        const wrong = `Basic ${Buffer.from(`${user}:Wrong-passw0rd`).toString('base64')}`;
        const bad = await api.get(`/v1/registry/token?${q}`, { headers: { authorization: wrong } });
        assert.equal(bad.status, 401);
        assert.equal(bad.body.code, 401);
      });

      it('lets anybody pull from a public project, and nobody else from a private one', async () => {
        const pub = `${registry.host}/${projects.aPublic}/web:v1`;
        assert.ok((await push(image.dir, 'v1', pub, creds.a)).ok);
        const anon = await pull(pub, null);
        assert.ok(anon.ok, `anonymous pull of a public project: ${anon.output}`);
        const other = await pull(pub, creds.b);
        assert.ok(other.ok, `another business pulls a public project: ${other.output}`);

        const priv = `${registry.host}/${projects.aPrivate}/app:v1`;
        const refusedAnon = await pull(priv, null);
        assert.ok(!refusedAnon.ok, 'anonymous pull of a private project is refused');
        const refusedB = await pull(priv, creds.b);
        assert.ok(!refusedB.ok, "another business's account cannot pull a private project");
        assert.match(refusedB.output, /unauthorized|denied|authentication required|401|403/i);
      });

      it("refuses a push into another business's project", async () => {
        const res = await push(image.dir, 'v1', `${registry.host}/${projects.bPrivate}/intruder:v1`, creds.a);
        assert.ok(!res.ok, 'push into a foreign project must fail');
        const list = expectStatus(
          await api.get(`/v1/repository/image?projectName=${projects.bPrivate}`, { token: b.admin.token }),
          200,
        );
        assert.equal(list.total, 0, 'nothing landed in the foreign project');
      });

      it('records push events (real times, no listing needed) and lists images and tags with them', async () => {
        const before = Math.floor(Date.now() / 1000) - 1;
        const repo = `${projects.aPrivate}/timed`;
        assert.ok((await push(image.dir, 'v1', `${registry.host}/${repo}:v1`, creds.a)).ok);
        assert.ok((await push(image.dir, 'v1', `${registry.host}/${repo}:v2`, creds.a)).ok);
        // Only the registry's notifications can have written these rows: nothing listed the image yet.
        const kysely = hub.hub.services.db.kysely;
        const rowsOf = () =>
          kysely
            .selectFrom('image_tags')
            .innerJoin('images', 'images.id', 'image_tags.image_id')
            .select(['image_tags.tag', 'image_tags.digest', 'image_tags.create_time'])
            .where('images.name', '=', repo)
            .execute();
        await waitUntil(async () => (await rowsOf()).length === 2, 15_000, 'the push events of v1 and v2');
        const fromEvents = await rowsOf();
        for (const r of fromEvents) {
          assert.match(r.digest, /^sha256:[0-9a-f]{64}$/);
          assert.ok(r.create_time >= before && r.create_time <= Math.floor(Date.now() / 1000));
        }

        const list = expectStatus(
          await api.get(`/v1/repository/image?projectName=${projects.aPrivate}&imageName=timed`, { token: a.member.token }),
          200,
        );
        assert.equal(list.total, 1);
        const upper = await api.get(`/v1/repository/image?projectName=${projects.aPrivate}&imageName=TIMED`, {
          token: a.member.token,
        });
        assert.equal(expectStatus(upper, 200).total, 1, 'the name filter ignores case on both engines');
        const row = list.data[0];
        assert.equal(row.imageName, repo);
        assert.equal(row.imageAddress, `${registry.host}/${repo}`);
        assert.equal(row.projectName, projects.aPrivate);
        assert.equal(row.public, false);
        assert.equal(row.tagCount, 2);
        assert.ok(row.createTime >= before && row.createTime <= row.updateTime, JSON.stringify(row));

        const tags = expectStatus(
          await api.get(`/v1/repository/image/tag?imageName=${repo}&pageSize=0`, { token: a.member.token }),
          200,
        );
        assert.equal(tags.total, 2);
        const v1 = tags.data.find((t: { tag: string }) => t.tag === 'v1');
        const event = fromEvents.find((r) => r.tag === 'v1')!;
        assert.equal(v1.digest, event.digest);
        assert.equal(v1.createTime, event.create_time, 'the listing carries the push time from the event');
        assert.ok(v1.size > 0, 'size read from the manifest');
        assert.equal(v1.imageAddress, `${registry.host}/${repo}:v1`);
        const page1 = expectStatus(
          await api.get(`/v1/repository/image/tag?imageName=${repo}&pageSize=1`, { token: a.member.token }),
          200,
        );
        assert.equal(page1.data.length, 1);
        assert.equal(page1.total, 2);
        const foreign = await api.get(`/v1/repository/image/tag?imageName=${repo}`, { token: b.admin.token });
        assert.equal(foreign.status, 404, "another business's private image is not found");
      });

      it('reconciles with the catalog and tag lists, so lost events lose nothing', async () => {
        const repo = `${projects.aPrivate}/lost`;
        assert.ok((await push(image.dir, 'v1', `${registry.host}/${repo}:v1`, creds.a)).ok);
        await waitUntil(
          async () =>
            Boolean(
              await hub.hub.services.db.kysely.selectFrom('images').select('id').where('name', '=', repo).executeTakeFirst(),
            ),
          15_000,
          'the push event',
        );
        const imageCount = async () =>
          expectStatus(await api.get(`/v1/repository/project?projectName=${projects.aPrivate}`, { token: a.admin.token }), 200)
            .data[0].imageCount as number;
        const counted = await imageCount();
        assert.ok(counted >= 1);
        // Forget everything the events said, as if they had never arrived.
        const kysely = hub.hub.services.db.kysely;
        const img = await kysely.selectFrom('images').select('id').where('name', '=', repo).executeTakeFirstOrThrow();
        await kysely.deleteFrom('image_tags').where('image_id', '=', img.id).execute();
        await kysely.deleteFrom('images').where('id', '=', img.id).execute();
        assert.equal(await imageCount(), counted, "the project list's imageCount reads the catalog too");
        await kysely
          .deleteFrom('image_tags')
          .where('image_id', 'in', kysely.selectFrom('images').select('id').where('name', '=', repo))
          .execute();
        await kysely.deleteFrom('images').where('name', '=', repo).execute();
        const list = expectStatus(
          await api.get(`/v1/repository/image?projectName=${projects.aPrivate}&pageSize=0`, { token: a.admin.token }),
          200,
        );
        const row = list.data.find((r: { imageName: string }) => r.imageName === repo);
        assert.ok(row, 'the image is back from the catalog');
        assert.equal(row.tagCount, 1);
        const tags = expectStatus(await api.get(`/v1/repository/image/tag?imageName=${repo}`, { token: a.admin.token }), 200);
        assert.equal(tags.data[0].tag, 'v1');
        assert.match(tags.data[0].digest, /^sha256:/);

        // A tag that moved to another manifest while that push event was lost: the row still holds the old one.
        const real = { digest: tags.data[0].digest, size: tags.data[0].size };
        const stale = `sha256:${'0'.repeat(64)}`;
        await kysely
          .updateTable('image_tags')
          .set({ digest: stale, size: 1, update_time: 1 })
          .where('image_id', '=', kysely.selectFrom('images').select('id').where('name', '=', repo))
          .execute();
        const fresh = expectStatus(await api.get(`/v1/repository/image/tag?imageName=${repo}`, { token: a.admin.token }), 200);
        assert.equal(fresh.data[0].digest, real.digest, 'the tag listing reads where the tag points now');
        assert.equal(fresh.data[0].size, real.size);
        assert.ok(fresh.data[0].updateTime > 1, 'and when the move was seen');
      });

      it('lists a tag whose manifest claims absurd blob sizes (int64 max, negative) without failing', async () => {
        const repo = `${projects.aPublic}/claims`;
        assert.ok(
          (await push(image.dir, 'v1', `${registry.host}/${repo}:v1`, creds.a)).ok,
          'the blobs, linked into the repository',
        );
        const index = JSON.parse(fs.readFileSync(path.join(image.dir, 'index.json'), 'utf8'));
        const manifest = fs.readFileSync(path.join(image.dir, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8');
        const m = JSON.parse(manifest);
        // Distribution accepts any int64 here (the blob exists; its size is not compared).
        const body = JSON.stringify({
          ...m,
          config: { ...m.config, size: -5 },
          layers: m.layers.map((l: object) => ({ ...l, size: 424242 })),
        }).replace('424242', '9223372036854775807');
        const { token } = await hub.hub.services.registry.signer.sign('test', [
          { type: 'repository', name: repo, actions: ['pull', 'push'] },
        ]);
        const put = await fetch(`${registry.url}/v2/${repo}/manifests/huge`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
          body,
        });
        assert.equal(put.status, 201, await put.text());
        const tags = expectStatus(await api.get(`/v1/repository/image/tag?imageName=${repo}`, { token: b.member.token }), 200);
        const huge = tags.data.find((t: { tag: string }) => t.tag === 'huge');
        assert.ok(Number.isSafeInteger(huge?.size) && huge.size >= Buffer.byteLength(body), JSON.stringify(tags.data));
        expectStatus(await api.get(`/v1/repository/image?projectName=${projects.aPublic}`, { token: b.member.token }), 200);
      });

      it('follows the catalog Link header page by page', async () => {
        const signer = hub.hub.services.registry.signer;
        const small = new RegistryClient(registry.url, signer, 2);
        const all = await new RegistryClient(registry.url, signer).catalog();
        assert.ok(all.length >= 4, `several repositories exist: ${all.join(', ')}`);
        assert.deepEqual(await small.catalog(), all, 'pages of 2 add up to the whole catalog');
      });

      it('is trusted by the registry only with its own key: a token from another key is refused', async () => {
        const signer = hub.hub.services.registry.signer;
        const catalog = [{ type: 'registry', name: 'catalog', actions: ['*'] }];
        const good = await signer.sign('test', catalog);
        const ok = await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${good.token}` } });
        assert.equal(ok.status, 200);
        // Same claims, signed by another key with its own self-signed certificate (the hub's generator, elsewhere).
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-intruder-'));
        let forged: string;
        try {
          const intruder = await loadSigningKey({ dataDir: dir });
          forged = (await new RegistryTokenSigner(async () => intruder, 'ote-registry').sign('test', catalog)).token;
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.equal(decodeJwt(forged).iss, 'ote');
        const refused = await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${forged}` } });
        assert.equal(refused.status, 401);
      });

      it("gives each business's pull robot pull on its own projects only", async () => {
        const robots = hub.hub.services.registry.robots;
        const robotA = `${robots.userName(a.businessId)}:${robots.password(a.businessId)}`;
        const ref = `${registry.host}/${projects.aPrivate}/app:v1`;
        assert.ok((await pull(ref, robotA)).ok, 'the robot pulls its business image');
        const pushByRobot = await push(image.dir, 'v1', `${registry.host}/${projects.aPrivate}/robot:v1`, robotA);
        assert.ok(!pushByRobot.ok, 'the robot may not push');
        const robotB = `${robots.userName(b.businessId)}:${robots.password(b.businessId)}`;
        assert.ok(!(await pull(ref, robotB)).ok, "B's robot cannot pull A's private image");
        const forged = `${robots.userName(a.businessId)}:${robots.password(b.businessId)}`;
        assert.ok(!(await pull(ref, forged)).ok, 'a wrong robot password is refused');
      });

      it('deleting a tag makes the pull fail; the project holding images cannot be deleted until they go', async () => {
        const repo = `${projects.aPrivate}/gone`;
        const ref = `${registry.host}/${repo}:v1`;
        assert.ok((await push(image.dir, 'v1', ref, creds.a)).ok);
        const projectId = expectStatus(
          await api.get(`/v1/repository/project?projectName=${projects.aPrivate}`, { token: a.admin.token }),
          200,
        ).data[0].projectId;
        const refused = await api.delete('/v1/repository/project', { token: a.admin.token, body: { projectId: [projectId] } });
        expectStatus(refused, 409);
        assert.match(refused.body.message, new RegExp(projects.aPrivate));

        expectStatus(
          await api.delete('/v1/repository/image/tag', { token: a.admin.token, body: { imageName: repo, tag: ['v1'] } }),
          200,
        );
        assert.ok(!(await pull(ref, creds.a)).ok, 'the deleted tag no longer pulls');
        const tags = await api.get(`/v1/repository/image/tag?imageName=${repo}`, { token: a.admin.token });
        assert.equal(tags.status, 404, 'an image without tags is gone');
      });

      it('deleting a tag deletes its manifest, so every tag on the same manifest goes with it (as documented)', async () => {
        const repo = `${projects.aPrivate}/twins`;
        assert.ok((await push(image.dir, 'v1', `${registry.host}/${repo}:v1`, creds.a)).ok);
        assert.ok((await push(image.dir, 'v1', `${registry.host}/${repo}:same`, creds.a)).ok);
        const before = expectStatus(
          await api.get(`/v1/repository/image/tag?imageName=${repo}&pageSize=0`, { token: a.admin.token }),
          200,
        );
        assert.equal(before.total, 2);
        assert.equal(before.data[0].digest, before.data[1].digest, 'one image, two tags');
        expectStatus(
          await api.delete('/v1/repository/image/tag', { token: a.admin.token, body: { imageName: repo, tag: ['v1'] } }),
          200,
        );
        assert.ok(!(await pull(`${registry.host}/${repo}:same`, creds.a)).ok, 'the twin tag is gone too');
        expectStatus(await api.get(`/v1/repository/image/tag?imageName=${repo}`, { token: a.admin.token }), 404);
      });

      it('deletes images through the registry; then the project may go', async () => {
        const name = uniqueName('del');
        const projectId = await project(a, name, false);
        const repo = `${name}/app`;
        assert.ok((await push(image.dir, 'v1', `${registry.host}/${repo}:v1`, creds.a)).ok);
        assert.ok((await push(image.dir, 'v1', `${registry.host}/${repo}:v2`, creds.a)).ok);
        const emptyName = uniqueName('empty');
        const empty = await project(a, emptyName, false);
        const busy = await api.delete('/v1/repository/project', {
          token: a.admin.token,
          body: { projectId: [empty, projectId] },
        });
        expectStatus(busy, 409);
        assert.match(busy.body.message, new RegExp(`"${name}"`));
        assert.doesNotMatch(busy.body.message, new RegExp(emptyName), 'only the project holding images is named');
        const kept = expectStatus(
          await api.get(`/v1/repository/project?projectName=${emptyName}`, { token: a.admin.token }),
          200,
        );
        assert.equal(kept.total, 1, 'all or nothing: the empty project was not deleted either');
        const foreign = await api.delete('/v1/repository/image', { token: b.admin.token, body: { imageName: [repo] } });
        expectStatus(foreign, 404);
        // A public project of another business is readable, never changeable.
        const pub = `${projects.aPublic}/web`;
        expectStatus(await api.get(`/v1/repository/image/tag?imageName=${pub}`, { token: b.admin.token }), 200);
        expectStatus(await api.delete('/v1/repository/image', { token: b.admin.token, body: { imageName: [pub] } }), 404);
        expectStatus(
          await api.delete('/v1/repository/image/tag', { token: b.admin.token, body: { imageName: pub, tag: ['v1'] } }),
          404,
        );
        assert.ok((await pull(`${registry.host}/${pub}:v1`, null)).ok, 'the public image is untouched');
        assert.ok((await pull(`${registry.host}/${repo}:v1`, creds.a)).ok, 'untouched by the refused delete');
        expectStatus(await api.delete('/v1/repository/image', { token: a.admin.token, body: { imageName: [repo] } }), 200);
        for (const tag of ['v1', 'v2']) assert.ok(!(await pull(`${registry.host}/${repo}:${tag}`, creds.a)).ok, `${tag} is gone`);
        const list = expectStatus(await api.get(`/v1/repository/image?projectName=${name}`, { token: a.admin.token }), 200);
        assert.equal(list.total, 0);
        expectStatus(
          await api.delete('/v1/repository/project', { token: a.admin.token, body: { projectId: [projectId, empty] } }),
          200,
        );
      });
    },
  );
}
