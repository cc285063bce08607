import { verifyDummy, verifyPassword } from '../auth/passwords.js';
import { businessStatus } from '../businesses/store.js';
import type { Db } from '../db/types.js';
import { accountByName } from '../repository/account-store.js';
import { projectsByName } from '../repository/project-store.js';
import { findSelf } from '../users/store.js';
import type { LoginThrottle } from '../auth/throttle.js';
import { TooManyRequests, Unauthenticated } from '../http/errors.js';
import { BusinessStatus, UserStatus } from '../access/roles.js';
import { ROBOT_PREFIX, type RobotCredentials } from './robots.js';
import { type Access, type ActionSet, intersect, parseScopes, projectOf } from './scopes.js';
import type { IssuedToken, RegistryTokenSigner } from './signer.js';

/** Who asks for a registry token, resolved from HTTP Basic credentials. */
type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'robot'; readonly businessId: number }
  | { readonly kind: 'account'; readonly name: string; readonly platform: boolean; readonly businessId: number | null };

const ALL: ActionSet = new Set(['pull', 'push', 'delete']);
const PULL: ActionSet = new Set(['pull']);
const NONE: ActionSet = new Set();

/**
 * The token endpoint's rules (API.md §10): a registry account may push, pull
 * and delete in its business's projects (the system administrator's in all),
 * a business's pull robot may pull from its business's projects, and anybody
 * may pull from public projects. The grant is what was asked ∩ what is allowed.
 */
export class RegistryTokenService {
  constructor(
    private readonly db: Db,
    private readonly signer: RegistryTokenSigner,
    private readonly robots: RobotCredentials,
    /** The login limits apply to registry passwords too: the token endpoint is as guessable as login. */
    private readonly throttle: LoginThrottle,
  ) {}

  async issue(
    credentials: { user: string; password: string } | null,
    scopes: readonly string[],
    address: string,
  ): Promise<IssuedToken> {
    const who = credentials ? await this.throttled(credentials, address) : ({ kind: 'anonymous' } as const);
    const granted: Access[] = [];
    const asked = parseScopes(scopes).filter((a) => a.type === 'repository');
    const projects = await this.projects(asked.map((a) => projectOf(a.name)).filter((p): p is string => p !== null));
    for (const a of asked) {
      const project = projects.get(projectOf(a.name) ?? '');
      const actions = intersect(a.actions, project ? allowed(who, project) : NONE);
      if (actions.length > 0) granted.push({ type: a.type, name: a.name, actions });
    }
    const subject = who.kind === 'anonymous' ? '' : who.kind === 'robot' ? this.robots.userName(who.businessId) : who.name;
    return this.signer.sign(subject, granted);
  }

  private async throttled(c: { user: string; password: string }, address: string): Promise<Principal> {
    const key = `registry:${c.user.toLowerCase()}`;
    const wait = this.throttle.retryAfter(key, address);
    if (wait > 0) throw new TooManyRequests(`too many failed registry logins; retry in ${wait} s`, wait);
    try {
      const who = await this.authenticate(c.user, c.password);
      this.throttle.success(key, address);
      return who;
    } catch (err) {
      if (err instanceof Unauthenticated) this.throttle.failure(key, address);
      throw err;
    }
  }

  private async authenticate(user: string, password: string): Promise<Principal> {
    if (user.startsWith(ROBOT_PREFIX)) {
      const businessId = this.robots.verify(user, password);
      if (businessId === null) throw new Unauthenticated('wrong registry user name or password');
      // A robot of a business that is no longer approved keeps only what anonymous callers have.
      return (await businessStatus(this.db, businessId)) === BusinessStatus.approved ? { kind: 'robot', businessId } : { kind: 'anonymous' };
    }
    const account = await accountByName(this.db, user);
    const valid = account ? await verifyPassword(account.password_hash, password) : (await verifyDummy(password), false);
    // The account's user (its status and business decide the grant); gone: deleted meanwhile.
    const row = account && valid ? await findSelf(this.db, account.user_id) : undefined;
    if (!account || !row) throw new Unauthenticated('wrong registry user name or password');
    if (row.status === UserStatus.forbidden || row.status === UserStatus.notApproved) {
      throw new Unauthenticated('account forbidden');
    }
    const member = row.status === UserStatus.approved && row.business_status === BusinessStatus.approved;
    return {
      kind: 'account',
      name: account.user_name,
      platform: row.is_system === 1,
      businessId: member ? row.business_id : null,
    };
  }

  private async projects(names: string[]): Promise<Map<string, { businessId: number; public: boolean }>> {
    const out = new Map<string, { businessId: number; public: boolean }>();
    if (names.length === 0) return out;
    const rows = await projectsByName(this.db, [...new Set(names)].slice(0, 500));
    for (const r of rows) out.set(r.name, { businessId: r.business_id, public: r.public === 1 });
    return out;
  }
}

function allowed(who: Principal, project: { businessId: number; public: boolean }): ActionSet {
  const base = project.public ? PULL : NONE;
  if (who.kind === 'robot') return who.businessId === project.businessId ? PULL : base;
  if (who.kind === 'account') {
    if (who.platform || who.businessId === project.businessId) return ALL;
  }
  return base;
}
