import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/types.js';
import { type Logger, silentLogger } from '../lib/log.js';

/** What one replica tells the others; the database stays the truth, these only wake them up. */
export type RelayMessage =
  | { readonly kind: 'desired'; readonly clusters: 'all' | readonly number[] }
  /** The cluster's token was rotated or the cluster deleted: close its agent with 4001. */
  | { readonly kind: 'revoke'; readonly cluster: number }
  /** A newer connection of the cluster (`session`) arrived: any other closes with 4002. */
  | { readonly kind: 'session'; readonly cluster: number; readonly session: string };

export interface Relay {
  /** Other hub processes may hold agents of the same database (PostgreSQL); false: this process is alone. */
  readonly shared: boolean;
  publish(msg: RelayMessage): void;
  /** `onResync` runs after a (re)connection of the listener, when notifications may have been missed. */
  start(onMessage: (msg: RelayMessage) => void, onResync: () => void, log: Logger): Promise<void>;
  stop(): Promise<void>;
}

/** SQLite means one process: everything is in-process already. */
export const localRelay: Relay = { shared: false, publish: () => {}, start: async () => {}, stop: async () => {} };

const CHANNEL = 'ote_agent_link';
/** PostgreSQL's NOTIFY payload limit is 8000 bytes: a longer cluster list becomes "all". */
const MAX_PAYLOAD = 7000;

/**
 * PostgreSQL LISTEN/NOTIFY between hub replicas: NOTIFY through the shared
 * pool, LISTEN on one dedicated connection that redials with backoff.
 */
export class PgRelay implements Relay {
  readonly shared = true;
  private client: pg.Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private backoff = 500;

  constructor(
    private readonly url: string,
    private readonly db: Kysely<Database>,
    private readonly origin: string,
  ) {}

  private log: Logger = silentLogger;

  publish(msg: RelayMessage): void {
    let payload = JSON.stringify({ ...msg, origin: this.origin });
    if (payload.length > MAX_PAYLOAD && msg.kind === 'desired') {
      payload = JSON.stringify({ kind: 'desired', clusters: 'all', origin: this.origin });
    }
    sql`select pg_notify(${CHANNEL}, ${payload})`.execute(this.db).catch((err) => {
      // The periodic recompute on every replica catches up without it.
      this.log.warn({ err }, 'could not notify the other hub replicas');
    });
  }

  async start(onMessage: (msg: RelayMessage) => void, onResync: () => void, log: Logger): Promise<void> {
    this.log = log;
    await this.connect(onMessage, onResync, false);
  }

  private async connect(onMessage: (msg: RelayMessage) => void, onResync: () => void, resync: boolean): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    const redial = (err: unknown) => {
      if (this.client !== client || this.stopped) return;
      this.client = null;
      client.end().catch(() => {});
      this.log.warn({ err }, 'lost the replica notification channel; redialing');
      this.retry = setTimeout(() => {
        this.retry = null;
        this.connect(onMessage, onResync, true).catch(() => {});
      }, this.backoff);
      this.backoff = Math.min(this.backoff * 2, 30_000);
    };
    client.on('error', redial);
    client.on('end', () => redial(new Error('connection ended')));
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      try {
        const msg = JSON.parse(n.payload) as RelayMessage & { origin?: string };
        if (msg.origin !== this.origin) onMessage(msg);
      } catch {
        // Not ours; ignore.
      }
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.backoff = 500;
      if (resync) onResync();
    } catch (err) {
      // The hub serves on; the periodic recompute covers the gap until the redial succeeds.
      redial(err);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => {});
  }
}
