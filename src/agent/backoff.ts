/** Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
export interface BackoffPolicy {
  /** Milliseconds of the first ceiling. */
  readonly baseMs: number;
  /** The ceiling never exceeds this. */
  readonly capMs: number;
}

/** Redialing the hub: 0.5 s doubling to 30 s. */
export const DIAL_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };
/** Retrying a reconcile that failed: 1 s doubling to 60 s. */
export const RECONCILE_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 60_000 };

/**
 * The wait before retry number `attempt` (0 for the first retry): uniform in
 * [0, min(cap, base·2^attempt)], so many agents cut off by one hub restart do
 * not redial in lock step.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
