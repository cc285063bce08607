import type { DesiredState } from '../agent-link/protocol.js';
import { type BackoffPolicy, RECONCILE_BACKOFF, backoffDelay } from './backoff.js';
import type { Logger } from './log.js';

export const DEFAULT_RESYNC_MS = 5 * 60_000;

export interface Desired {
  readonly generation: number;
  readonly state: DesiredState;
}

export interface Ack {
  readonly generation: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface ReconcilerDeps {
  /** Applies a state; returns what failed ([] = converged). */
  readonly apply: (state: DesiredState) => Promise<string[]>;
  /** Reports the outcome to the hub (dropped when disconnected: the next hello carries `appliedGeneration`). */
  readonly ack: (ack: Ack) => void;
  readonly log: Logger;
  readonly backoff?: BackoffPolicy;
  /** Re-applies the last state this often, repairing drift (a hand-deleted namespace or label). */
  readonly resyncMs?: number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
  readonly random?: () => number;
}

/**
 * Applies desired states one at a time, the newest winning: a state that
 * arrives during a reconcile is applied right after it, and older queued ones
 * are skipped. A failed reconcile is acked `ok: false` and retried with
 * backoff until it succeeds or a newer state arrives; a state that succeeded
 * is re-applied every `resyncMs` (as controllers resync) so drift is repaired
 * even when the hub has nothing new to say. A paused state is not
 * applied and not acked (the hub sees the cluster has not taken that
 * generation); the resume arrives as a new generation.
 */
export class Reconciler {
  private latest: Desired | null = null;
  private running: Promise<void> | null = null;
  private retryTimer: unknown = null;
  private failures = 0;
  private stopped = false;
  private applied: number | null = null;
  /** The last ack sent, so a resync that changes nothing says nothing. */
  private lastAck = '';
  private pausedAt: number | null = null;

  constructor(private readonly deps: ReconcilerDeps) {}

  /** The last generation applied completely, or null. */
  get appliedGeneration(): number | null {
    return this.applied;
  }

  /** The generation received paused, while it is the newest. */
  get pausedGeneration(): number | null {
    return this.pausedAt;
  }

  submit(desired: Desired): void {
    if (this.stopped) return;
    this.cancelRetry();
    this.failures = 0;
    // Whatever the hub sends is answered, even if the outcome is the same as last time (e.g. after a reconnect).
    this.lastAck = '';
    this.latest = desired;
    this.kick();
  }

  /** Resolves when nothing is running (a scheduled retry may remain). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry();
    this.latest = null;
    await this.idle();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.latest && !this.stopped) {
      const d = this.latest;
      this.latest = null;
      if (d.state.paused) {
        this.pausedAt = d.generation;
        this.deps.log.info({ generation: d.generation }, 'cluster paused: generation received, nothing applied');
        continue;
      }
      this.pausedAt = null;
      let errors: string[];
      try {
        errors = await this.deps.apply(d.state);
      } catch (err) {
        errors = [err instanceof Error ? err.message : String(err)];
      }
      if (errors.length === 0) {
        this.applied = d.generation;
        this.failures = 0;
        this.sendAck({ generation: d.generation, ok: true });
        if (!this.latest) this.again(d, this.deps.resyncMs ?? DEFAULT_RESYNC_MS);
        continue;
      }
      const error = errors.join('; ');
      this.sendAck({ generation: d.generation, ok: false, error });
      if (!this.latest) this.again(d, backoffDelay(this.deps.backoff ?? RECONCILE_BACKOFF, this.failures++, this.deps.random));
    }
  }

  private sendAck(ack: Ack): void {
    const text = JSON.stringify(ack);
    if (text === this.lastAck) return;
    this.lastAck = text;
    if (ack.ok) this.deps.log.info({ generation: ack.generation }, 'desired state applied');
    else this.deps.log.warn({ generation: ack.generation, error: ack.error }, 'desired state not fully applied; retrying');
    this.deps.ack(ack);
  }

  private again(d: Desired, delay: number): void {
    const set = this.deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.retryTimer = set(() => {
      this.retryTimer = null;
      if (this.stopped || this.latest) return;
      this.latest = d;
      this.kick();
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer === null) return;
    (this.deps.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout)))(this.retryTimer);
    this.retryTimer = null;
  }
}
