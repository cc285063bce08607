/**
 * The README's quickstart, run as written: its ```sh blocks are taken from the README
 * itself, the first one (terminal 1) starts the hub, the others are typed in order into
 * one bash session (terminal 2), next to a real kube-apiserver (envtest) that `kubectl`
 * and the agent reach through $KUBECONFIG. Only these substitutions are made, each
 * checked to apply exactly once so an edited README fails here instead of drifting:
 *   - `127.0.0.1:8080` → the free port the test's hub listens on;
 *   - `npm ci` → nothing (this tree is installed), `npm start` → the same `ote serve`
 *     from the TypeScript sources (no dist/ build in a test);
 *   - `npm install -g .` → the sources' `ote` put on the PATH (no global install).
 * envtest has no kubelet: the test stands for it by marking the Deployment's
 * replicas available once the agent created it, as apps-e2e does. SQLite only.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, type V1Deployment } from '@kubernetes/client-node';
import { markDeploymentAvailable } from '../helpers/edges.js';
import { ENVTEST, type KubeCluster, createNode, startKube } from '../helpers/kube.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skip = fs.existsSync(ENVTEST) ? false : 'the shared kube-envtest tool is missing';

/** The ```sh blocks of the README's Quickstart section, in order. */
export function quickstartBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Quickstart');
  assert.ok(start >= 0, 'the README has a Quickstart section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** `text` with `from` replaced by `to`, which must occur exactly once. */
function replaceOnce(text: string, from: string | RegExp, to: string, what: string): string {
  const count =
    typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, `${from.flags}g`)) ?? []).length;
  assert.equal(count, 1, `the quickstart has ${what} exactly once (found ${count})`);
  return text.replace(from, to);
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** The environment without the test runner's OTE_* settings, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTE_'))), ...extra };
}

/** A process group the test started (bash and what it runs); stopped by its group id. */
class Terminal {
  output = '';
  readonly child: ChildProcess;
  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn('bash', args, { cwd: ROOT, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  /** SIGTERM to the group (the shell, the hub or the agent it started), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-pid, s);
      } catch {
        // the group is gone
      }
    };
    signal('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      try {
        process.kill(-pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    signal('SIGKILL');
  }
}

describe('the README quickstart, step by step, against a real kube-apiserver [sqlite]', { skip, timeout: 420_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-quickstart-'));
  let kube: KubeCluster;
  let hub: Terminal | null = null;
  let shell: Terminal | null = null;
  let stopKubelet = false;
  let kubelet: Promise<void> = Promise.resolve();

  before(async () => {
    kube = await startKube();
    await createNode(kube.core, { name: 'edge-1-node' });
  });
  after(async () => {
    stopKubelet = true;
    await kubelet;
    await shell?.stop();
    await hub?.stop();
    if (process.env.OTE_TEST_E2E_LOGS === '1') console.error(`--- hub\n${hub?.output}\n--- terminal 2\n${shell?.output}`);
    await kube?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * Stands for kube-controller-manager and the kubelet: every Deployment OTE manages gets a
   * status saying all its replicas run the current generation.
   */
  function runKubelet(): Promise<void> {
    const apps = kube.kc.makeApiClient(AppsV1Api);
    return (async () => {
      while (!stopKubelet) {
        const list = await apps
          .listDeploymentForAllNamespaces({ labelSelector: 'app.kubernetes.io/managed-by=ote' })
          .catch(() => ({ items: [] as V1Deployment[] }));
        for (const d of list.items) {
          const replicas = d.spec?.replicas ?? 1;
          if (d.status?.observedGeneration === d.metadata?.generation && d.status?.availableReplicas === replicas) continue;
          await markDeploymentAvailable(apps, d).catch(() => {}); // a conflict: the next round retries
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
  }

  it('runs every block as written and ends with the application available on the cluster', async () => {
    const blocks = quickstartBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    assert.ok(blocks.length >= 3, 'a hub block and the API steps');
    const port = await freePort();
    const local = (b: string) => b.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`);

    // Terminal 1: the hub.
    let hubBlock = replaceOnce(blocks[0], /^npm ci\n/m, '', '`npm ci`');
    hubBlock = replaceOnce(hubBlock, 'npm start', 'exec node --import tsx test/helpers/ote-cli.ts serve', '`npm start`');
    hub = new Terminal(['-c', hubBlock], cleanEnv({ OTE_PORT: String(port), OTE_DATA_DIR: path.join(tmp, 'data') }));
    const hubUrl = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 90_000; ;) {
      assert.ok(hub.running, `the hub stopped:\n${hub.output}`);
      if ((await fetch(`${hubUrl}/readyz`).catch(() => null))?.status === 200) break;
      assert.ok(Date.now() < deadline, `the hub did not answer /readyz within 90 s:\n${hub.output}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    // Terminal 2: every other block, in one shell session, as a user types them.
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'ote'), `#!/bin/sh\nexec node --import tsx ${ROOT}/test/helpers/ote-cli.ts "$@"\n`, {
      mode: 0o755,
    });
    const steps = blocks.slice(1).map(local);
    const joined = steps.join('\n@@\n');
    const installed = replaceOnce(joined, /^npm install -g \.$/m, `PATH=${bin}:$PATH`, '`npm install -g .`').split('\n@@\n');
    fs.mkdirSync(path.join(tmp, 'home'));
    shell = new Terminal(['--noprofile', '--norc'], cleanEnv({ KUBECONFIG: kube.kubeconfigPath, HOME: path.join(tmp, 'home') }));
    const sh = shell;
    // A failing command ends the session (and this test), with what it printed.
    sh.child.stdin!.write('set -eo pipefail\n');
    kubelet = runKubelet();
    for (const [i, step] of installed.entries()) {
      const marker = `@@step ${i} done`;
      sh.child.stdin!.write(`${step}\necho '${marker}'\n`);
      const context = () => `step ${i + 1}:\n${step}\n--- terminal 2\n${sh.output}\n--- hub\n${hub!.output.slice(-3000)}`;
      for (const deadline = Date.now() + 120_000; !sh.output.includes(marker);) {
        assert.ok(sh.running, `terminal 2 stopped (a command failed) at ${context()}`);
        assert.ok(Date.now() < deadline, `no end within 120 s of ${context()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    // What the steps printed, as the README says they would.
    const out = sh.output;
    assert.match(out, new RegExp(`^OTE_AGENT_TOKEN=[0-9a-f]{64} ote agent --hub ${hubUrl}$`, 'm'), 'echo "$JOIN"');
    assert.equal((out.match(/^success$/gm) ?? []).length, 3, 'user, business and application approvals, each "success"');
    assert.match(out, /^pending$/m, 'the application waits for its review');
    assert.match(out, /^hello\s+1\/1\s+1\s+1\s/m, 'kubectl shows the Deployment with its replica available');
    assert.match(hub.output, /created the system administrator from OTE_ADMIN_USER \/ OTE_ADMIN_PASSWORD/);
    assert.doesNotMatch(hub.output, /Quick-Start-2024/, 'the chosen password is never logged');

    // And what they did, read back independently of the shell.
    const apps = kube.kc.makeApiClient(AppsV1Api);
    const list = await apps.listDeploymentForAllNamespaces({ labelSelector: 'app.kubernetes.io/managed-by=ote' });
    assert.deepEqual(
      list.items.map((d) => [d.metadata?.namespace, d.metadata?.name, d.spec?.template?.spec?.containers?.[0]?.image]),
      [['ns1', 'hello', 'docker.io/library/nginx:1.27-alpine']],
    );
  });
});
