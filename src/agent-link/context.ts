import { type Logger, silentLogger } from '../lib/log.js';
import type { Relay } from './relay.js';
import type { Db } from './store.js';

/** What the agent link's parts share: the database, the relay, the logger (given at start) and background writes. */
export class LinkContext {
  log: Logger = silentLogger;
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    readonly db: Db,
    readonly relay: Relay,
  ) {}

  /** A write nobody waits for: its failure is logged, and `settle` waits for it on stop. */
  track(p: Promise<unknown>): void {
    const guarded = p.catch((err) => this.log.warn({ err }, 'agent link background write failed'));
    this.background.add(guarded);
    void guarded.finally(() => this.background.delete(guarded));
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }
}
