import Type, { type Static } from 'typebox';
import { pagingFields } from '../http/paging.js';

export const ListAlertsQuery = Type.Object(pagingFields(10));
export type ListAlertsQuery = Static<typeof ListAlertsQuery>;

export const AlertRow = Type.Object({
  kind: Type.Union([Type.Literal('cluster'), Type.Literal('node'), Type.Literal('app'), Type.Literal('external')]),
  name: Type.String(),
  clusterName: Type.Union([Type.String(), Type.Null()]),
  businessId: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
  /** Unix seconds: since when this is so (as far as the hub knows). */
  since: Type.Integer(),
  severity: Type.String({
    description: "critical or warning for the hub's own alerts; Alertmanager's severity label (else warning) for external ones",
  }),
  labels: Type.Record(Type.String(), Type.String(), {
    description: "Alertmanager's labels for external alerts; for the hub's own, alertname and what it is about",
  }),
});
export type AlertRow = Static<typeof AlertRow>;

const Strings = Type.Record(Type.String({ maxLength: 1024 }), Type.String({ maxLength: 16384 }), { maxProperties: 200 });

/**
 * Prometheus Alertmanager's webhook payload (version 4). Alertmanager adds
 * fields over time, so the envelope is open; the parts read here are checked.
 */
export const AlertmanagerWebhook = Type.Object(
  {
    version: Type.Optional(Type.String({ maxLength: 16 })),
    status: Type.Optional(Type.String({ maxLength: 16 })),
    alerts: Type.Array(
      Type.Object(
        {
          status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')], {
            errorMessage: 'must be "firing" or "resolved"',
          }),
          labels: Strings,
          annotations: Type.Optional(Strings),
          startsAt: Type.String({ format: 'date-time', errorMessage: 'must be an RFC 3339 time' }),
          endsAt: Type.Optional(Type.String({ format: 'date-time', errorMessage: 'must be an RFC 3339 time' })),
          fingerprint: Type.Optional(Type.String({ maxLength: 128 })),
        },
        { additionalProperties: true },
      ),
      { maxItems: 10000 },
    ),
  },
  { additionalProperties: true },
);
export type AlertmanagerWebhook = Static<typeof AlertmanagerWebhook>;
