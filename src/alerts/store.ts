import type { Scope } from '../access/scope.js';
import type { Db } from '../db/types.js';

export interface ExternalAlert {
  readonly fingerprint: string;
  readonly name: string;
  readonly clusterName: string | null;
  readonly businessId: number | null;
  readonly message: string;
  readonly severity: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt: number;
  readonly endsAt: number | null;
}

export async function upsertExternal(db: Db, a: ExternalAlert, now: number): Promise<void> {
  const values = {
    name: a.name,
    cluster_name: a.clusterName,
    business_id: a.businessId,
    message: a.message,
    severity: a.severity,
    labels: JSON.stringify(a.labels),
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    update_time: now,
  };
  await db
    .insertInto('external_alerts')
    .values({ fingerprint: a.fingerprint, ...values })
    .onConflict((oc) => oc.column('fingerprint').doUpdateSet(values))
    .execute();
}

export async function deleteExternal(db: Db, fingerprints: readonly string[]): Promise<void> {
  if (fingerprints.length > 0) await db.deleteFrom('external_alerts').where('fingerprint', 'in', fingerprints).execute();
}

/** Firing external alerts a scope may see: platform-wide ones, and those of its own business. */
export function firingExternal(db: Db, scope: Scope, now: number) {
  let q = db
    .selectFrom('external_alerts')
    .selectAll()
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]));
  if (scope.kind === 'tenant') {
    q = q.where((eb) => eb.or([eb('business_id', 'is', null), eb('business_id', '=', scope.businessId)]));
  }
  return q.execute();
}

/**
 * Running applications a scope may see (the per-cluster states are derived by src/apps/status.ts).
 * It reads Application Management's table: it moves to apps/ with that domain's stores (issue 9).
 */
export function runningApps(db: Db, scope: Scope) {
  let q = db.selectFrom('applications').selectAll().where('running_revision', 'is not', null);
  if (scope.kind === 'tenant') q = q.where('business_id', '=', scope.businessId);
  return q.execute();
}
