import { timingSafeEqual } from 'node:crypto';
import { nowSeconds } from '../lib/time.js';
import type { App } from '../server/app-types.js';
import { Done, Page, done, page } from '../server/envelope.js';
import { Unauthenticated } from '../server/errors.js';
import { loadOrCreateSecret } from '../server/secrets.js';
import { AlertRow, AlertmanagerWebhook, ListAlertsQuery } from './schemas.js';

export async function alertsRoutes(app: App): Promise<void> {
  const { alerts, config } = app.services;
  const tags = ['alerts'];
  // Like the other shared secrets: configured, or generated once in the data directory.
  const secret = config.OTE_ALERT_SECRET ?? loadOrCreateSecret(config.OTE_DATA_DIR, 'alert.secret');

  app.get(
    '/v1/alert',
    { config: { allow: [2, 3, 4] }, schema: { tags, querystring: ListAlertsQuery, response: { 200: Page(AlertRow) } } },
    async (req) => {
      const { rows, total } = await alerts.list(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.post(
    '/v1/alert/callback',
    {
      // Alertmanager authenticates with its shared secret, not a user token; machine traffic stays out of the audit log.
      config: { public: true, noAudit: true },
      schema: { tags, body: AlertmanagerWebhook, response: { 200: Done } },
      onRequest: async (req) => {
        if (!bearerMatches(req.headers.authorization, secret)) throw new Unauthenticated('wrong or missing alert secret');
      },
    },
    async (req) => {
      const n = await alerts.receive(req.body, nowSeconds());
      req.log.info(n, 'alertmanager webhook');
      return done();
    },
  );
}

function bearerMatches(header: string | undefined, secret: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1]);
  const want = Buffer.from(secret);
  return got.length === want.length && timingSafeEqual(got, want);
}
