import { type Caller, deriveRole, Role, UserStatus } from '../access/roles.js';
import type { Db } from '../db/types.js';
import { TooManyRequests, Unauthenticated } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import type { SettingsService } from '../settings/service.js';
import * as users from '../users/store.js';
import { verifyDummy, verifyPassword } from './passwords.js';
import type { AuthInfo } from './schemas.js';
import type { LoginThrottle } from './throttle.js';
import type { TokenService } from './tokens.js';

/** What other domains add to `GET /v1/authorization` (the registry account lands with the repository). */
type RepoAccountCheck = (userId: number) => Promise<boolean>;

const WRONG_CREDENTIALS = 'wrong user name or password';

/** The `reason` of ote_login_failures_total (API.md §9). */
export type LoginFailureReason = 'credentials' | 'throttled' | 'not_approved';

/** Login, token refresh and logout, and turning a token into a caller. */
export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
    private readonly settings: SettingsService,
  ) {}

  private hasRepoAccount: RepoAccountCheck = async () => false;
  private loginFailed: (reason: LoginFailureReason) => void = () => {};

  /** Counts refused logins (ote_login_failures_total, wired in server/metrics.ts). */
  onLoginFailure(count: (reason: LoginFailureReason) => void): void {
    this.loginFailed = count;
  }

  /** The repository domain answers whether a user has a registry account (wired in server/wiring.ts). */
  useRepoAccountCheck(check: RepoAccountCheck): void {
    this.hasRepoAccount = check;
  }

  async info(caller: Caller): Promise<AuthInfo> {
    const [flags, repo] = await Promise.all([this.settings.get(), this.hasRepoAccount(caller.userId)]);
    return {
      userId: caller.userId,
      businessId: caller.businessId,
      // The user name, as the seed's table says ("User name", example `ote_test1`), not the real name.
      displayName: caller.userName,
      hasRepoAccount: repo,
      role: caller.role,
      ...flags,
    };
  }

  async login(userName: string, password: string, address: string): Promise<{ token: string; userId: number }> {
    const key = userName.toLowerCase();
    // Reserved before the (slow) verification: guesses in flight count (API.md §3).
    const slot = await this.throttle.reserve(key, address);
    if ('wait' in slot) {
      this.loginFailed('throttled');
      throw new TooManyRequests(`too many failed logins; retry in ${slot.wait} s`, slot.wait);
    }
    const user = await users.findByNameKey(this.db, key);
    // An unknown user costs one argon2 verification too, so the two answer alike in time.
    const valid = user ? await verifyPassword(user.password_hash, password) : (await verifyDummy(password), false);
    // A failure was counted with the reservation; a success releases it and resets the pair.
    if (!user || !valid) {
      this.loginFailed('credentials');
      throw new Unauthenticated(WRONG_CREDENTIALS);
    }
    if (user.status === UserStatus.forbidden || user.status === UserStatus.notApproved) {
      // The credentials were right: released, then refused.
      await slot.release();
      this.loginFailed('not_approved');
      assertMayLogIn(user.status);
    }
    // The release and the session in one transaction (issue #13: one commit, not two). A user
    // deleted meanwhile fails the session's insert, and its reservation stays a failure.
    const claims = await this.db.transaction().execute(async (trx) => {
      await slot.release(trx);
      return this.tokens.openSession(user.id, trx);
    });
    return { token: await this.tokens.sign(claims), userId: user.id };
  }

  async refresh(caller: Caller): Promise<string> {
    return (await this.tokens.issue(caller.userId)).token;
  }

  logout(caller: Caller): Promise<void> {
    return this.tokens.revoke(caller.jti);
  }

  /** Verifies a token and loads its user; the role is derived now, not taken from the token. */
  async authenticate(token: string): Promise<Caller> {
    const claims = await this.tokens.verify(token);
    const user = await users.findBySession(this.db, claims.jti, claims.userId, nowSeconds());
    if (!user) throw new Unauthenticated('token revoked or expired');
    assertMayLogIn(user.status);
    const role = deriveRole({
      isSystem: user.is_system === 1,
      status: user.status,
      isAdmin: user.is_admin === 1,
      businessStatus: user.business_status,
    });
    return {
      userId: user.id,
      userName: user.user_name,
      role,
      businessId: user.business_id,
      tenantId: role === Role.member || role === Role.businessAdmin ? user.business_id : null,
      isAdmin: user.is_admin === 1,
      jti: claims.jti,
    };
  }
}

function assertMayLogIn(status: number): void {
  if (status === UserStatus.forbidden) throw new Unauthenticated('account forbidden');
  if (status === UserStatus.notApproved) throw new Unauthenticated('account not approved');
}
