import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Config, loadConfig } from '../../src/config/config.js';
import { createHub, type Hub, type HubOptions } from '../../src/server/app.js';

export type DbKind = 'sqlite' | 'postgres';

/** The integration suite runs once per engine; OTE_TEST_DATABASES narrows it (e.g. "sqlite"). */
export const DATABASES: readonly DbKind[] = (process.env.OTE_TEST_DATABASES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is DbKind => s === 'sqlite' || s === 'postgres');

const PG_ADMIN_URL = process.env.OTE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const ADMIN = { user: 'admin', password: 'Admin-Passw0rd' } as const;

/** A database for one test hub: a temp directory, plus a fresh PostgreSQL database when asked. */
export class TestDatabase {
  private constructor(
    readonly kind: DbKind,
    readonly dataDir: string,
    readonly url: string | undefined,
    private readonly pgName: string | undefined,
  ) {}

  static async create(kind: DbKind): Promise<TestDatabase> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-test-'));
    if (kind === 'sqlite') return new TestDatabase(kind, dataDir, undefined, undefined);
    const name = `ote_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${name}`;
    return new TestDatabase(kind, dataDir, u.toString(), name);
  }

  async drop(): Promise<void> {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    if (!this.pgName) return;
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      await client.query(`drop database if exists ${this.pgName} with (force)`);
    } finally {
      await client.end();
    }
  }
}

export interface TestHub {
  readonly url: string;
  readonly hub: Hub;
  readonly config: Config;
  readonly database: TestDatabase;
  /** Stops the hub only (the database stays, for restart tests). */
  stop(): Promise<void>;
  /** Stops the hub and drops its database. */
  close(): Promise<void>;
}

/**
 * Starts a real hub on a loopback port over a real database. `env` adds or
 * overrides OTE_* settings; pass `database` to restart on the same data.
 */
export async function startHub(
  kind: DbKind,
  env: Record<string, string> = {},
  database?: TestDatabase,
  hubOptions?: HubOptions,
): Promise<TestHub> {
  const db = database ?? (await TestDatabase.create(kind));
  try {
    const config = loadConfig({
      OTE_DATA_DIR: db.dataDir,
      OTE_ADMIN_USER: ADMIN.user,
      OTE_ADMIN_PASSWORD: ADMIN.password,
      OTE_PORT: '0',
      OTE_LOG_LEVEL: process.env.OTE_TEST_LOG_LEVEL ?? 'silent',
      ...(db.url ? { OTE_DATABASE_URL: db.url } : {}),
      ...env,
    });
    const hub = await createHub(config, hubOptions);
    const address = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await hub.close();
    };
    return {
      url: address,
      hub,
      config,
      database: db,
      stop,
      close: async () => {
        try {
          await stop();
        } finally {
          if (!database) await db.drop();
        }
      },
    };
  } catch (err) {
    if (!database) await db.drop();
    throw err;
  }
}
