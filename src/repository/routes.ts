import Type from 'typebox';
import { Allow } from '../access/roles.js';
import type { App } from '../http/app.js';
import { Done, Ok, Page, done, ok, page } from '../http/envelope.js';
import { IdData } from '../users/schemas.js';
import {
  AccountPasswordBody,
  CreateAccountBody,
  CreateExternalBody,
  CreateProjectBody,
  DeleteExternalBody,
  DeleteImagesBody,
  DeleteProjectsBody,
  DeleteTagsBody,
  ExternalQuery,
  ExternalRow,
  ImageRow,
  ListExternalQuery,
  ListImagesQuery,
  ListProjectsQuery,
  ListTagsQuery,
  ProjectCreated,
  ProjectRow,
  RepositoryIdParams,
  TagRow,
} from './schemas.js';
import type { RepositoryServices } from './index.js';

const Created = <T extends Parameters<typeof Ok>[0]>(data: T) =>
  Type.Object({ code: Type.Literal(201), message: Type.String(), data });

/** Repository management (API.md §7). */
export async function repositoryRoutes(app: App, deps: { repository: RepositoryServices }): Promise<void> {
  const { projects, images, accounts, external } = deps.repository;
  const tags = ['repository'];
  const members = { allow: Allow.members };
  const admins = { allow: Allow.admins };

  app.get(
    '/v1/repository/project',
    { config: members, schema: { tags, querystring: ListProjectsQuery, response: { 200: Page(ProjectRow) } } },
    async (req) => {
      const { rows, total } = await projects.list(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.post(
    '/v1/repository/project',
    { config: admins, schema: { tags, body: CreateProjectBody, response: { 201: Created(ProjectCreated) } } },
    async (req, reply) => {
      const id = await projects.create(req.caller!, req.body);
      reply.code(201);
      return { code: 201 as const, message: 'success', data: { id, projectId: id } };
    },
  );

  app.delete(
    '/v1/repository/project',
    { config: admins, schema: { tags, body: DeleteProjectsBody, response: { 200: Done } } },
    async (req) => {
      await projects.remove(req.caller!, req.body);
      return done();
    },
  );

  app.get(
    '/v1/repository/image',
    { config: members, schema: { tags, querystring: ListImagesQuery, response: { 200: Page(ImageRow) } } },
    async (req) => {
      const { rows, total } = await images.listImages(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.delete(
    '/v1/repository/image',
    { config: admins, schema: { tags, body: DeleteImagesBody, response: { 200: Done } } },
    async (req) => {
      await images.deleteImages(req.caller!, req.body);
      return done();
    },
  );

  app.get(
    '/v1/repository/image/tag',
    { config: members, schema: { tags, querystring: ListTagsQuery, response: { 200: Page(TagRow) } } },
    async (req) => {
      const { rows, total } = await images.listTags(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.delete(
    '/v1/repository/image/tag',
    { config: admins, schema: { tags, body: DeleteTagsBody, response: { 200: Done } } },
    async (req) => {
      await images.deleteTags(req.caller!, req.body);
      return done();
    },
  );

  app.post(
    '/v1/repository/user',
    { config: members, schema: { tags, body: CreateAccountBody, response: { 200: Ok(IdData) } } },
    async (req) => ok({ id: await accounts.create(req.caller!, req.body) }),
  );

  app.put(
    '/v1/repository/user/password',
    // The owner of an account: it may outlive the caller's business membership (role 1).
    { config: { allow: Allow.approved }, schema: { tags, body: AccountPasswordBody, response: { 200: Done } } },
    async (req) => {
      await accounts.changePassword(req.caller!, req.body);
      return done();
    },
  );

  app.post(
    '/v1/repository/third',
    { config: admins, schema: { tags, body: CreateExternalBody, response: { 200: Ok(IdData) } } },
    async (req) => ok({ id: await external.create(req.caller!, req.body) }),
  );

  app.delete(
    '/v1/repository/third',
    { config: admins, schema: { tags, body: DeleteExternalBody, response: { 200: Done } } },
    async (req) => {
      await external.remove(req.caller!, req.body);
      return done();
    },
  );

  app.get(
    '/v1/repository/third',
    { config: members, schema: { tags, querystring: ListExternalQuery, response: { 200: Page(ExternalRow) } } },
    async (req) => {
      const { rows, total } = await external.list(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.get(
    '/v1/repository/third/:repositoryId',
    {
      config: members,
      schema: { tags, params: RepositoryIdParams, querystring: ExternalQuery, response: { 200: Ok(ExternalRow) } },
    },
    async (req) => ok(await external.get(req.caller!, req.params.repositoryId, req.query.businessId)),
  );
}
