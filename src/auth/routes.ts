import { Allow } from '../access/roles.js';
import type { App } from '../http/app.js';
import { Done, Ok, done, ok } from '../http/envelope.js';
import { AuthInfo, LoginBody, TokenReply } from './schemas.js';
import type { AuthService } from './service.js';

export async function authRoutes(app: App, deps: { auth: AuthService }): Promise<void> {
  const { auth } = deps;
  const anyone = { allow: Allow.anyone };

  app.post(
    '/v1/authorization',
    { config: { public: true }, schema: { tags: ['auth'], body: LoginBody, response: { 200: TokenReply } } },
    async (req) => {
      req.auditUser = req.body.user.slice(0, 64);
      const { token, userId } = await auth.login(req.body.user, req.body.password, req.ip);
      req.auditUserId = userId;
      return { token, code: 200, message: 'success' };
    },
  );

  app.put('/v1/authorization', { config: anyone, schema: { tags: ['auth'], response: { 200: TokenReply } } }, async (req) => ({
    token: await auth.refresh(req.caller!),
    code: 200,
    message: 'success',
  }));

  for (const url of ['/v1/authorization', '/v1/authorizations']) {
    app.delete(url, { config: anyone, schema: { tags: ['auth'], response: { 200: Done } } }, async (req) => {
      await auth.logout(req.caller!);
      return done();
    });
  }

  app.get('/v1/authorization', { config: anyone, schema: { tags: ['auth'], response: { 200: Ok(AuthInfo) } } }, async (req) =>
    ok(await auth.info(req.caller!)),
  );
}
