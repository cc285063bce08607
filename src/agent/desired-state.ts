import type { DeltaMessage, DesiredState, HubMessage, PullSecret } from '../agent-link/protocol.js';
import { keyed, secretFacts, stateHash, workloadFacts } from '../agent-link/state-hash.js';

type Workload = Record<string, unknown>;

export type Taken =
  | { readonly generation: number; readonly state: DesiredState }
  /** The frame could not be applied: ask the hub for the full state (once; later deltas are dropped until it comes). */
  | { readonly resync: string }
  /** Nothing to do (a delta dropped while a full state is on its way). */
  | null;

/**
 * The agent's copy of its desired state, kept from the hub's frames: a full
 * state replaces it, a delta is applied to it and checked against the hash the
 * hub sent (state-hash.ts). On a base it does not hold or a hash that differs
 * the agent asks for the full state and applies nothing meanwhile.
 */
export class DesiredStateCopy {
  private generation: number | null = null;
  private namespaces: string[] = [];
  private nodeLabels: Record<string, string[]> = {};
  private paused = false;
  private secrets = new Map<string, PullSecret>();
  private workloads = new Map<string, Workload>();
  private awaitingFull = false;

  /** A new connection: its first frame is a full state. */
  reset(): void {
    this.generation = null;
    this.awaitingFull = false;
  }

  take(msg: HubMessage): Taken {
    if (msg.type === 'desired') {
      const s = msg.state;
      this.generation = msg.generation;
      this.namespaces = s.namespaces;
      this.nodeLabels = s.nodeLabels;
      this.paused = s.paused;
      this.secrets = keyed(s.pullSecrets, secretFacts);
      this.workloads = keyed(s.workloads, workloadFacts);
      this.awaitingFull = false;
      return { generation: msg.generation, state: s };
    }
    if (this.awaitingFull) return null;
    const why = this.apply(msg);
    if (why !== null) {
      this.generation = null;
      this.awaitingFull = true;
      return { resync: why };
    }
    return { generation: msg.generation, state: this.state() };
  }

  private apply(d: DeltaMessage): string | null {
    if (this.generation === null) return `a delta on generation ${d.baseGeneration} arrived before any full state`;
    if (d.baseGeneration !== this.generation)
      return `a delta on generation ${d.baseGeneration}, but this agent holds ${this.generation}`;
    if (d.namespaces) this.namespaces = d.namespaces;
    if (d.nodeLabels) this.nodeLabels = d.nodeLabels;
    if (d.paused !== undefined) this.paused = d.paused;
    if (d.pullSecrets) applyChanges(this.secrets, d.pullSecrets, secretFacts);
    if (d.workloads) applyChanges(this.workloads, d.workloads, workloadFacts);
    const hash = stateHash(this.state());
    if (hash !== d.hash)
      return `the state assembled from generation ${d.baseGeneration} and the delta to ${d.generation} does not match the hub's hash`;
    this.generation = d.generation;
    return null;
  }

  private state(): DesiredState {
    return {
      namespaces: this.namespaces,
      nodeLabels: this.nodeLabels,
      pullSecrets: [...this.secrets.values()],
      workloads: [...this.workloads.values()],
      paused: this.paused,
    };
  }
}

function applyChanges<T extends object>(
  held: Map<string, T>,
  c: { put: T[]; remove: string[] },
  factsOf: (o: T) => { key: string },
): void {
  for (const key of c.remove) held.delete(key);
  for (const o of c.put) held.set(factsOf(o).key, o);
}
