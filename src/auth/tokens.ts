import { createHash, randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { isForeignKeyViolation } from '../db/errors.js';
import type { Db } from '../db/types.js';
import { Unauthenticated } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import * as sessions from './session-store.js';

const ALG = 'HS256';
const ISSUER = 'ote-hub';
/** Tokens whose signature was verified, kept so that their next requests skip the HMAC (see `verify`). */
export const VERIFIED_TOKENS = 10_000;

export interface TokenClaims {
  readonly userId: number;
  readonly jti: string;
  readonly expiresAt: number;
}

/**
 * Login tokens: JWTs (HS256, pinned) that carry identity only. Each one has a
 * session row keyed by its `jti`, so logout and password changes revoke it
 * server-side, across restarts and replicas.
 */
export class TokenService {
  /**
   * A CryptoKey imported once: given raw bytes — or a secret KeyObject, which
   * jose 6 exports back to bytes — jose imports a CryptoKey on every sign and
   * verify (`importKey`, `normalizeAlgorithm`: a sixth of a list request's CPU, issue #13).
   */
  private readonly key: Promise<webcrypto.CryptoKey>;

  /**
   * The claims of tokens already verified, by the SHA-256 of the token (issue #13).
   * WebCrypto runs every HMAC as a job on libuv's threadpool: the hand-off cost a
   * list request more main-thread time than its SQL, and a login's signing queued
   * behind argon2 verifications. A token is accepted from here only if jose verified
   * that very token (a digest match) with this service's key, which never changes;
   * its expiry is checked on every use as jose checks it, and the session (revocation)
   * is still read on every request. Only verified tokens enter, so junk evicts nothing.
   */
  private readonly verified = new LRUCache<string, TokenClaims>({ max: VERIFIED_TOKENS });

  constructor(
    private readonly db: Db,
    key: Uint8Array,
    private readonly ttlSeconds: number,
  ) {
    this.key = webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async issue(userId: number): Promise<{ token: string; claims: TokenClaims }> {
    const claims = await this.openSession(userId);
    return { token: await this.sign(claims), claims };
  }

  /**
   * The session row of a new token (`within`: the caller's transaction); `sign` then
   * makes the token. Apart, so that the signing (a threadpool job) runs outside a transaction.
   */
  async openSession(userId: number, within: Db = this.db): Promise<TokenClaims> {
    const now = nowSeconds();
    const jti = randomUUID();
    const expiresAt = now + this.ttlSeconds;
    try {
      await sessions.insertSession(this.db, jti, userId, expiresAt, now, within);
    } catch (err) {
      // The user was deleted while its login (or refresh) was on its way.
      if (isForeignKeyViolation(err)) throw new Unauthenticated('the account no longer exists');
      throw err;
    }
    return { userId, jti, expiresAt };
  }

  /** The token of a session opened by `openSession`. */
  async sign(claims: TokenClaims): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(String(claims.userId))
      .setJti(claims.jti)
      .setIssuer(ISSUER)
      .setIssuedAt(claims.expiresAt - this.ttlSeconds)
      .setExpirationTime(claims.expiresAt)
      .sign(await this.key);
  }

  /** Checks signature, algorithm and expiry; the session check is the caller's (one query with the user). */
  async verify(token: string): Promise<TokenClaims> {
    // A digest, not the token, is compared: a lookup reveals nothing about a stored token's text.
    const digest = createHash('sha256').update(token).digest('base64');
    const known = this.verified.get(digest);
    if (known) {
      // jose's rule (no clock tolerance): expired once `exp <= now`.
      if (known.expiresAt > nowSeconds()) return known;
      this.verified.delete(digest);
      throw new Unauthenticated('token expired');
    }
    try {
      const { payload } = await jwtVerify(token, await this.key, { algorithms: [ALG], issuer: ISSUER });
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || userId < 1 || typeof payload.jti !== 'string' || !payload.exp) {
        throw new Unauthenticated('invalid token');
      }
      const claims = { userId, jti: payload.jti, expiresAt: payload.exp };
      // The hub never sets `nbf`; a token with one is checked in full each time.
      if (payload.nbf === undefined) this.verified.set(digest, claims);
      return claims;
    } catch (err) {
      if (err instanceof Unauthenticated) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new Unauthenticated('token expired');
      throw new Unauthenticated('invalid token');
    }
  }

  async revoke(jti: string): Promise<void> {
    await sessions.revokeSession(this.db, jti);
  }

  /** Revokes every live token of a user, except `keepJti` (the caller's own, on a password change). */
  async revokeUser(userId: number, keepJti?: string, trx: Db = this.db): Promise<void> {
    await sessions.revokeUserSessions(trx, userId, keepJti);
  }

  /** Drops every session of a user that is being deleted, inside the deletion's transaction. */
  async removeUser(userId: number, trx: Db): Promise<void> {
    await sessions.deleteUserSessions(trx, userId);
  }

  /** Drops sessions that have expired anyway (their tokens fail the expiry check). */
  async prune(): Promise<void> {
    await sessions.deleteExpiredSessions(this.db, nowSeconds() - 60);
  }
}
