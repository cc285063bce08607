import Type from 'typebox';
import { Allow } from '../access/roles.js';
import type { App } from '../http/app.js';
import { Done, Ok, Page, done, ok, page } from '../http/envelope.js';
import { IdParam } from '../http/paging.js';
import {
  AppDetail,
  AppRow,
  AuditAppBody,
  CreateAppBody,
  IdData,
  ListAppsQuery,
  Preview,
  PreviewQuery,
  RevisionRow,
  RollbackAppBody,
  ScaleAppBody,
  UpdateAppBody,
} from './schemas.js';
import type { AppsService } from './service.js';

const AppIdParams = IdParam('id');
/** Members of a business (2, 3) act on its applications; the system administrator on all (API.md §8). */
const MEMBERS = Allow.members;

export async function appsRoutes(app: App, deps: { apps: AppsService }): Promise<void> {
  const { apps } = deps;
  const tags = ['applications'];
  // Rollout deadlines pass without any event: a light periodic check moves batched rollouts on.
  app.addHook('onReady', async () => apps.rollouts.start(1000, app.log));
  app.addHook('onClose', async () => apps.rollouts.stop());

  app.post(
    '/v1/app',
    { config: { allow: MEMBERS }, schema: { tags, body: CreateAppBody, response: { 200: Ok(IdData) } } },
    async (req) => ok({ id: await apps.create(req.caller!, req.body) }),
  );

  app.post(
    '/v1/app/preview',
    { config: { allow: MEMBERS }, schema: { tags, body: CreateAppBody, response: { 200: Ok(Preview) } } },
    async (req) => ok({ clusters: await apps.previewNew(req.caller!, req.body) }),
  );

  app.get(
    '/v1/app/:id/preview',
    {
      config: { allow: MEMBERS },
      schema: { tags, params: AppIdParams, querystring: PreviewQuery, response: { 200: Ok(Preview) } },
    },
    async (req) => ok({ clusters: await apps.previewRevision(req.caller!, req.params.id, req.query) }),
  );

  app.get(
    '/v1/app',
    { config: { allow: MEMBERS }, schema: { tags, querystring: ListAppsQuery, response: { 200: Page(AppRow) } } },
    async (req) => {
      const { rows, total } = await apps.list(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.get(
    '/v1/app/:id',
    { config: { allow: MEMBERS }, schema: { tags, params: AppIdParams, response: { 200: Ok(AppDetail) } } },
    async (req) => ok(await apps.get(req.caller!, req.params.id)),
  );

  app.put(
    '/v1/app/:id',
    {
      config: { allow: MEMBERS },
      schema: {
        tags,
        params: AppIdParams,
        body: UpdateAppBody,
        response: { 200: Ok(Type.Object({ revision: Type.Integer() })) },
      },
    },
    async (req) => ok({ revision: await apps.update(req.caller!, req.params.id, req.body) }),
  );

  app.put(
    '/v1/app/:id/audit',
    { config: { allow: Allow.systemAdmin }, schema: { tags, params: AppIdParams, body: AuditAppBody, response: { 200: Done } } },
    async (req) => {
      await apps.audit(req.caller!, req.params.id, req.body);
      return done();
    },
  );

  app.put(
    '/v1/app/:id/replicas',
    { config: { allow: MEMBERS }, schema: { tags, params: AppIdParams, body: ScaleAppBody, response: { 200: Done } } },
    async (req) => {
      await apps.scale(req.caller!, req.params.id, req.body);
      return done();
    },
  );

  app.get(
    '/v1/app/:id/revision',
    { config: { allow: MEMBERS }, schema: { tags, params: AppIdParams, response: { 200: Ok(Type.Array(RevisionRow)) } } },
    async (req) => ok(await apps.revisions(req.caller!, req.params.id)),
  );

  app.put(
    '/v1/app/:id/rollback',
    { config: { allow: MEMBERS }, schema: { tags, params: AppIdParams, body: RollbackAppBody, response: { 200: Done } } },
    async (req) => {
      await apps.rollback(req.caller!, req.params.id, req.body);
      return done();
    },
  );

  app.delete(
    '/v1/app/:id',
    { config: { allow: MEMBERS }, schema: { tags, params: AppIdParams, response: { 200: Done } } },
    async (req) => {
      await apps.remove(req.caller!, req.params.id);
      return done();
    },
  );
}
