import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { exportPKCS8, importPKCS8 } from 'jose';

/** The key that signs registry tokens and the certificate the registry trusts (`rootcertbundle`). */
export interface RegistrySigningKey {
  readonly privateKey: Awaited<ReturnType<typeof importPKCS8>>;
  readonly alg: 'ES256' | 'RS256';
  /** PEM of the certificate, served at GET /v1/registry/certificate. */
  readonly certificatePem: string;
  /** The certificate as base64 DER: the token header's `x5c` chain. */
  readonly x5c: readonly string[];
}

const KEY_FILE = 'registry-token.key';
const CERT_FILE = 'registry-token.crt';

// @peculiar/x509 needs a WebCrypto provider; Node's is the standard one.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * Loads the configured PEM files, or the pair in the data directory, creating
 * an ECDSA P-256 key and a self-signed certificate there on first start.
 */
export async function loadSigningKey(opts: {
  dataDir: string;
  keyFile?: string;
  certFile?: string;
}): Promise<RegistrySigningKey> {
  if (opts.keyFile || opts.certFile) {
    if (!opts.keyFile || !opts.certFile) {
      throw new Error('OTE_REGISTRY_TOKEN_KEY and OTE_REGISTRY_TOKEN_CERT must be set together');
    }
    return fromPem(fs.readFileSync(opts.keyFile, 'utf8'), fs.readFileSync(opts.certFile, 'utf8'));
  }
  const keyPath = path.join(opts.dataDir, KEY_FILE);
  const certPath = path.join(opts.dataDir, CERT_FILE);
  if (!fs.existsSync(keyPath) || !fs.existsSync(certPath)) await generate(keyPath, certPath);
  return fromPem(fs.readFileSync(keyPath, 'utf8'), fs.readFileSync(certPath, 'utf8'));
}

async function generate(keyPath: string, certPath: string): Promise<void> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    name: 'CN=OTE registry token signer',
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 10 * 365 * 86400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true)],
  });
  const keyPem = await exportPKCS8(keys.privateKey);
  fs.mkdirSync(path.dirname(keyPath), { recursive: true, mode: 0o700 });
  // Written key first, certificate last: a crash in between regenerates both next start.
  fs.writeFileSync(keyPath, `${keyPem.trim()}\n`, { mode: 0o600 });
  fs.writeFileSync(certPath, cert.toString('pem') + '\n', { mode: 0o600 });
}

async function fromPem(keyPem: string, certPem: string): Promise<RegistrySigningKey> {
  const cert = new x509.X509Certificate(certPem);
  // @peculiar/x509 types it with the DOM's Algorithm (not in this project's lib): Node's webcrypto names the same shape.
  const keyAlg = (cert.publicKey.algorithm as webcrypto.Algorithm).name;
  const alg = keyAlg === 'ECDSA' ? 'ES256' : 'RS256';
  const privateKey = await importPKCS8(keyPem, alg);
  return {
    privateKey,
    alg,
    certificatePem: cert.toString('pem') + '\n',
    x5c: [Buffer.from(cert.rawData).toString('base64')],
  };
}
