import type { Generated } from 'kysely';
import type { RevisionStatusCode } from '../access/revision-status.js';

/** Tables of Application Management (migrations 005, 006); listed in db/types.ts `Database`. */

export interface ApplicationsTable {
  id: Generated<number>;
  business_id: number;
  app_name: string;
  /** Lower-cased name: unique per business case-insensitively (it names Kubernetes objects). */
  name_key: string;
  latest_revision: number;
  running_revision: number | null;
  replicas: number;
  cluster_label: string;
  rollout_batch: Generated<number>;
  rollout_batch_start: number | null;
  rollout_stopped: Generated<number>;
  /** The running revision a rollout started from: `onFailure: rollback` returns to it (migration 006). */
  rollout_from: number | null;
  message: Generated<string>;
  create_time: number;
  update_time: number;
}

export interface AppRevisionsTable {
  id: Generated<number>;
  app_id: number;
  revision: number;
  /** The spec (schemas.ts AppSpec) as JSON text. */
  spec: string;
  status: RevisionStatusCode;
  comment: string;
  creator_id: number | null;
  create_time: number;
  update_time: number;
}

export interface AppClustersTable {
  app_id: number;
  cluster_id: number;
  revision: number | null;
  generation: Generated<number>;
  observed_generation: Generated<number>;
  desired_replicas: Generated<number>;
  updated_replicas: Generated<number>;
  ready_replicas: Generated<number>;
  available_replicas: Generated<number>;
  batch: Generated<number>;
  assigned_time: number;
  reported: Generated<number>;
  reported_revision: number | null;
  removed: Generated<number>;
  /** 1: not ready when its rollout batch started; it gets the revision when it returns (migration 006). */
  offline: Generated<number>;
  message: Generated<string>;
  /** When the report last changed (alerts say "since"). */
  update_time: number;
}

/** Firing alerts received from Alertmanager (src/alerts; severity and labels since migration 008). */
export interface ExternalAlertsTable {
  id: Generated<number>;
  fingerprint: string;
  name: string;
  cluster_name: string | null;
  business_id: number | null;
  message: string;
  starts_at: number;
  ends_at: number | null;
  update_time: number;
  /** Alertmanager's `severity` label, else "warning" (migration 008). */
  severity: Generated<string>;
  /** Alertmanager's label set, JSON text (migration 008). */
  labels: Generated<string>;
}

export interface AppTables {
  external_alerts: ExternalAlertsTable;
  applications: ApplicationsTable;
  app_revisions: AppRevisionsTable;
  app_clusters: AppClustersTable;
}
