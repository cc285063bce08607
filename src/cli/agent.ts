import fs from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { startAgent } from '../agent/agent.js';
import { jsonLogger } from '../agent/log.js';

export interface AgentFlags {
  readonly hub?: string;
  readonly token?: string;
  readonly kubeconfig?: string;
  readonly ca?: string;
  readonly heartbeat?: string;
}

/** Exit status when the hub rejects the join token: a supervisor should not just restart with the same one. */
export const EXIT_TOKEN_REJECTED = 3;

/** Runs the edge agent until SIGINT/SIGTERM, or until the hub rejects its token (exit 3). */
export async function agent(flags: AgentFlags): Promise<void> {
  const log = jsonLogger();
  const fail = (msg: string): never => {
    console.error(`ote agent: ${msg}`);
    process.exit(2);
  };
  if (!flags.hub) fail('--hub URL is required');
  if (!flags.token) fail('--token TOKEN is required (the join token of POST /v1/cluster)');
  if (!/^(https?|wss?):\/\//.test(flags.hub ?? '')) fail('--hub must be an http:// or https:// URL');
  const heartbeat = Number(flags.heartbeat ?? '10');
  if (!Number.isFinite(heartbeat) || heartbeat < 0.1 || heartbeat > 3600) fail('--heartbeat must be seconds between 0.1 and 3600');
  let ca: string | undefined;
  try {
    ca = flags.ca ? fs.readFileSync(flags.ca, 'utf8') : undefined;
  } catch (err) {
    fail(`--ca: cannot read ${flags.ca}: ${(err as Error).message}`);
  }
  const kubeConfig = new KubeConfig();
  try {
    // Without --kubeconfig: $KUBECONFIG, ~/.kube/config, or the in-cluster service account.
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    fail(`cannot load the Kubernetes configuration: ${(err as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) fail('no Kubernetes cluster configured (use --kubeconfig or $KUBECONFIG)');

  let running: Awaited<ReturnType<typeof startAgent>> | null = null;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    const done = running ? running.stop() : Promise.resolve();
    done.then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  running = await startAgent({
    hubUrl: flags.hub as string,
    token: flags.token as string,
    kubeConfig,
    ca,
    heartbeatSeconds: heartbeat,
    log,
  });
  if (stopping) return;
  const reason = await running.rejected;
  log.error(`${reason}; stopping. Register the agent again with a new token (POST /v1/cluster/<name>/token).`);
  await running.stop();
  process.exit(EXIT_TOKEN_REJECTED);
}
