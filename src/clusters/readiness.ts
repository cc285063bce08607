/**
 * A cluster is ready while an agent holds it (on any replica) and its last
 * heartbeat is younger than the grace period (API.md §5). Replicas flush
 * heartbeats to the database well inside the grace, so every replica agrees.
 */
export function isReady(
  c: { session_id: string | null; last_heartbeat: number | null },
  now: number,
  graceSeconds: number,
): boolean {
  return c.session_id !== null && c.last_heartbeat !== null && now - c.last_heartbeat < graceSeconds;
}
