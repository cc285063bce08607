import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { TokenService } from '../../src/auth/tokens.js';
import type { Db } from '../../src/db/types.js';
import { Unauthenticated } from '../../src/http/errors.js';
import { nowSeconds } from '../../src/lib/time.js';

/** Token verification, and its memory of tokens already verified (issue #13). */
const key = randomBytes(32);
// verify() reads no table: the database is never touched here.
const service = () => new TokenService({} as Db, key, 3600);

function sign(claims: { sub?: string; jti?: string; exp: number; nbf?: number }, withKey: Uint8Array = key) {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('ote-hub').setIssuedAt();
  if (claims.sub) jwt.setSubject(claims.sub);
  if (claims.jti) jwt.setJti(claims.jti);
  if (claims.nbf) jwt.setNotBefore(claims.nbf);
  return jwt.setExpirationTime(claims.exp).sign(withKey);
}

const refused = (p: Promise<unknown>, message: RegExp) =>
  assert.rejects(p, (err: unknown) => err instanceof Unauthenticated && message.test(err.message));

describe('token verification', () => {
  it('accepts a token again with the same claims, and a forged twin of it never', async () => {
    const tokens = service();
    const token = await sign({ sub: '7', jti: 'j-1', exp: nowSeconds() + 600 });
    const first = await tokens.verify(token);
    assert.deepEqual(first, { userId: 7, jti: 'j-1', expiresAt: first.expiresAt });
    assert.deepEqual(await tokens.verify(token), first);
    // The same header and claims with another signature, or other claims under the known signature.
    const [h, p, s] = token.split('.');
    const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
    await refused(tokens.verify(`${h}.${p}.${flipped}`), /invalid token/);
    const otherClaims = (await sign({ sub: '8', jti: 'j-1', exp: nowSeconds() + 600 })).split('.')[1];
    await refused(tokens.verify(`${h}.${otherClaims}.${s}`), /invalid token/);
    await refused(tokens.verify(await sign({ sub: '7', jti: 'j-1', exp: nowSeconds() + 600 }, randomBytes(32))), /invalid token/);
    assert.deepEqual(await tokens.verify(token), first, 'the real token still passes');
  });

  it('refuses a verified token once it has expired', async () => {
    const tokens = service();
    const exp = nowSeconds() + 1;
    const token = await sign({ sub: '7', jti: 'j-2', exp });
    assert.equal((await tokens.verify(token)).expiresAt, exp);
    while (nowSeconds() < exp) await sleep(100);
    await refused(tokens.verify(token), /token expired/);
    await refused(tokens.verify(token), /token expired/);
  });

  it('refuses tokens without a user or session id, and checks one with `nbf` in full each time', async () => {
    const tokens = service();
    await refused(tokens.verify(await sign({ jti: 'j-3', exp: nowSeconds() + 600 })), /invalid token/);
    await refused(tokens.verify(await sign({ sub: '7', exp: nowSeconds() + 600 })), /invalid token/);
    await refused(
      tokens.verify(await sign({ sub: '7', jti: 'j-4', exp: nowSeconds() + 600, nbf: nowSeconds() + 300 })),
      /invalid token|nbf/,
    );
    const early = await sign({ sub: '7', jti: 'j-5', exp: nowSeconds() + 600, nbf: nowSeconds() - 1 });
    assert.equal((await tokens.verify(early)).jti, 'j-5');
    assert.equal((await tokens.verify(early)).jti, 'j-5');
  });
});
