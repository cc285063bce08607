import { Allow } from '../access/roles.js';
import type { App } from '../http/app.js';
import { Page, page } from '../http/envelope.js';
import { AuditRow, ListAuditQuery } from './schemas.js';
import type { AuditService } from './service.js';

export async function auditRoutes(app: App, deps: { audit: AuditService }): Promise<void> {
  app.get(
    '/v1/admin/audit',
    {
      config: { allow: Allow.systemAdmin },
      schema: { tags: ['audit'], querystring: ListAuditQuery, response: { 200: Page(AuditRow) } },
    },
    async (req) => {
      const { rows, total } = await deps.audit.list(req.query);
      return page(rows, total);
    },
  );
}
