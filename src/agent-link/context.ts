import { type Logger, silentLogger } from '../lib/log.js';
import type { Relay } from './relay.js';
import type { Db } from './store.js';

/** Why a held agent connection ended (the `reason` of ote_agent_disconnects_total). */
export type DisconnectReason =
  'token' | 'replaced' | 'protocol' | 'silent' | 'error' | 'hub_stopping' | 'agent_stopped' | 'network';

/** What the agent link reports for the hub's per-replica metrics (server/metrics.ts counts it). */
export interface LinkObserver {
  disconnected(reason: DisconnectReason): void;
  /** An agent acknowledged a desired state with an error. */
  applyFailed(): void;
  /** A changed desired state was acknowledged this long after the replica computed it. */
  delivered(seconds: number): void;
}

const unobserved: LinkObserver = { disconnected: () => {}, applyFailed: () => {}, delivered: () => {} };

/** What the agent link's parts share: the database, the relay, the logger (given at start) and background writes. */
export class LinkContext {
  log: Logger = silentLogger;
  observer: LinkObserver = unobserved;
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    readonly db: Db,
    readonly relay: Relay,
  ) {}

  /** A write nobody waits for: its failure is logged, and `settle` waits for it on stop. */
  track(p: Promise<unknown>): void {
    const guarded = p.catch((err: unknown) => this.log.warn({ err }, 'agent link background write failed'));
    this.background.add(guarded);
    void guarded.finally(() => this.background.delete(guarded));
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }
}
