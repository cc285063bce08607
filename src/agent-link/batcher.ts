import type { Logger } from '../lib/log.js';
import * as store from './store.js';

/**
 * Heartbeats and acknowledgements arrive with every frame; the database takes
 * them in batches on each `flush`, one transaction a flush (store.ts `writeBatch`).
 */
export class Batcher {
  private heartbeats = new Map<number, number>();
  private acks = new Map<number, number>();

  constructor(private readonly db: store.Db) {}

  heartbeat(clusterId: number, at: number): void {
    this.heartbeats.set(clusterId, at);
  }

  ack(clusterId: number, generation: number): void {
    this.acks.set(clusterId, generation);
  }

  /** Writes the batched heartbeats and acknowledgements; on failure keeps them for the next flush. */
  async flush(log: Logger): Promise<void> {
    const heartbeats = this.heartbeats;
    const acks = this.acks;
    if (heartbeats.size === 0 && acks.size === 0) return;
    this.heartbeats = new Map();
    this.acks = new Map();
    try {
      await store.writeBatch(this.db, { last_heartbeat: heartbeats, acked_generation: acks });
    } catch (err) {
      // Keep them for the next flush unless newer values arrived meanwhile.
      for (const [id, t] of heartbeats) if (!this.heartbeats.has(id)) this.heartbeats.set(id, t);
      for (const [id, g] of acks) if (!this.acks.has(id)) this.acks.set(id, g);
      log.warn({ err }, 'could not write agent heartbeats; retrying');
    }
  }
}
