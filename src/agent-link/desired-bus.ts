/**
 * The wake-up signal for desired state. The database is the truth: a domain
 * commits its change (in one transaction), then calls `changed` so the hub
 * recomputes and pushes the affected clusters' desired state. The agent-link
 * implementation also relays it to other replicas (PostgreSQL NOTIFY).
 */
export interface DesiredStateBus {
  /** Call after the commit. `'all'` when every cluster may be affected (businesses, settings). */
  changed(clusters: 'all' | readonly number[]): void;
}

/** Until the agent link is assembled (and in unit tests): nothing to wake. */
export const noDesiredStateBus: DesiredStateBus = { changed: () => {} };
