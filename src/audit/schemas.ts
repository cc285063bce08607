import Type, { type Static } from 'typebox';
import { pagingFields } from '../http/paging.js';

export const ListAuditQuery = Type.Object({
  ...pagingFields(10, 'desc'),
  userId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type ListAuditQuery = Static<typeof ListAuditQuery>;

export const AuditRow = Type.Object({
  id: Type.Integer(),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  user: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  target: Type.String(),
  result: Type.Integer(),
  clientIp: Type.String(),
  createTime: Type.Integer(),
  /** Calls the row stands for: 1, or more for anonymous failures aggregated per address, route and minute. */
  count: Type.Integer({ minimum: 1 }),
});
export type AuditRow = Static<typeof AuditRow>;
