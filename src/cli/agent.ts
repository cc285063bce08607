import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { type AgentOptions, type RunningAgent, startAgent } from '../agent/agent.js';
import { jsonLogger } from '../agent/log.js';

export interface AgentFlags {
  readonly hub?: string;
  readonly token?: string;
  readonly kubeconfig?: string;
  readonly ca?: string;
  readonly heartbeat?: string;
}

const OPTIONS = {
  hub: { type: 'string' },
  token: { type: 'string' },
  kubeconfig: { type: 'string' },
  ca: { type: 'string' },
  heartbeat: { type: 'string' },
} as const;

/**
 * The flags of `ote agent`. "--flag value" pairs are joined into "--flag=value"
 * first: a join token is base64url and may start with "-", which parseArgs
 * would otherwise refuse as an ambiguous option.
 */
export function parseAgentArgs(args: readonly string[]): AgentFlags {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : '';
    if (Object.hasOwn(OPTIONS, name) && i + 1 < args.length) joined.push(`${args[i]}=${args[++i]}`);
    else joined.push(args[i]);
  }
  return parseArgs({ args: joined, options: OPTIONS, strict: true, allowPositionals: false }).values;
}

/** `ote agent ...args`. */
export async function agentCommand(args: readonly string[]): Promise<void> {
  await agent(parseAgentArgs(args));
}

/** Exit status when the hub rejects the join token: a supervisor should not just restart with the same one. */
export const EXIT_TOKEN_REJECTED = 3;

/** A flag that does not fit; the message names it. */
export class UsageError extends Error {}

/** Checks the flags and loads the files they name (kubeconfig, CA). */
export function agentSettings(flags: AgentFlags): Omit<AgentOptions, 'log'> {
  if (!flags.hub) throw new UsageError('--hub URL is required');
  if (!flags.token) throw new UsageError('--token TOKEN is required (the join token of POST /v1/cluster)');
  if (!/^(https?|wss?):\/\/[^/]/.test(flags.hub)) throw new UsageError('--hub must be an http:// or https:// URL');
  const heartbeatSeconds = Number(flags.heartbeat ?? '10');
  if (!Number.isFinite(heartbeatSeconds) || heartbeatSeconds < 0.1 || heartbeatSeconds > 3600) {
    throw new UsageError('--heartbeat must be seconds between 0.1 and 3600');
  }
  let ca: string | undefined;
  try {
    ca = flags.ca ? fs.readFileSync(flags.ca, 'utf8') : undefined;
  } catch (err) {
    throw new UsageError(`--ca: cannot read ${flags.ca}: ${(err as Error).message}`);
  }
  const kubeConfig = new KubeConfig();
  try {
    // Without --kubeconfig: $KUBECONFIG, ~/.kube/config, or the in-cluster service account.
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new UsageError(`cannot load the Kubernetes configuration: ${(err as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new UsageError('no Kubernetes cluster configured (use --kubeconfig or $KUBECONFIG)');
  }
  return { hubUrl: flags.hub, token: flags.token, kubeConfig, ca, heartbeatSeconds };
}

/** Runs the edge agent until SIGINT/SIGTERM, or until the hub rejects its token (exit 3). Bad flags: exit 2. */
export async function agent(flags: AgentFlags): Promise<void> {
  let settings: Omit<AgentOptions, 'log'>;
  try {
    settings = agentSettings(flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`ote agent: ${err.message}`);
    process.exit(2);
  }
  const log = jsonLogger();
  let running: RunningAgent | null = null;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    (running ? running.stop() : Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  running = await startAgent({ ...settings, log });
  if (stopping) return;
  const reason = await running.rejected;
  log.error(`${reason}; stopping. Run the agent again with a new join token (POST /v1/cluster/<name>/token).`);
  await running.stop();
  process.exit(EXIT_TOKEN_REJECTED);
}
