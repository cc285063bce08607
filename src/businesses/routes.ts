import type { App } from '../server/app-types.js';
import { Done, Ok, Page, done, ok, page } from '../server/envelope.js';
import { IdData } from '../users/schemas.js';
import {
  AuditBusinessBody,
  BusinessDetail,
  BusinessIdParams,
  BusinessRow,
  CreateBusinessBody,
  ListBusinessesQuery,
} from './schemas.js';

/** Business management (API.md §4). */
export async function businessesRoutes(app: App): Promise<void> {
  const { businesses } = app.services;
  const tags = ['businesses'];

  // Roles 2 and 3 pass the hook so the service can say why they may not (403 non-admin, 409 has one).
  app.post(
    '/v1/business',
    { config: { allow: [1, 2, 3] }, schema: { tags, body: CreateBusinessBody, response: { 200: Ok(IdData) } } },
    async (req) => ok({ id: await businesses.create(req.caller!, req.body) }),
  );

  app.get(
    '/v1/business',
    {
      config: { allow: [1, 2, 3, 4] },
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
      config: { allow: [1, 2, 3, 4] },
      schema: { tags, params: BusinessIdParams, response: { 200: Ok(BusinessDetail) } },
    },
    async (req) => ok(await businesses.get(req.caller!, req.params.id)),
  );

  app.put(
    '/v1/business/id/:id',
    {
      config: { allow: [4] },
      schema: { tags, params: BusinessIdParams, body: AuditBusinessBody, response: { 200: Done } },
    },
    async (req) => {
      await businesses.audit(req.caller!, req.params.id, req.body);
      return done();
    },
  );

  app.delete(
    '/v1/business/id/:id',
    { config: { allow: [4] }, schema: { tags, params: BusinessIdParams, response: { 200: Done } } },
    async (req) => {
      await businesses.remove(req.caller!, req.params.id);
      return done();
    },
  );
}
