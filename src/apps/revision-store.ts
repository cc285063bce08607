import type { Insertable, Selectable, Updateable } from 'kysely';
import { RevisionStatus, type RevisionStatusCode } from '../access/revision-status.js';
import type { Scope } from '../access/scope.js';
import type { AppRevisionsTable } from '../db/app-tables.js';
import { chunks } from '../lib/chunks.js';
import { type Db, scoped } from './store.js';

/** app_revisions: the audited specs of each application, reached through their application's scope. */
export type RevisionRecord = Selectable<AppRevisionsTable>;

export function getRevision(db: Db, scope: Scope, appId: number, revision: number): Promise<RevisionRecord | undefined> {
  return scoped(
    db
      .selectFrom('app_revisions')
      .innerJoin('applications', 'applications.id', 'app_revisions.app_id')
      .selectAll('app_revisions')
      .where('app_revisions.app_id', '=', appId)
      .where('app_revisions.revision', '=', revision),
    scope,
  ).executeTakeFirst();
}

export function listRevisions(db: Db, scope: Scope, appId: number): Promise<RevisionRecord[]> {
  return scoped(
    db
      .selectFrom('app_revisions')
      .innerJoin('applications', 'applications.id', 'app_revisions.app_id')
      .selectAll('app_revisions')
      .where('app_revisions.app_id', '=', appId)
      .orderBy('app_revisions.revision', 'desc'),
    scope,
  ).execute();
}

export async function insertRevision(db: Db, row: Insertable<AppRevisionsTable>): Promise<void> {
  await db.insertInto('app_revisions').values(row).execute();
}

export async function updateRevision(db: Db, appId: number, revision: number, set: Updateable<AppRevisionsTable>): Promise<void> {
  await db.updateTable('app_revisions').set(set).where('app_id', '=', appId).where('revision', '=', revision).execute();
}

/** Decides a pending revision; false when it is no longer pending (decided or superseded meanwhile). */
export async function decideRevision(
  db: Db,
  appId: number,
  revision: number,
  set: { status: RevisionStatusCode; comment: string; update_time: number },
): Promise<boolean> {
  const r = await db
    .updateTable('app_revisions')
    .set(set)
    .where('app_id', '=', appId)
    .where('revision', '=', revision)
    .where('status', '=', RevisionStatus.pending)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The revision awaiting approval, if any (at most one: a newer one supersedes it). */
export function pendingRevision(db: Db, appId: number): Promise<RevisionRecord | undefined> {
  return db
    .selectFrom('app_revisions')
    .selectAll()
    .where('app_id', '=', appId)
    .where('status', '=', RevisionStatus.pending)
    .executeTakeFirst();
}

/** The spec text of one revision (not scoped: the caller holds the application). */
export async function specOf(db: Db, appId: number, revision: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('app_revisions')
    .select('spec')
    .where('app_id', '=', appId)
    .where('revision', '=', revision)
    .executeTakeFirst();
  return row?.spec;
}

/** The running revision's spec of each of these applications. */
export async function runningSpecs(db: Db, appIds: readonly number[]): Promise<{ app_id: number; spec: string }[]> {
  // A join, in chunks: one OR term per application would outgrow SQLite's expression depth.
  const out: { app_id: number; spec: string }[] = [];
  for (const ids of chunks(appIds)) {
    out.push(
      ...(await db
        .selectFrom('app_revisions')
        .innerJoin('applications', (j) =>
          j
            .onRef('applications.id', '=', 'app_revisions.app_id')
            .onRef('applications.running_revision', '=', 'app_revisions.revision'),
        )
        .select(['app_revisions.app_id', 'app_revisions.spec'])
        .where('app_revisions.app_id', 'in', ids)
        .execute()),
    );
  }
  return out;
}

/** Every approved revision of these applications. */
export async function approvedRevisions(
  db: Db,
  appIds: readonly number[],
): Promise<{ app_id: number; revision: number; spec: string }[]> {
  const out: { app_id: number; revision: number; spec: string }[] = [];
  for (const ids of chunks(appIds)) {
    out.push(
      ...(await db
        .selectFrom('app_revisions')
        .select(['app_id', 'revision', 'spec'])
        .where('app_id', 'in', ids)
        .where('status', '=', RevisionStatus.approved)
        .execute()),
    );
  }
  return out;
}

/** Revisions waiting for the system administrator's review (/metrics). */
export async function countPendingRevisions(db: Db): Promise<number> {
  const r = await db
    .selectFrom('app_revisions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', RevisionStatus.pending)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
