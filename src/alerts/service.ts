import { createHash } from 'node:crypto';
import type { Caller } from '../access/roles.js';
import { scopeOf } from '../access/scope.js';
import type { DbStatusReader } from '../apps/status.js';
import { isReady } from '../clusters/readiness.js';
import { clusterLiveness } from '../clusters/store.js';
import type { Db } from '../db/types.js';
import { notReadyNodes } from '../nodes/store.js';
import type { SettingsService } from '../settings/service.js';
import type { AlertRow, AlertmanagerWebhook, ListAlertsQuery } from './schemas.js';
import * as store from './store.js';

/**
 * Alerts (API.md §9): what is wrong now, computed from the database (clusters
 * and nodes not ready, applications not available) plus the alerts
 * Alertmanager posted. Nothing while the `enableAlert` setting is off.
 */
export class AlertsService {
  constructor(
    private readonly db: Db,
    private readonly settings: SettingsService,
    private readonly statuses: DbStatusReader,
  ) {}

  async list(caller: Caller, q: ListAlertsQuery): Promise<{ rows: AlertRow[]; total: number }> {
    if (!(await this.settings.get()).enableAlert) return { rows: [], total: 0 };
    const scope = scopeOf(caller);
    const now = this.statuses.clock();
    const grace = this.statuses.graceSeconds;
    const rows: AlertRow[] = [];

    const clusters = await clusterLiveness(this.db);
    const down = new Set<number>();
    for (const c of clusters) {
      if (isReady(c, now, grace)) continue;
      down.add(c.id);
      const message =
        c.last_heartbeat === null
          ? 'the agent never connected'
          : c.session_id === null
            ? 'the agent is disconnected'
            : `no heartbeat for ${now - c.last_heartbeat} s`;
      // A cluster that was there and is gone is critical; one that never came is a setup still to finish.
      const severity = c.last_heartbeat === null ? 'warning' : 'critical';
      const labels = { alertname: 'OteClusterNotReady', cluster: c.name };
      rows.push({
        kind: 'cluster',
        name: c.name,
        clusterName: c.name,
        businessId: null,
        message,
        since: c.last_heartbeat ?? c.create_time,
        severity,
        labels,
      });
    }
    // A node of an unreachable cluster is not known either way: its cluster's alert says it.
    const names = new Map(clusters.map((c) => [c.id, c.name]));
    for (const n of await notReadyNodes(this.db)) {
      const clusterName = names.get(n.cluster_id);
      // A cluster added after the list above is not judged this time, nor are its nodes.
      if (down.has(n.cluster_id) || clusterName === undefined) continue;
      rows.push({
        kind: 'node',
        name: n.name,
        clusterName,
        businessId: null,
        message: 'the node is not Ready',
        since: n.update_time,
        severity: 'warning',
        labels: { alertname: 'OteNodeNotReady', cluster: clusterName, node: n.name },
      });
    }

    const apps = await store.runningApps(this.db, scope);
    const states = await this.statuses.forApps(this.db, apps);
    for (const app of apps) {
      for (const c of states.get(app.id) ?? []) {
        if (c.state === 'available' || c.state === 'removed') continue;
        rows.push({
          kind: 'app',
          name: app.app_name,
          clusterName: c.clusterName,
          businessId: app.business_id,
          message: c.message ? `${c.state}: ${c.message}` : c.state,
          since: c.updateTime,
          severity: c.state === 'degraded' || c.state === 'unreachable' ? 'critical' : 'warning',
          labels: { alertname: 'OteAppNotAvailable', cluster: c.clusterName, app: app.app_name, state: c.state },
        });
      }
    }

    for (const e of await store.firingExternal(this.db, scope, now)) {
      rows.push({
        kind: 'external',
        name: e.name,
        clusterName: e.cluster_name,
        businessId: e.business_id,
        message: e.message,
        since: e.starts_at,
        severity: e.severity,
        labels: parseLabels(e.labels),
      });
    }

    // Newest first; ties in a fixed order so pages do not shift.
    rows.sort(
      (a, b) => b.since - a.since || cmp(a.kind, b.kind) || cmp(a.clusterName ?? '', b.clusterName ?? '') || cmp(a.name, b.name),
    );
    const page = q.pageSize === 0 ? rows : rows.slice((q.page - 1) * q.pageSize, q.page * q.pageSize);
    return { rows: page, total: rows.length };
  }

  /** Takes in an Alertmanager webhook: firing alerts are kept (by fingerprint), resolved ones dropped. */
  async receive(body: AlertmanagerWebhook, now: number): Promise<{ firing: number; resolved: number }> {
    const resolved: string[] = [];
    const firing: store.ExternalAlert[] = [];
    for (const a of body.alerts) {
      const fingerprint = a.fingerprint || fingerprintOf(a.labels);
      if (a.status === 'resolved') {
        resolved.push(fingerprint);
        continue;
      }
      const ends = a.endsAt ? Math.floor(Date.parse(a.endsAt) / 1000) : Number.NaN;
      const ns = /^ns([1-9][0-9]{0,9})$/.exec(a.labels.namespace ?? '');
      const name = (a.labels.alertname || 'alert').slice(0, 256);
      // Alertmanager's annotations by convention: summary, else description (runbook-style), else message.
      const text = a.annotations?.summary || a.annotations?.description || a.annotations?.message || name;
      firing.push({
        fingerprint,
        name,
        clusterName: (a.labels.cluster ?? a.labels.clusterName ?? null)?.slice(0, 256) ?? null,
        businessId: ns ? Number(ns[1]) : null,
        // PostgreSQL text cannot hold NUL (the labels go in as JSON, where it is escaped).
        message: text.replaceAll('\u0000', '').slice(0, 4096),
        severity: (a.labels.severity || 'warning').replaceAll('\u0000', '').slice(0, 64) || 'warning',
        labels: a.labels,
        startsAt: Math.floor(Date.parse(a.startsAt) / 1000) || now,
        // Alertmanager sends the zero time (year 1) for "no end".
        endsAt: Number.isFinite(ends) && ends > 0 ? ends : null,
      });
    }
    await this.db.transaction().execute(async (trx) => {
      for (const a of firing) await store.upsertExternal(trx, a, now);
      await store.deleteExternal(trx, resolved);
    });
    return { firing: firing.length, resolved: resolved.length };
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Alertmanager's own fingerprint is a hash of the label set; one of ours when it is absent. */
function fingerprintOf(labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 32);
}

/** Stored labels (JSON text); anything unreadable reads as none. */
function parseLabels(text: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}
