import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { type AgentOptions, type RunningAgent, startAgent } from '../agent/agent.js';
import { jsonLogger } from '../agent/log.js';

export interface AgentFlags {
  readonly hub?: string;
  readonly token?: string;
  readonly 'token-file'?: string;
  readonly kubeconfig?: string;
  readonly ca?: string;
  readonly heartbeat?: string;
  readonly help?: boolean;
}

const OPTIONS = {
  hub: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  kubeconfig: { type: 'string' },
  ca: { type: 'string' },
  heartbeat: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const AGENT_USAGE = `usage: OTE_AGENT_TOKEN=TOKEN ote agent --hub URL [options]

Runs next to one edge cluster: dials the hub (outbound only), reports the
cluster's nodes and workloads, and applies the desired state the hub sends.

  --hub URL            the hub's address (its OTE_PUBLIC_URL), http(s)://host[:port]
  --token-file PATH    a file holding the join token
  --token TOKEN        the join token itself (visible in \`ps\`: prefer OTE_AGENT_TOKEN
                       or --token-file); the token of POST /v1/cluster or /token
  --kubeconfig PATH    the cluster to manage (default: $KUBECONFIG, ~/.kube/config,
                       or the pod's service account)
  --ca FILE            PEM CA that signed the hub's certificate (private CA)
  --heartbeat SECONDS  report interval (default 10)
  -h, --help           this text

environment:
  OTE_AGENT_TOKEN      the join token, when neither --token nor --token-file is given

exit status: 0 stopped by SIGINT/SIGTERM; 2 bad flags or no usable Kubernetes
configuration; 3 the hub refused the join token (rotate it, then run again).`;

/** Where client-node finds the in-cluster service account token. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The flags of `ote agent`. "--flag value" pairs are joined into "--flag=value"
 * first: a join token is base64url and may start with "-", which parseArgs
 * would otherwise refuse as an ambiguous option.
 */
export function parseAgentArgs(args: readonly string[]): AgentFlags {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : '';
    const option = Object.hasOwn(OPTIONS, name) ? OPTIONS[name as keyof typeof OPTIONS] : undefined;
    if (option?.type === 'string' && i + 1 < args.length) joined.push(`${args[i]}=${args[++i]}`);
    else joined.push(args[i]);
  }
  return parseArgs({ args: joined, options: OPTIONS, strict: true, allowPositionals: false }).values;
}

/** `ote agent ...args`. */
export async function agentCommand(args: readonly string[]): Promise<void> {
  const flags = parseAgentArgs(args);
  if (flags.help) {
    console.log(AGENT_USAGE);
    return;
  }
  await agent(flags);
}

/** Exit status when the hub rejects the join token: a supervisor should not just restart with the same one. */
export const EXIT_TOKEN_REJECTED = 3;

/** A flag that does not fit; the message names it. */
export class UsageError extends Error {}

/** Checks the flags and loads the files they name (token, kubeconfig, CA); `env` supplies OTE_AGENT_TOKEN and the kubeconfig search. */
export function agentSettings(flags: AgentFlags, env: NodeJS.ProcessEnv = process.env): Omit<AgentOptions, 'log'> {
  if (!flags.hub) throw new UsageError('--hub URL is required (see ote agent --help)');
  if (!/^(https?|wss?):\/\/[^/]/.test(flags.hub)) throw new UsageError('--hub must be an http:// or https:// URL');
  const token = joinToken(flags, env);
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
  return { hubUrl: flags.hub, token, kubeConfig: kubeConfig(flags.kubeconfig, env), ca, heartbeatSeconds };
}

/** The join token: --token, else --token-file, else $OTE_AGENT_TOKEN (the form the hub prints). */
function joinToken(flags: AgentFlags, env: NodeJS.ProcessEnv): string {
  if (flags.token !== undefined && flags['token-file'] !== undefined) {
    throw new UsageError('give the join token once: --token or --token-file, not both');
  }
  let token = flags.token;
  if (flags['token-file'] !== undefined) {
    try {
      token = fs.readFileSync(flags['token-file'], 'utf8').trim();
    } catch (err) {
      throw new UsageError(`--token-file: cannot read ${flags['token-file']}: ${(err as Error).message}`);
    }
    if (!token) throw new UsageError(`--token-file: ${flags['token-file']} is empty`);
  }
  token ??= env.OTE_AGENT_TOKEN?.trim() || undefined;
  if (!token) {
    throw new UsageError(
      'the join token is required: set OTE_AGENT_TOKEN, or pass --token-file PATH or --token TOKEN ' +
        '(the token of POST /v1/cluster, shown once)',
    );
  }
  return token;
}

/**
 * The Kubernetes configuration, from --kubeconfig, $KUBECONFIG, ~/.kube/config or the pod's
 * service account. With none of them client-node would fall back to http://localhost:8080
 * and the agent would retry that for ever: refuse instead, saying where it looked.
 */
function kubeConfig(file: string | undefined, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  const home = env.HOME || os.homedir();
  const inPod = !!env.KUBERNETES_SERVICE_HOST && fs.existsSync(SERVICE_ACCOUNT_TOKEN);
  if (!file && !env.KUBECONFIG && !fs.existsSync(path.join(home, '.kube', 'config')) && !inPod) {
    throw new UsageError(
      `no Kubernetes configuration found: pass --kubeconfig PATH, set KUBECONFIG, create ${path.join(home, '.kube', 'config')}, ` +
        'or run the agent in a pod with a service account (deploy/agent-rbac.yaml)',
    );
  }
  try {
    if (file) kc.loadFromFile(file);
    else if (env.KUBECONFIG) {
      // client-node reads process.env; pass an explicit one through the same rules.
      const files = env.KUBECONFIG.split(path.delimiter).filter(Boolean);
      kc.loadFromFile(files[0]);
      for (const more of files.slice(1)) {
        const other = new KubeConfig();
        other.loadFromFile(more);
        kc.mergeConfig(other);
      }
    } else if (fs.existsSync(path.join(home, '.kube', 'config'))) kc.loadFromFile(path.join(home, '.kube', 'config'));
    else kc.loadFromCluster();
  } catch (err) {
    throw new UsageError(`cannot load the Kubernetes configuration: ${(err as Error).message}`);
  }
  const cluster = kc.getCurrentCluster();
  const server = cluster?.server;
  if (!server) {
    const where = file ?? env.KUBECONFIG ?? path.join(home, '.kube', 'config');
    throw new UsageError(`no Kubernetes cluster in ${where}: its current-context names no cluster with a server`);
  }
  try {
    new URL(server);
  } catch {
    throw new UsageError(`the Kubernetes configuration names an unusable server address "${server}"`);
  }
  if (server.startsWith('http:') && !cluster?.skipTLSVerify) {
    // client-node refuses every call then, and the agent would retry for ever.
    throw new UsageError(
      `the Kubernetes server ${server} is plain http, which the client only uses with insecure-skip-tls-verify: true`,
    );
  }
  return kc;
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
  if (flags.token !== undefined) {
    log.warn(
      'the join token on the command line is visible to every user of this machine (ps); prefer OTE_AGENT_TOKEN or --token-file',
    );
  }
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
