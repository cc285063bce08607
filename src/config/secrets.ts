import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Reads a secret file from the data directory, creating it (random, mode 0600)
 * on first start. Several hub replicas must share the configured value instead.
 */
export function loadOrCreateSecret(dataDir: string, fileName: string, bytes = 32): string {
  const file = path.join(dataDir, fileName);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Owner only, like the files in it (db/index.ts makes it the same way).
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const value = randomBytes(bytes).toString('base64url');
  try {
    fs.writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw err;
  }
}

/** Derives a purpose-bound 32-byte key from the master secret (HKDF-SHA256). */
export function deriveKey(master: string, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', master, 'ote', purpose, 32));
}
