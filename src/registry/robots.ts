import { createHmac, timingSafeEqual } from 'node:crypto';

/** Registry user names with this prefix are the hub's per-business pull robots (reserved). */
export const ROBOT_PREFIX = 'ote-pull-';
export const RESERVED_PREFIX = 'ote-';

/**
 * The pull-only registry credential of each business. Its password is an HMAC
 * of the business id under a key derived from the hub's secret: nothing to
 * store, the same on every replica, and rotated with the hub's secret.
 */
export class RobotCredentials {
  constructor(private readonly key: Uint8Array) {}

  userName(businessId: number): string {
    return `${ROBOT_PREFIX}${businessId}`;
  }

  password(businessId: number): string {
    return createHmac('sha256', this.key).update(`pull-robot:${businessId}`).digest('base64url');
  }

  /** The business whose robot these credentials are, or null. */
  verify(user: string, password: string): number | null {
    const m = /^ote-pull-([1-9][0-9]{0,9})$/.exec(user);
    if (!m) return null;
    const id = Number(m[1]);
    const want = Buffer.from(this.password(id));
    const got = Buffer.from(password);
    return got.length === want.length && timingSafeEqual(got, want) ? id : null;
  }
}
