import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrate.js';
import { PacedSqliteDialect } from './paced-sqlite.js';
import { cachingSqlite, preparingPool } from './statements.js';
import type { Database, Db } from './types.js';

export type { Db } from './types.js';

export type DialectName = 'sqlite' | 'postgres';

/** The opened database: the query builder (`kysely`) plus what the process needs around it. */
export interface DatabaseHandle {
  readonly kysely: Db;
  readonly dialect: DialectName;
  /** Where the database lives, without credentials (for logs). */
  readonly description: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// int8 (COUNT(*), bigint columns) arrives as a string from pg; every such value
// here (times, byte sizes, counts) fits in a double exactly.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

interface OpenOptions {
  readonly databaseUrl?: string;
  readonly dataDir: string;
}

/** Opens SQLite in the data directory, or PostgreSQL when a URL is given, and migrates it. */
export async function openDatabase(opts: OpenOptions): Promise<DatabaseHandle> {
  const db = opts.databaseUrl ? openPostgres(opts.databaseUrl) : openSqlite(opts.dataDir);
  try {
    await migrateToLatest(db.kysely, db.dialect);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

function openSqlite(dataDir: string): DatabaseHandle {
  makeDataDir(dataDir);
  const file = path.resolve(dataDir, 'ote.db');
  // The file holds password hashes and sessions: owner only. SQLite creates -wal and -shm
  // with the database file's mode, so they follow; an older, looser file is tightened.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) tighten(f);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: in WAL mode NORMAL may lose the last commits on a power cut; FULL
  // syncs the WAL on every commit, so a committed change survives one.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({ dialect: new PacedSqliteDialect({ database: cachingSqlite(sqlite) }) });
  return {
    kysely,
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}

/** Creates the data directory owner-only (0700); one that exists keeps its mode (the operator's choice). */
export function makeDataDir(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/** Drops group and other permissions of a file, if it exists. */
function tighten(file: string): void {
  try {
    const { mode } = fs.statSync(file);
    if ((mode & 0o077) !== 0) fs.chmodSync(file, mode & 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function openPostgres(url: string): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // A checked-out client has no listener of the pool's, and Kysely adds none: a connection lost
  // mid-query would be an uncaught 'error' event that kills the hub. The query itself still fails.
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  const u = new URL(url);
  return {
    kysely,
    dialect: 'postgres',
    description: `postgres://${u.host}${u.pathname}`,
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}
