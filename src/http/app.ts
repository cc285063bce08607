import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Caller, Role } from '../access/roles.js';

/** The Fastify instance every route plugin receives: TypeBox schemas type the handlers. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route (API.md §2); checked by one hook. */
    allow?: readonly Role[];
    /** No token needed (login, registration, health, docs, registry and agent endpoints). */
    public?: boolean;
    /** Keep out of the audit log although the method changes state. */
    noAudit?: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    caller: Caller | null;
    /** The user name a public call acted for (login, registration), for the audit log. */
    auditUser: string | null;
    /** The user a public call turned out to act for (a successful login or registration). */
    auditUserId: number | null;
  }
}
