import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

/** Debian's CNCF Distribution (package docker-registry) and skopeo; scripts/provision.sh installs both. */
export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const SKOPEO_BIN = '/usr/bin/skopeo';
export const registryAvailable = (): boolean => fs.existsSync(REGISTRY_BIN) && fs.existsSync(SKOPEO_BIN);

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface RegistryOptions {
  readonly port: number;
  /** The test hub's base URL: token realm and notification endpoint. */
  readonly hubUrl: string;
  readonly certificatePem: string;
  readonly notifySecret: string;
  readonly service?: string;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry host in image references. */
  readonly host: string;
  readonly url: string;
  readonly dir: string;
  /** What the registry printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `docker-registry serve` on a loopback port with a temporary storage
 * directory, token auth against the hub (realm, service, issuer `ote`, the
 * hub's certificate as rootcertbundle), notifications to the hub, and deletes
 * enabled. Stopped by its pid (process group); the directory is removed.
 */
export async function startRegistry(opts: RegistryOptions): Promise<TestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-registry-'));
  const host = `127.0.0.1:${opts.port}`;
  const bundle = path.join(dir, 'token.crt');
  fs.writeFileSync(bundle, opts.certificatePem);
  fs.mkdirSync(path.join(dir, 'storage'));
  // JSON is YAML: no YAML writer needed.
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: path.join(dir, 'storage') }, delete: { enabled: true } },
    http: { addr: host, secret: randomBytes(16).toString('hex') },
    auth: {
      token: {
        realm: `${opts.hubUrl}/v1/registry/token`,
        service: opts.service ?? 'ote-registry',
        issuer: 'ote',
        rootcertbundle: bundle,
      },
    },
    notifications: {
      endpoints: [
        {
          name: 'ote-hub',
          url: `${opts.hubUrl}/v1/registry/notifications`,
          headers: { Authorization: [`Bearer ${opts.notifySecret}`] },
          timeout: '2s',
          threshold: 3,
          backoff: '500ms',
          ignoredmediatypes: ['application/octet-stream'],
        },
      ],
    },
  };
  const configFile = path.join(dir, 'config.yml');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child = spawn(REGISTRY_BIN, ['serve', configFile], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const reg: TestRegistry = {
    host,
    url: `http://${host}`,
    dir,
    output: () => out,
    stop: async () => {
      await stopProcess(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${out}`);
        try {
          const res = await fetch(`${reg.url}/v2/`, { signal: AbortSignal.timeout(1000) });
          return res.status === 401; // token auth is on: the registry sends clients to the realm
        } catch {
          return false;
        }
      },
      15_000,
      'docker-registry to listen',
    );
  } catch (err) {
    await reg.stop();
    throw err;
  }
  return reg;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` every 100 ms until it is true; fails after `ms`. */
export async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * Writes an OCI image layout holding one tiny image (a gzip layer with one
 * file whose content is `content`) tagged `tag`, and returns its directory.
 */
export async function buildOciImage(tag: string, content: string): Promise<{ dir: string; cleanup(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-oci-'));
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer | string) => {
    const digest = sha256(data);
    fs.writeFileSync(path.join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
  };
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-layer-'));
  try {
    fs.writeFileSync(path.join(src, 'hello.txt'), content);
    // Debian's tar writes the layer; a fixed mtime and owner keep it reproducible.
    const { stdout } = await run(
      'tar',
      ['-C', src, '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', 'hello.txt'],
      {
        encoding: 'buffer',
        maxBuffer: 10 * 1024 * 1024,
      },
    );
    const tar = stdout as Buffer;
    const layer = put(gzipSync(tar));
    const config = put(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
      }),
    );
    const manifest = put(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    );
    fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    fs.writeFileSync(
      path.join(dir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            ...manifest,
            annotations: { 'org.opencontainers.image.ref.name': tag },
          },
        ],
      }),
    );
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface SkopeoResult {
  readonly ok: boolean;
  readonly output: string;
}

async function skopeo(args: string[]): Promise<SkopeoResult> {
  // No stray auth file may lend credentials: every test says which ones it uses.
  const authFile = path.join(os.tmpdir(), `ote-skopeo-auth-${process.pid}.json`);
  try {
    const { stdout, stderr } = await run(SKOPEO_BIN, ['--insecure-policy', ...args], {
      timeout: 60_000,
      env: { ...process.env, REGISTRY_AUTH_FILE: authFile },
    });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
  }
}

/** `skopeo copy oci:<dir>:<tag> docker://<ref>` with the given credentials. */
export function push(ociDir: string, tag: string, ref: string, creds: string | null): Promise<SkopeoResult> {
  return skopeo([
    'copy',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', creds] : ['--dest-no-creds']),
    `oci:${ociDir}:${tag}`,
    `docker://${ref}`,
  ]);
}

/** `skopeo copy docker://<ref> oci:<tmp>` (anonymously when `creds` is null); the copy is removed. */
export async function pull(ref: string, creds: string | null): Promise<SkopeoResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-pull-'));
  try {
    return await skopeo([
      'copy',
      '--src-tls-verify=false',
      ...(creds ? ['--src-creds', creds] : ['--src-no-creds']),
      `docker://${ref}`,
      `oci:${dir}:pulled`,
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
