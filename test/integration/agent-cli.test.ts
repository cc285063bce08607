import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type OteProcess, parseJoinCommand, spawnOte } from '../helpers/agent-process.js';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Waits (bounded) for a process that should stop by itself; answers its exit code. */
async function exitOf(p: OteProcess, ms = 60_000): Promise<number | string> {
  const timer = setTimeout(() => void p.stop('SIGKILL'), ms);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits (bounded) until the process has printed something matching `re`. */
async function printed(p: OteProcess, re: RegExp, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!re.test(p.log())) {
    if (p.child.exitCode !== null) assert.fail(`exited ${p.child.exitCode} before ${re}:\n${p.log()}`);
    if (Date.now() > deadline) assert.fail(`no ${re} within ${ms} ms:\n${p.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-agent-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
/** A home without ~/.kube: no Kubernetes configuration to fall back on. */
const HOME = path.join(tmp, 'home');
fs.mkdirSync(HOME);

// The real command: bad flags stop it with status 2 and a message before it touches the network
// (each rule is unit-tested in test/unit/agent-cli.test.ts).
describe('ote agent command line', () => {
  it('exits 2 naming the missing flag (and takes a token that starts with "-")', async () => {
    const p = spawnOte(['agent', '--token', '-starts-with-a-dash']);
    assert.equal(await exitOf(p), 2, p.log());
    assert.match(p.log(), /ote agent: --hub URL is required/);
  });

  it('exits non-zero on an unknown flag', async () => {
    const p = spawnOte(['agent', '--hub', 'http://127.0.0.1:9', '--token', 't', '--bogus']);
    assert.equal(await exitOf(p), 1, p.log());
    assert.match(p.log(), /bogus/);
  });

  it('answers --help for ote, ote serve, ote agent and ote admin with its usage, exit 0', async () => {
    for (const [args, usage] of [
      [['--help'], /^usage: ote COMMAND/m],
      [['help'], /^usage: ote COMMAND/m],
      [['serve', '--help'], /^usage: ote serve[\s\S]*--public-url URL/m],
      [['agent', '--help'], /^usage: OTE_AGENT_TOKEN=TOKEN ote agent --hub URL[\s\S]*--token-file PATH[\s\S]*exit status/m],
      [['agent', '-h'], /^usage: OTE_AGENT_TOKEN=TOKEN ote agent/m],
      [['help', 'agent'], /^usage: OTE_AGENT_TOKEN=TOKEN ote agent/m],
      [['admin', 'reset-password', '--help'], /^usage: ote admin reset-password \[--user NAME\]/m],
    ] as const) {
      const p = spawnOte([...args]);
      assert.equal(await exitOf(p), 0, `${args.join(' ')}: ${p.log()}`);
      assert.match(p.log(), usage, args.join(' '));
    }
  });

  it('without any Kubernetes configuration stops at once with exit 2 and says where it looked', async () => {
    const started = Date.now();
    const p = spawnOte(['agent', '--hub', 'http://127.0.0.1:9'], { HOME, OTE_AGENT_TOKEN: 'x'.repeat(64) });
    assert.equal(await exitOf(p), 2, p.log());
    assert.match(p.log(), /ote agent: no Kubernetes configuration found: pass --kubeconfig PATH, set KUBECONFIG/);
    assert.doesNotMatch(p.log(), /localhost:8080|watch of/);
    assert.ok(Date.now() - started < 30_000, 'at once, not after retries');
  });
});

describe('bin/ote.js without a build', () => {
  it('says to run npm run build when dist/ is missing, and runs dist/cli/ote.js when it is there', async () => {
    const dir = path.join(tmp, 'pkg');
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'bin/ote.js'), path.join(dir, 'bin/ote.js'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(dir, 'bin/ote.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code, out }));
      });
    const missing = await run('--help');
    assert.equal(missing.code, 2, missing.out);
    assert.match(missing.out, /dist\/ is missing \(the compiled sources\): run npm run build/);
    assert.doesNotMatch(missing.out, /ERR_MODULE_NOT_FOUND| {4}at /);

    fs.mkdirSync(path.join(dir, 'dist/cli'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dist/cli/ote.js'), "import 'no-such-package-xyz';\nexport async function main() {}\n");
    const broken = await run('--help');
    assert.equal(broken.code, 2, broken.out);
    assert.match(broken.out, /no-such-package-xyz[\s\S]*run npm ci \(or npm run build\)/);

    fs.writeFileSync(
      path.join(dir, 'dist/cli/ote.js'),
      'export async function main(argv) { console.log("main", argv.join(",")); }\n',
    );
    const ok = await run('agent', '--help');
    assert.equal(ok.code, 0, ok.out);
    assert.equal(ok.out.trim(), 'main agent,--help');
  });
});

for (const db of DATABASES) {
  describe(`ote agent and the hub: the hub first, the token from the environment or a file [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let kubeconfig: string;
    /** A stand-in apiserver that only counts who calls it: the agent must not, before the hub said yes. */
    let apiserver: http.Server;
    let kubeCalls = 0;
    const running: OteProcess[] = [];

    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      apiserver = http.createServer((req, res) => {
        kubeCalls += 1;
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"kind":"Status","code":503}');
      });
      await new Promise<void>((resolve) => apiserver.listen(0, '127.0.0.1', resolve));
      kubeconfig = path.join(tmp, `kubeconfig-${db}`);
      fs.writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${(apiserver.address() as AddressInfo).port}", insecure-skip-tls-verify: true}}]`,
          'users: [{name: u, user: {token: t}}]',
          'contexts: [{name: x, context: {cluster: c, user: u}}]',
          'current-context: x',
        ].join('\n'),
      );
    });
    after(async () => {
      for (const p of running) await p.stop('SIGKILL');
      await new Promise((resolve) => apiserver?.close(resolve));
      await hub?.close();
    });

    it('a refused token is exit 3 before any Kubernetes call', async () => {
      kubeCalls = 0;
      const p = spawnOte(['agent', '--hub', hub.url, '--kubeconfig', kubeconfig], { HOME, OTE_AGENT_TOKEN: 'f'.repeat(64) });
      running.push(p);
      assert.equal(await exitOf(p), 3, p.log());
      assert.match(p.log(), /refused the join token \(HTTP 401\)/);
      assert.equal(kubeCalls, 0, 'the apiserver was never called');
      assert.doesNotMatch(p.log(), /watching the cluster/);
    });

    it('runs the printed command as is (OTE_AGENT_TOKEN), and with --token-file; the cluster is read only after the hub answered', async () => {
      const join = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: `cli-${db}` } }), 200).data;
      api.secrets.add(join.token);
      const { env, args } = parseJoinCommand(join.command);
      assert.deepEqual(Object.keys(env), ['OTE_AGENT_TOKEN']);
      kubeCalls = 0;
      const viaEnv = spawnOte([...args, '--kubeconfig', kubeconfig], { HOME, ...env });
      running.push(viaEnv);
      await printed(viaEnv, /connected to the hub[\s\S]*watching the cluster/);
      const log = viaEnv.log();
      assert.ok(log.indexOf('connected to the hub') < log.indexOf('watching the cluster'), 'the hub first');
      await printed(viaEnv, /watch of \w+ failed/);
      assert.ok(kubeCalls > 0, `then the cluster: ${viaEnv.log()}`);
      assert.ok(!log.includes(join.token), 'the token is never logged');
      assert.doesNotMatch(log, /visible to every user/, 'no warning for the environment form');
      await viaEnv.stop();

      const tokenFile = path.join(tmp, `token-${db}`);
      fs.writeFileSync(tokenFile, `${join.token}\n`, { mode: 0o600 });
      const viaFile = spawnOte([...args, '--token-file', tokenFile, '--kubeconfig', kubeconfig], { HOME });
      running.push(viaFile);
      await printed(viaFile, /connected to the hub/);
      await viaFile.stop();

      // On the command line it still works, with a warning that `ps` shows it.
      const viaFlag = spawnOte([...args, '--token', join.token, '--kubeconfig', kubeconfig], { HOME });
      running.push(viaFlag);
      await printed(viaFlag, /connected to the hub/);
      assert.match(viaFlag.log(), /visible to every user of this machine \(ps\); prefer OTE_AGENT_TOKEN or --token-file/);
      await viaFlag.stop();
    });
  });
}
