import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import { deriveKey } from '../../src/config/secrets.js';
import type { TestHub } from './hub.js';

/** The hub's login-token key, derived exactly as src/server/app.ts does. */
export function jwtKeyOf(hub: TestHub): Uint8Array {
  const { config } = hub;
  if (config.OTE_JWT_SECRET) return new TextEncoder().encode(config.OTE_JWT_SECRET);
  const master = config.OTE_SECRET_KEY ?? fs.readFileSync(path.join(config.OTE_DATA_DIR, 'secret.key'), 'utf8').trim();
  return deriveKey(master, 'jwt');
}

/** Signs `claims` (HS256) with `key`: the real key for expired tokens, another for forgeries. */
export function signToken(key: Uint8Array, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

/** An unsigned token (`alg: none`) with the given claims. */
export function unsignedToken(claims: JWTPayload): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}

/** The claims of a real token, to re-sign them altered. */
export const claimsOf = (token: string): JWTPayload => decodeJwt(token);
