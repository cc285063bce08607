import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1). The numbers are part
 * of every stored hash, so raising them later only affects new hashes.
 */
export const ARGON2_PARAMS = {
  algorithm: 2, // Algorithm.Argon2id; a const enum that isolated modules cannot import
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false; // a malformed stored hash never authenticates
  }
}

let dummy: Promise<string> | undefined;
/**
 * Burns one verification against a throw-away hash, so that an unknown user
 * costs as much time as a wrong password for a known one.
 */
export async function verifyDummy(password: string): Promise<void> {
  dummy ??= hashPassword('Dummy-password-0');
  await verifyPassword(await dummy, password);
}
