import { pacer } from '../lib/slices.js';
import type { LinkContext } from './context.js';
import { type ClusterFactsReader, type DesiredStateContributor, buildDesired } from './desired-builder.js';
import { deltaFrame, fullFrame, stateJson } from './frames.js';
import { bumpGenerations, generations } from './generation-store.js';
import type { Sessions } from './sessions.js';

/**
 * The desired-state pump: computes the desired state of the clusters whose
 * agents this replica holds, moves the changed ones to a new generation, and
 * pushes it: the full state as the first frame of a connection (and to agents
 * that take only full states), then deltas from the state last sent to agents
 * that announced them. One recompute at a time; changes that arrive meanwhile
 * are merged into the next round. A recompute that finds every hash as it was
 * (the safety net, mostly) sends nothing and writes nothing.
 */
export class Pump {
  private pending: Set<number> | 'all' | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly ctx: LinkContext,
    private readonly sessions: Sessions,
    private readonly facts: ClusterFactsReader,
    private readonly contributors: readonly DesiredStateContributor[],
  ) {}

  schedule(clusters: 'all' | readonly number[]): void {
    if (clusters === 'all' || this.pending === 'all') this.pending = 'all';
    else {
      this.pending ??= new Set();
      for (const id of clusters) this.pending.add(id);
    }
    if (!this.running) {
      this.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
    }
  }

  /** Resolves when the recompute under way (if any) is done. */
  async idle(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const p = this.pending;
        this.pending = null;
        try {
          await this.recompute(p);
        } catch (err) {
          this.ctx.log.error({ err }, 'desired-state recompute failed; the periodic recompute retries');
        }
      }
    } finally {
      this.running = null;
    }
  }

  /** Computes the local clusters' desired states, moves changed ones to a new generation, pushes. */
  private async recompute(which: Set<number> | 'all'): Promise<void> {
    const { db } = this.ctx;
    const local = this.sessions;
    const ids = which === 'all' ? local.clusterIds() : [...which].filter((id) => local.get(id) !== undefined);
    if (ids.length === 0) return;
    const t0 = performance.now();
    const computedAt = Date.now();
    const built = await buildDesired(db, await this.facts(db, ids), this.contributors);
    const t1 = performance.now();
    // What the database holds is cached per session; only new sessions need a read.
    const unknown = ids.filter((id) => local.get(id)?.knownHash === null);
    const current = unknown.length > 0 ? await generations(db, unknown) : new Map<number, { generation: number; hash: string }>();
    for (const [id, g] of current) {
      const s = local.get(id);
      if (s) [s.knownHash, s.knownGeneration] = [g.hash, g.generation];
    }
    const changed = new Map<number, string>();
    for (const [id, b] of built) if (local.get(id)?.knownHash !== b.hash) changed.set(id, b.hash);
    const bumped = changed.size > 0 ? await bumpGenerations(db, changed) : new Map<number, number>();
    const missed = [...changed.keys()].filter((id) => !bumped.has(id));
    // Another replica moved these in the meantime: take the generation it wrote.
    const reread = missed.length > 0 ? await generations(db, missed) : new Map<number, { generation: number; hash: string }>();
    const t2 = performance.now();
    let sent = 0;
    let deltas = 0;
    // Clusters that share a state (often a whole fleet): its full frame is written once.
    const full = new Map<string, string>();
    const pace = pacer();
    for (const [id, b] of built) {
      const p = pace();
      if (p) await p;
      const s = local.get(id);
      if (!s) continue;
      const generation = bumped.get(id) ?? reread.get(id)?.generation ?? s.knownGeneration;
      if (generation === null) continue;
      [s.knownHash, s.knownGeneration] = [b.hash, generation];
      if (s.sentGeneration === generation) continue;
      if (s.deltas && s.lastSent && s.sentGeneration !== null) {
        s.sendRaw(deltaFrame(generation, s.sentGeneration, s.lastSent.state, b.state, b.hash));
        deltas++;
      } else {
        let text = full.get(b.hash);
        if (text === undefined) full.set(b.hash, (text = stateJson(b.state)));
        s.sendRaw(fullFrame(generation, text, s.deltas ? b.hash : null));
      }
      s.sentGeneration = generation;
      s.lastSent = b;
      // A change (not a resend): ote_desired_state_seconds measures it until the agent acknowledges.
      if (bumped.has(id) && s.delivery === null) s.delivery = { generation, since: computedAt };
      sent++;
    }
    const ms = (a: number, b: number) => Math.round(b - a);
    this.ctx.log.debug(
      {
        clusters: ids.length,
        changed: changed.size,
        sent,
        deltas,
        buildMs: ms(t0, t1),
        generationsMs: ms(t1, t2),
        sendMs: ms(t2, performance.now()),
      },
      'desired state recomputed',
    );
  }
}
