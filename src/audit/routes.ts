import type { App } from '../server/app-types.js';
import { Page, page } from '../server/envelope.js';
import { AuditRow, ListAuditQuery } from './schemas.js';

export async function auditRoutes(app: App): Promise<void> {
  app.get(
    '/v1/admin/audit',
    {
      config: { allow: [4] },
      schema: { tags: ['audit'], querystring: ListAuditQuery, response: { 200: Page(AuditRow) } },
    },
    async (req) => {
      const { rows, total } = await app.services.audit.list(req.query);
      return page(rows, total);
    },
  );
}
