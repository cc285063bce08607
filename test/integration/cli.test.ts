import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Api, expectStatus } from '../helpers/client.js';
import { DATABASES, TestDatabase } from '../helpers/hub.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The real `ote serve`, from the TypeScript sources (bin/ote.js runs the same main() from dist/).
const SERVE = ['--import', 'tsx', '-e', "import('./src/cli/ote.ts').then((m) => m.main(['serve']))"];

/** The environment without the test runner's own OTE_* settings, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTE_')));
  return { ...base, ...env };
}

/** A running `ote serve` process and everything it has printed so far. */
class Serve {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, SERVE, { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Waits (bounded) until the output matches `re`, answering the match. */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(re);
      if (m) return m;
      if (this.child.exitCode !== null) assert.fail(`ote serve exited (${this.child.exitCode}) before ${re}:\n${this.output}`);
      if (Date.now() > deadline) assert.fail(`no ${re} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the process by its pid (SIGTERM, then SIGKILL after 10 s); answers its exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    process.kill(this.child.pid!, 'SIGTERM');
    const timer = setTimeout(
      () => this.child.pid && this.child.exitCode === null && process.kill(this.child.pid, 'SIGKILL'),
      10_000,
    );
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The exit code of a process expected to stop by itself, failing after `ms`. */
async function exitWithin(s: Serve, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ote serve did not exit within ${ms} ms:\n${s.output}`)), ms);
  });
  try {
    return await Promise.race([s.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('ote serve (the real CLI process)', () => {
  const started: Serve[] = [];
  const dirs: string[] = [];
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-cli-'));
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const s of started) await s.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('stops with a non-zero exit and a message naming OTE_PORT when it is not a port', async () => {
    const s = new Serve({ OTE_PORT: 'abc', OTE_DATA_DIR: tempDir() });
    started.push(s);
    const code = await exitWithin(s, 60_000);
    assert.notEqual(code, 0);
    assert.match(s.output, /OTE_PORT/);
    assert.doesNotMatch(s.output, /listening/);
  });

  it('refuses a weak OTE_ADMIN_PASSWORD at start without printing it', async () => {
    const weak = 'weakpass';
    const s = new Serve({ OTE_ADMIN_PASSWORD: weak, OTE_PORT: '0', OTE_DATA_DIR: tempDir() });
    started.push(s);
    const code = await exitWithin(s, 60_000);
    assert.notEqual(code, 0);
    assert.match(s.output, /OTE_ADMIN_PASSWORD/);
    assert.ok(!s.output.includes(weak), 'the weak password is not echoed');
  });

  it('stops with a non-zero exit and a message naming OTE_PORT when the port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const s = new Serve({ OTE_HOST: '127.0.0.1', OTE_PORT: String(port), OTE_DATA_DIR: tempDir() });
      started.push(s);
      const code = await exitWithin(s, 60_000);
      assert.notEqual(code, 0);
      assert.match(s.output, /OTE_PORT/);
      assert.match(s.output, /address already in use/);
      assert.doesNotMatch(s.output, / {4}at /, 'a message, not a stack trace');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  for (const db of DATABASES) {
    it(`generates the administrator password on first start, prints it once, and it logs in [${db}]`, async () => {
      const database = await TestDatabase.create(db);
      try {
        const env = {
          OTE_HOST: '127.0.0.1',
          OTE_PORT: '0',
          OTE_DATA_DIR: database.dataDir,
          OTE_LOG_LEVEL: 'info',
          ...(database.url ? { OTE_DATABASE_URL: database.url } : {}),
        };
        const first = new Serve(env);
        started.push(first);
        const [, password] = await first.waitFor(/generated password: (\S+) /);
        const [, url] = await first.waitFor(/OTE hub listening on (http:\/\/\S+) /);
        assert.match(password, /^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9]).{20}$/, 'the generated password passes the policy');
        const api = new Api(url);
        const token = await api.login('admin', password);
        assert.equal(expectStatus(await api.get('/v1/authorization', { token }), 200).data.role, 4);
        const typo = 'Typo-Passw0rd-x';
        expectStatus(await api.post('/v1/authorization', { body: { user: 'admin', password: typo } }), 401);
        assert.equal(await first.stop(), 0, 'a clean stop on SIGTERM');
        // Secrets stay out of the log: the password appears once, the rest never.
        assert.equal(first.output.split(password).length - 1, 1, 'the generated password is printed exactly once');
        assert.ok(!first.output.includes(typo), 'a tried password is not logged');
        assert.ok(!first.output.includes(token), 'a token is not logged');

        // A second start on the same data keeps the administrator and prints no password.
        const second = new Serve(env);
        started.push(second);
        const [, url2] = await second.waitFor(/OTE hub listening on (http:\/\/\S+) /);
        assert.doesNotMatch(second.output, /generated password/);
        await new Api(url2).login('admin', password);
        assert.equal(await second.stop(), 0);
      } finally {
        await database.drop();
      }
    });
  }
});
