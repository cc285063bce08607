import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, TestDatabase, type TestHub, startHub } from '../helpers/hub.js';

/**
 * A TCP relay on a loopback port in front of the real PostgreSQL server, so a
 * test can cut the hub off its database (and restore it) without touching the
 * server everybody shares.
 */
class Relay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Refuses new connections and cuts the open ones, as a database outage would. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** What the hub answers while PostgreSQL is unreachable (API.md §1: 503, not 500), and that it recovers. */
for (const db of DATABASES.filter((d) => d === 'postgres')) {
  describe(`database outage [${db}]`, () => {
    let database: TestDatabase;
    let relay: Relay;
    let hub: TestHub;
    let api: Api;
    before(async () => {
      database = await TestDatabase.create(db);
      const url = new URL(database.url!);
      relay = new Relay({ host: url.hostname, port: Number(url.port || 5432) });
      await relay.open();
      url.host = `127.0.0.1:${relay.port}`;
      hub = await startHub(db, { OTE_DATABASE_URL: url.toString() }, database);
      api = new Api(hub.url);
    });
    after(async () => {
      await hub?.stop();
      await relay?.cut();
      await database?.drop();
    });

    it('answers 503 from /readyz and from API calls while the database is unreachable, and recovers', async () => {
      const token = await api.login(ADMIN.user, ADMIN.password);
      expectStatus(await api.get('/readyz'), 200);
      await relay.cut();

      const ready = await api.get('/readyz');
      expectStatus(ready, 503, 'readyz');
      assert.equal(expectStatus(await api.get('/healthz'), 200).message, 'alive', 'the process itself is alive');
      for (const res of [
        await api.get('/v1/authorization', { token }),
        await api.post('/v1/authorization', { body: { user: ADMIN.user, password: ADMIN.password } }),
      ]) {
        expectStatus(res, 503);
        assert.match(res.body.message, /database is unavailable/);
        assert.doesNotMatch(res.text, /ECONN|127\.0\.0\.1|postgres/i, 'no connection details');
      }

      await relay.open(); // same port: the hub's pool reconnects by itself
      const deadline = Date.now() + 15_000;
      while ((await api.get('/readyz')).status !== 200) {
        assert.ok(Date.now() < deadline, 'the hub did not recover within 15 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      expectStatus(await api.get('/v1/authorization', { token }), 200, 'the token survived the outage');
    });
  });
}
