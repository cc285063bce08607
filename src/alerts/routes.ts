import { timingSafeEqual } from 'node:crypto';
import { Allow } from '../access/roles.js';
import type { Config } from '../config/config.js';
import { loadOrCreateSecret } from '../config/secrets.js';
import type { App } from '../http/app.js';
import { Done, Page, done, page } from '../http/envelope.js';
import { Unauthenticated } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import { AlertRow, AlertmanagerWebhook, ListAlertsQuery } from './schemas.js';
import type { AlertsService } from './service.js';

export async function alertsRoutes(app: App, deps: { alerts: AlertsService; config: Config }): Promise<void> {
  const { alerts, config } = deps;
  const tags = ['alerts'];
  // Like the other shared secrets: configured, or generated once in the data directory.
  const secret = config.OTE_ALERT_SECRET ?? loadOrCreateSecret(config.OTE_DATA_DIR, 'alert.secret');

  app.get(
    '/v1/alert',
    { config: { allow: Allow.members }, schema: { tags, querystring: ListAlertsQuery, response: { 200: Page(AlertRow) } } },
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
