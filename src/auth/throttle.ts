import type { Db } from '../db/types.js';

export interface ThrottleLimits {
  /** Consecutive failures of one (user name, address) pair before it waits. */
  readonly pairFailures: number;
  /** First wait in seconds, doubled per further failure up to `pairMaxDelay`. */
  readonly pairDelay: number;
  readonly pairMaxDelay: number;
  /** Failures a minute from one address beyond which the address waits. */
  readonly addressFailures: number;
  /** Failures of one user name, from any addresses, within `nameWindow` seconds... */
  readonly nameFailures: number;
  readonly nameWindow: number;
  /** ...after which that name takes at most one attempt per `nameInterval` seconds. */
  readonly nameInterval: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  pairFailures: 5,
  pairDelay: 1,
  pairMaxDelay: 300,
  addressFailures: 30,
  nameFailures: 20,
  nameWindow: 15 * 60,
  nameInterval: 10,
};

/** The state of one key (a pair, a name or an address); times in milliseconds. */
export interface ThrottleRow {
  /** Consecutive failures (pairs). */
  failures: number;
  /** No attempt before this time (pairs; names over their limit). */
  until: number;
  /** The newest failures' times, oldest first (addresses and names: a sliding window). */
  times: number[];
}

/**
 * Where the rows live. `update` runs `fn` over the rows of `keys` (a missing one
 * as an empty row) and stores what it changed, atomically: no other update of
 * those keys, in this process or another replica, interleaves with it.
 */
export interface ThrottleStore {
  /** `within`: a transaction of the caller's to run in (a database store; the memory store has none). */
  update<R>(keys: readonly string[], fn: (rows: Map<string, ThrottleRow>) => R, within?: Db): Promise<R>;
  /** Forgets rows untouched since `before` (ms) that block nothing any more. */
  prune(before: number): Promise<void>;
}

/** What a caller holds while its credentials are verified. */
export interface Reservation {
  /**
   * The credentials were right: the pair is reset, the attempt no longer counts as a failure.
   * `within`: the caller's transaction, committed with what else the login writes.
   */
  release(within?: Db): Promise<void>;
}

const ADDRESS_WINDOW_MS = 60_000;

/**
 * Login throttling (API.md §3), for logins and the registry's Basic
 * credentials alike. An attempt is counted as a failure *before* the password
 * is verified (a reservation) and released when it proves right, so guesses
 * in flight count: N sent at once are verified no more often than N sent one
 * after another. Three keys are checked and counted together: the (name,
 * address) pair (waits that double), the address (failures a minute), and the
 * name across all addresses (beyond its limit, one attempt per interval —
 * a delay, never a lockout: a right password in that attempt logs in). The
 * state is in a store shared by every replica (the database).
 */
export class LoginThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly limits: ThrottleLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Reserves an attempt: `{ wait }` in whole seconds when the caller must wait
   * (nothing is counted then), else a reservation to release on success.
   */
  async reserve(userKey: string, address: string): Promise<{ wait: number } | Reservation> {
    const keys = keysOf(userKey, address);
    const now = this.now();
    const L = this.limits;
    const waitMs = await this.store.update(Object.values(keys), (rows) => {
      const pair = rows.get(keys.pair)!;
      const name = rows.get(keys.name)!;
      const addr = rows.get(keys.address)!;
      slide(addr, now - ADDRESS_WINDOW_MS);
      slide(name, now - L.nameWindow * 1000);
      let wait = Math.max(0, pair.until - now, name.until - now);
      if (addr.times.length > L.addressFailures) {
        // Free again when enough failures have left the window.
        wait = Math.max(wait, addr.times[addr.times.length - 1 - L.addressFailures] + ADDRESS_WINDOW_MS - now);
      }
      if (wait > 0) return wait;
      // Counted as a failure until it proves right.
      pair.failures += 1;
      const over = pair.failures - L.pairFailures;
      if (over >= 0) pair.until = now + Math.min(L.pairDelay * 2 ** Math.min(over, 30), L.pairMaxDelay) * 1000;
      if (name.times.length >= L.nameFailures) name.until = now + L.nameInterval * 1000;
      push(name, now, L.nameFailures + 1);
      push(addr, now, L.addressFailures + 1);
      return 0;
    });
    if (waitMs > 0) return { wait: Math.ceil(waitMs / 1000) };
    return {
      release: (within?: Db) =>
        this.store.update(
          Object.values(keys),
          (rows) => {
            const pair = rows.get(keys.pair)!;
            pair.failures = 0;
            pair.until = 0;
            // Only this attempt's own mark goes: other addresses' failures on the name stay.
            unmark(rows.get(keys.name)!, now);
            unmark(rows.get(keys.address)!, now);
          },
          within,
        ),
    };
  }

  /** Forgets what can no longer make anyone wait. */
  prune(): Promise<void> {
    const L = this.limits;
    const keepMs = Math.max(L.pairMaxDelay * 3, L.nameWindow, L.nameInterval, 60) * 1000;
    return this.store.prune(this.now() - keepMs);
  }
}

// JSON text: unambiguous, and control characters (a NUL in a registry user name) are escaped
// (PostgreSQL text refuses a NUL). Sorted order (address, name, pair) is a store's lock order.
const keysOf = (userKey: string, address: string) => ({
  address: `a:${JSON.stringify(address)}`,
  name: `n:${JSON.stringify(userKey)}`,
  pair: `p:${JSON.stringify([userKey, address])}`,
});

function slide(row: ThrottleRow, after: number): void {
  while (row.times.length > 0 && row.times[0] <= after) row.times.shift();
}

function push(row: ThrottleRow, at: number, keep: number): void {
  row.times.push(at);
  // Only the newest `keep` failures matter for any decision.
  while (row.times.length > keep) row.times.shift();
}

function unmark(row: ThrottleRow, at: number): void {
  const i = row.times.lastIndexOf(at);
  if (i >= 0) row.times.splice(i, 1);
}

/** A store in this process's memory: for unit tests of the rules (the hub uses the database). */
export class MemoryThrottleStore implements ThrottleStore {
  private readonly rows = new Map<string, ThrottleRow & { touched: number }>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly now: () => number = Date.now) {}

  update<R>(keys: readonly string[], fn: (rows: Map<string, ThrottleRow>) => R): Promise<R> {
    const run = this.chain.then(() => {
      const view = new Map<string, ThrottleRow>();
      for (const k of keys) {
        const r = this.rows.get(k);
        view.set(k, r ? { failures: r.failures, until: r.until, times: [...r.times] } : { failures: 0, until: 0, times: [] });
      }
      const result = fn(view);
      for (const [k, r] of view) this.rows.set(k, { ...r, touched: this.now() });
      return result;
    });
    this.chain = run.catch(() => {});
    return run;
  }

  prune(before: number): Promise<void> {
    for (const [k, r] of this.rows) if (r.touched < before && r.until < this.now()) this.rows.delete(k);
    return Promise.resolve();
  }

  get size(): number {
    return this.rows.size;
  }
}
