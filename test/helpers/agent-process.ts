import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'test/helpers/ote-cli.ts');

/** A real `ote` process (agent or hub) started from the sources. */
export interface OteProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** stdout + stderr so far. */
  log(): string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (SIGTERM by default) to this pid; SIGKILL if it has not ended after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

/** Spawns `node --import tsx test/helpers/ote-cli.ts ...args`. */
export function spawnOte(args: readonly string[], env: Record<string, string> = {}): OteProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO,
    // The parent's OTE_* settings (test switches included) never leak into the child: it gets exactly `env`.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTE_'))), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  if (child.pid === undefined) throw new Error('could not spawn the ote command');
  const pid = child.pid;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    process.kill(pid, signal);
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
    }, graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return { pid, child, log: () => output, exited, stop };
}

export interface AgentProcessOptions {
  readonly hubUrl: string;
  readonly token: string;
  readonly kubeconfig: string;
  /** Seconds between heartbeats. */
  readonly heartbeat?: number;
}

/** Starts the real agent (`ote agent`) as a child process. */
export function startAgentProcess(opts: AgentProcessOptions): OteProcess {
  const args = ['agent', '--hub', opts.hubUrl, '--token', opts.token, '--kubeconfig', opts.kubeconfig];
  if (opts.heartbeat !== undefined) args.push('--heartbeat', String(opts.heartbeat));
  return spawnOte(args);
}

/**
 * A join command as the hub prints it (`OTE_AGENT_TOKEN=T ote agent --hub URL`), split the way
 * a shell would run it: the leading assignments become the environment, the rest follows `ote`.
 */
export function parseJoinCommand(command: string): { env: Record<string, string>; args: string[] } {
  const words = command.split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const word = words.shift()!;
    const eq = word.indexOf('=');
    env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  if (words.shift() !== 'ote') throw new Error(`not an ote command line: ${command}`);
  return { env, args: words };
}
