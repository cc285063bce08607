import { LRUCache } from 'lru-cache';

export interface ThrottleLimits {
  /** Consecutive failures of one (user name, address) pair before it waits. */
  readonly pairFailures: number;
  /** First wait in seconds, doubled per further failure up to `pairMaxDelay`. */
  readonly pairDelay: number;
  readonly pairMaxDelay: number;
  /** Failures a minute from one address beyond which the address waits. */
  readonly addressFailures: number;
}

interface PairState {
  failures: number;
  until: number;
}

const WINDOW_MS = 60_000;

/**
 * Login throttling. The pair key includes the client address, so an attacker
 * elsewhere cannot lock a real user out; a pair waits at most `pairMaxDelay`,
 * and a success resets it. State is per hub process and bounded (LRU).
 */
export class LoginThrottle {
  private readonly pairs: LRUCache<string, PairState>;
  private readonly addresses: LRUCache<string, number[]>;

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {
    const ttl = Math.max(limits.pairMaxDelay * 1000 * 3, 15 * 60_000);
    this.pairs = new LRUCache({ max: 100_000, ttl, ttlAutopurge: false });
    this.addresses = new LRUCache({ max: 100_000, ttl: WINDOW_MS * 2 });
  }

  /** Seconds the caller must wait before trying, or 0. */
  retryAfter(userKey: string, address: string): number {
    const now = this.now();
    let waitMs = 0;
    const pair = this.pairs.get(pairKey(userKey, address));
    if (pair && pair.until > now) waitMs = pair.until - now;
    const times = this.recent(address, now);
    if (times.length > this.limits.addressFailures) {
      // Free again when enough failures have left the window.
      const freeAt = times[times.length - 1 - this.limits.addressFailures] + WINDOW_MS;
      waitMs = Math.max(waitMs, freeAt - now);
    }
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  failure(userKey: string, address: string): void {
    const now = this.now();
    const key = pairKey(userKey, address);
    const pair = this.pairs.get(key) ?? { failures: 0, until: 0 };
    pair.failures += 1;
    const over = pair.failures - this.limits.pairFailures;
    if (over >= 0) {
      const delay = Math.min(this.limits.pairDelay * 2 ** Math.min(over, 30), this.limits.pairMaxDelay);
      pair.until = now + delay * 1000;
    }
    this.pairs.set(key, pair);
    const times = this.recent(address, now);
    times.push(now);
    // Only the newest limit+1 failures matter for the decision.
    if (times.length > this.limits.addressFailures + 1) times.shift();
    this.addresses.set(address, times);
  }

  success(userKey: string, address: string): void {
    this.pairs.delete(pairKey(userKey, address));
  }

  private recent(address: string, now: number): number[] {
    const times = this.addresses.get(address) ?? [];
    while (times.length > 0 && times[0] <= now - WINDOW_MS) times.shift();
    return times;
  }
}

const pairKey = (userKey: string, address: string) => `${userKey}\u0000${address}`;
