import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { RegistrySigningKey } from './keys.js';
import type { Access } from './scopes.js';

const TOKEN_ISSUER = 'ote';
/** Registry tokens live five minutes: clients ask again per operation anyway. */
const TOKEN_TTL = 300;

export interface IssuedToken {
  readonly token: string;
  readonly access_token: string;
  readonly expires_in: number;
  readonly issued_at: string;
}

/**
 * Signs a registry token. Distribution 2.8 finds the verifying key through the
 * header's `x5c` chain, which must end at a certificate of its `rootcertbundle`
 * (registry/auth/token/token.go, VerifySigningKey); `aud` is one string there.
 */
export class RegistryTokenSigner {
  constructor(
    /** Loaded once, on first use or at route registration (which surfaces a bad key file at start). */
    private readonly key: () => Promise<RegistrySigningKey>,
    private readonly service: string,
  ) {}

  async sign(subject: string, access: readonly Access[]): Promise<IssuedToken> {
    const key = await this.key();
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access: access.map((a) => ({ type: a.type, name: a.name, actions: a.actions })) })
      .setProtectedHeader({ alg: key.alg, typ: 'JWT', x5c: [...key.x5c] })
      .setIssuer(TOKEN_ISSUER)
      .setSubject(subject)
      .setAudience(this.service)
      .setIssuedAt(now)
      .setNotBefore(now - 1)
      .setExpirationTime(now + TOKEN_TTL)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, access_token: token, expires_in: TOKEN_TTL, issued_at: new Date(now * 1000).toISOString() };
  }
}
