/**
 * Users for integration tests with control of every registration field (for
 * validation and user-management tests). For whole tenants (a business with
 * its admin and a member) use ./tenants.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type Api, expectStatus } from './client.js';
import { ADMIN } from './hub.js';
import { auditBusiness, createBusiness } from './tenants.js';

/** A password that passes the policy, different on every call. */
export function strongPassword(): string {
  return `Pw${randomBytes(6).toString('hex')}9`;
}

let counter = 0;
/** A user name unique across test files and runs (the policy allows 32 characters). */
export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${counter}x${randomBytes(3).toString('hex')}`;
}

export interface UserInput {
  user?: string;
  password?: string;
  phone?: string;
  realName?: string;
  isAdmin?: boolean;
}

/** A complete registration body; `overrides` replace single fields. */
export function userBody(overrides: UserInput = {}): Required<UserInput> {
  return {
    user: uniqueName(),
    password: strongPassword(),
    phone: '+8613800000000',
    realName: 'Test User',
    isAdmin: false,
    ...overrides,
  };
}

export interface TestUser {
  readonly id: number;
  readonly user: string;
  readonly password: string;
  /** A login token (absent when the helper was asked not to log in). */
  readonly token: string;
}

/** The system administrator's token (role 4). */
export function adminToken(api: Api): Promise<string> {
  return api.login(ADMIN.user, ADMIN.password);
}

/** Self-registers a user (status 0, role 0) and returns its id; the password is added to `api.secrets`. */
export async function registerUser(api: Api, overrides: UserInput = {}): Promise<{ id: number; user: string; password: string }> {
  const body = userBody(overrides);
  api.secrets.add(body.password);
  const data = expectStatus(await api.post('/v1/user', { body }), 200, `register ${body.user}`).data;
  assert.ok(Number.isInteger(data.id) && data.id > 0, 'registration answers data.id');
  return { id: data.id, user: body.user, password: body.password };
}

/** Sets a user's status as the system administrator (1 approves). */
export async function auditUser(api: Api, admin: string, userId: number, status: number): Promise<void> {
  expectStatus(await api.put(`/v1/admin/user/${userId}`, { token: admin, body: { status } }), 200, `audit ${userId}`);
}

/** Registers, optionally approves (default), and logs in: a role 0 (pending) or role 1 user. */
export async function createUser(
  api: Api,
  admin: string,
  overrides: UserInput = {},
  opts: { approve?: boolean } = {},
): Promise<TestUser> {
  const u = await registerUser(api, overrides);
  if (opts.approve ?? true) await auditUser(api, admin, u.id, 1);
  return { ...u, token: await api.login(u.user, u.password) };
}

/** Creates a sub-user as `creator` (role 3, or role 4 with `businessId`) and logs it in. */
export async function createSubUser(
  api: Api,
  creator: string,
  overrides: UserInput & { businessId?: number } = {},
): Promise<TestUser> {
  const body = { ...userBody(overrides), ...(overrides.businessId ? { businessId: overrides.businessId } : {}) };
  api.secrets.add(body.password);
  const data = expectStatus(await api.post('/v1/admin/user', { token: creator, body }), 200, 'create sub-user').data;
  return { id: data.id, user: body.user, password: body.password, token: await api.login(body.user, body.password) };
}

/** A role 3 user: an approved admin user whose business (§4 API) is approved. */
export async function createBusinessAdmin(
  api: Api,
  admin: string,
  overrides: UserInput = {},
): Promise<TestUser & { businessId: number }> {
  const owner = await createUser(api, admin, { isAdmin: true, ...overrides });
  const businessId = await createBusiness(api, owner.token);
  await auditBusiness(api, admin, businessId, 1);
  return { ...owner, businessId };
}
