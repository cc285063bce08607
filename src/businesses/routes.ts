import { Allow } from '../access/roles.js';
import type { App } from '../http/app.js';
import { Done, Ok, Page, done, ok, page } from '../http/envelope.js';
import { IdData } from '../users/schemas.js';
import {
  AuditBusinessBody,
  BusinessDetail,
  BusinessIdParams,
  BusinessRow,
  CreateBusinessBody,
  ListBusinessesQuery,
} from './schemas.js';
import type { BusinessesService } from './service.js';

/** Business management (API.md §4). */
export async function businessesRoutes(app: App, deps: { businesses: BusinessesService }): Promise<void> {
  const { businesses } = deps;
  const tags = ['businesses'];

  // Roles 2 and 3 pass the hook so the service can say why they may not (403 non-admin, 409 has one).
  app.post(
    '/v1/business',
    { config: { allow: Allow.applicants }, schema: { tags, body: CreateBusinessBody, response: { 200: Ok(IdData) } } },
    async (req) => ok({ id: await businesses.create(req.caller!, req.body) }),
  );

  app.get(
    '/v1/business',
    {
      config: { allow: Allow.approved },
      schema: { tags, querystring: ListBusinessesQuery, response: { 200: Page(BusinessRow) } },
    },
    async (req) => {
      const { rows, total } = await businesses.list(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.get(
    '/v1/business/id/:id',
    {
      config: { allow: Allow.approved },
      schema: { tags, params: BusinessIdParams, response: { 200: Ok(BusinessDetail) } },
    },
    async (req) => ok(await businesses.get(req.caller!, req.params.id)),
  );

  app.put(
    '/v1/business/id/:id',
    {
      config: { allow: Allow.systemAdmin },
      schema: { tags, params: BusinessIdParams, body: AuditBusinessBody, response: { 200: Done } },
    },
    async (req) => {
      await businesses.audit(req.caller!, req.params.id, req.body);
      return done();
    },
  );

  app.delete(
    '/v1/business/id/:id',
    { config: { allow: Allow.systemAdmin }, schema: { tags, params: BusinessIdParams, response: { 200: Done } } },
    async (req) => {
      await businesses.remove(req.caller!, req.params.id);
      return done();
    },
  );
}
