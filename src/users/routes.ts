import { Allow } from '../access/roles.js';
import type { App } from '../http/app.js';
import { Done, Ok, Page, done, ok, page } from '../http/envelope.js';
import { IdParam } from '../http/paging.js';
import {
  AuditUserBody,
  ChangePasswordBody,
  CreateSubUserBody,
  CreateUserBody,
  IdData,
  ListUsersQuery,
  ResetPasswordBody,
  UserRow,
} from './schemas.js';
import type { UsersService } from './service.js';

const UserIdParams = IdParam('userId');

export async function usersRoutes(app: App, deps: { users: UsersService }): Promise<void> {
  const { users } = deps;
  const tags = ['users'];

  app.post(
    '/v1/user',
    { config: { public: true }, schema: { tags, body: CreateUserBody, response: { 200: Ok(IdData) } } },
    async (req) => {
      req.auditUser = req.body.user;
      const id = await users.register(req.body);
      req.auditUserId = id;
      return ok({ id });
    },
  );

  app.put(
    '/v1/user',
    { config: { allow: Allow.anyone }, schema: { tags, body: ChangePasswordBody, response: { 200: Done } } },
    async (req) => {
      await users.changePassword(req.caller!, req.body);
      return done();
    },
  );

  app.get(
    '/v1/admin/user',
    { config: { allow: Allow.admins }, schema: { tags, querystring: ListUsersQuery, response: { 200: Page(UserRow) } } },
    async (req) => {
      const { rows, total } = await users.list(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.post(
    '/v1/admin/user',
    { config: { allow: Allow.admins }, schema: { tags, body: CreateSubUserBody, response: { 200: Ok(IdData) } } },
    async (req) => ok({ id: await users.createSubUser(req.caller!, req.body) }),
  );

  app.put(
    '/v1/admin/user/:userId',
    {
      config: { allow: Allow.systemAdmin },
      schema: { tags, params: UserIdParams, body: AuditUserBody, response: { 200: Done } },
    },
    async (req) => {
      await users.audit(req.caller!, req.params.userId, req.body);
      return done();
    },
  );

  app.put(
    '/v1/admin/user/:userId/password',
    {
      config: { allow: Allow.admins },
      schema: { tags, params: UserIdParams, body: ResetPasswordBody, response: { 200: Done } },
    },
    async (req) => {
      await users.resetPassword(req.caller!, req.params.userId, req.body);
      return done();
    },
  );

  app.delete(
    '/v1/admin/user/:userId',
    { config: { allow: Allow.admins }, schema: { tags, params: UserIdParams, response: { 200: Done } } },
    async (req) => {
      await users.remove(req.caller!, req.params.userId);
      return done();
    },
  );
}
