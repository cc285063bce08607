/**
 * Tenants in one line for any integration test: users at every role, and
 * approved businesses with an administrator and a general member, all made
 * through the real API (§3, §4) the way a client would.
 *
 *   const admin = await api.login(ADMIN.user, ADMIN.password);
 *   const a = await makeTenant(api, admin);          // a.businessId, a.admin.token (role 3), a.member.token (role 2)
 *   const loner = await approvedUser(api, admin);     // role 1, no business
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type Api, expectStatus } from './client.js';

export interface TenantUser {
  readonly id: number;
  readonly user: string;
  readonly password: string;
  /** A live login token of this user. */
  readonly token: string;
}

export interface Tenant {
  readonly businessId: number;
  readonly name: string;
  /** The creator: an `isAdmin` member, role 3 once the business is approved. */
  readonly admin: TenantUser;
  /** A general sub-user (role 2) created by the admin. */
  readonly member: TenantUser;
}

let seq = 0;
/** A name unique across test files, hubs and runs (user names allow 32 characters). */
export function uniqueName(prefix = 't'): string {
  seq += 1;
  return `${prefix}${seq}x${randomBytes(3).toString('hex')}`;
}

/** A fresh password that passes the policy. */
export function newPassword(): string {
  return `Pw${randomBytes(6).toString('hex')}7`;
}

export interface NewUserOptions {
  readonly user?: string;
  readonly isAdmin?: boolean;
}

function userBody(o: NewUserOptions) {
  return {
    user: o.user ?? uniqueName('u'),
    password: newPassword(),
    phone: '+8613800000000',
    realName: 'Tenant Test User',
    isAdmin: o.isAdmin ?? false,
  };
}

/** Self-registers a user (status 0 = role 0) and logs it in. */
export async function pendingUser(api: Api, o: NewUserOptions = {}): Promise<TenantUser> {
  const body = userBody(o);
  api.secrets.add(body.password);
  const res = await api.post('/v1/user', { body });
  const id = expectStatus(res, 200, `register ${body.user}`).data.id as number;
  assert.ok(Number.isInteger(id) && id > 0);
  return { id, user: body.user, password: body.password, token: await api.login(body.user, body.password) };
}

/** Registers a user, approves it as the system administrator (PUT /v1/admin/user/:id {status: 1}), logs it in: role 1. */
export async function approvedUser(api: Api, adminToken: string, o: NewUserOptions = {}): Promise<TenantUser> {
  const body = userBody(o);
  api.secrets.add(body.password);
  const id = expectStatus(await api.post('/v1/user', { body }), 200, `register ${body.user}`).data.id as number;
  expectStatus(
    await api.put(`/v1/admin/user/${id}`, { token: adminToken, body: { status: 1 } }),
    200,
    `approve user ${body.user}`,
  );
  return { id, user: body.user, password: body.password, token: await api.login(body.user, body.password) };
}

/** Applies for a business as `ownerToken` (an approved `isAdmin` role 1 user); answers its id (pending). */
export async function createBusiness(api: Api, ownerToken: string, name = uniqueName('biz')): Promise<number> {
  const body = { name, introduce: 'test business', objective: 'tests', scale: '10' };
  const id = expectStatus(await api.post('/v1/business', { token: ownerToken, body }), 200, `create business ${name}`).data
    .id as number;
  assert.ok(Number.isInteger(id) && id > 0);
  return id;
}

/** Audits a pending business as the system administrator: 1 approves, 2 disapproves. */
export async function auditBusiness(api: Api, adminToken: string, businessId: number, status: 1 | 2 = 1): Promise<void> {
  expectStatus(
    await api.put(`/v1/business/id/${businessId}`, { token: adminToken, body: { status, comment: 'audited by a test' } }),
    200,
    `audit business ${businessId}`,
  );
}

/**
 * Creates a sub-user as `creatorToken` (role 3: into its own business; role 4:
 * pass `businessId`) and logs it in.
 */
export async function subUser(
  api: Api,
  creatorToken: string,
  o: NewUserOptions & { readonly businessId?: number } = {},
): Promise<TenantUser> {
  const body = { ...userBody(o), ...(o.businessId !== undefined ? { businessId: o.businessId } : {}) };
  api.secrets.add(body.password);
  const id = expectStatus(await api.post('/v1/admin/user', { token: creatorToken, body }), 200, `sub-user ${body.user}`).data
    .id as number;
  return { id, user: body.user, password: body.password, token: await api.login(body.user, body.password) };
}

/**
 * An approved business with its creator (role 3) and one general member
 * (role 2), all logged in. `adminToken` is the system administrator's.
 */
export async function makeTenant(api: Api, adminToken: string, name = uniqueName('biz')): Promise<Tenant> {
  const admin = await approvedUser(api, adminToken, { isAdmin: true });
  const businessId = await createBusiness(api, admin.token, name);
  await auditBusiness(api, adminToken, businessId, 1);
  const member = await subUser(api, admin.token);
  return { businessId, name, admin, member };
}
