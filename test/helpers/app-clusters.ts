import assert from 'node:assert/strict';
import type { DesiredMessage, WorkloadStatus } from '../../src/agent-link/protocol.js';
import { Api, expectStatus } from './client.js';
import { FakeAgent, nodeReport, until } from './fake-agent.js';
import { ADMIN, type DbKind, type TestHub, startHub } from './hub.js';
import { type Tenant, makeTenant, uniqueName } from './tenants.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- workload objects and response bodies are open-ended JSON
type Obj = Record<string, any>;

/** A registered cluster behind a protocol-level agent. */
export interface AgentCluster {
  readonly name: string;
  readonly token: string;
  agent: FakeAgent;
}

export interface AppClustersOptions {
  /** Nodes each agent reports: `<cluster>-a`, `<cluster>-b`, … (default 1). */
  readonly nodesPerCluster?: number;
  /** The status message `report` sends while fewer replicas than desired are available (default ''). */
  readonly unavailableMessage?: string;
}

/**
 * Application tests against a real hub with fake agents (API.md §8): `start()` runs the hub on
 * `db` and makes a tenant; `clusters()` registers clusters behind agents; the rest reads what
 * the agents are given and reports what they run. `stop()` closes the agents, then the hub.
 */
export class AppClusters {
  hub!: TestHub;
  api!: Api;
  admin!: string;
  tenant!: Tenant;
  private readonly open: FakeAgent[] = [];

  constructor(
    private readonly db: DbKind,
    private readonly opts: AppClustersOptions = {},
  ) {}

  readonly start = async (): Promise<void> => {
    this.hub = await startHub(this.db, { OTE_REGISTRY_DOMAIN: 'registry.test' });
    this.api = new Api(this.hub.url);
    this.admin = await this.api.login(ADMIN.user, ADMIN.password);
    this.tenant = await makeTenant(this.api, this.admin);
  };

  readonly stop = async (): Promise<void> => {
    for (const a of this.open.splice(0)) a.close();
    await this.hub?.close();
  };

  /** An agent for the cluster `name` on `token` (again, after a close), closed by stop(). */
  readonly connect = async (token: string, name: string): Promise<FakeAgent> => {
    const nodes = Array.from({ length: this.opts.nodesPerCluster ?? 1 }, (_, i) => nodeReport(`${name}-${'abcdefgh'[i]}`));
    const agent = await FakeAgent.connect(this.hub.url, token, { nodes });
    this.open.push(agent);
    return agent;
  };

  /** Registers `n` clusters carrying `label`, each with its agent; sorted by name (the rollout order). */
  readonly clusters = async (n: number, label: string): Promise<AgentCluster[]> => {
    const out: AgentCluster[] = [];
    for (let i = 0; i < n; i++) {
      const name = uniqueName('k');
      const reg = expectStatus(await this.api.post('/v1/cluster', { token: this.admin, body: { clusterName: name } }), 200);
      this.api.secrets.add(reg.data.token);
      out.push({ name, token: reg.data.token, agent: await this.connect(reg.data.token, name) });
    }
    expectStatus(
      await this.api.post('/v1/cluster/label', {
        token: this.admin,
        body: { clusterLabel: label, clusterName: out.map((c) => c.name) },
      }),
      200,
    );
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  };

  readonly ns = (): string => `ns${this.tenant.businessId}`;
  /** The last full desired state `c` was given. */
  readonly latest = (c: AgentCluster): DesiredMessage | undefined => c.agent.desired.at(-1);
  readonly deployment = (m: DesiredMessage | undefined, name: string): Obj | undefined => {
    const workloads: Obj[] = m?.state.workloads ?? [];
    return workloads.find((w) => w.kind === 'Deployment' && w.metadata.name === name);
  };
  readonly revisionOn = (c: AgentCluster, name: string): string | undefined =>
    this.deployment(this.latest(c), name)?.metadata.labels['app.ote-stack.io/revision'];
  readonly waitRevision = (c: AgentCluster, name: string, revision: string | undefined, ms = 8000): Promise<void> =>
    until(`${c.name} to be given revision ${revision} of ${name}`, () => this.revisionOn(c, name) === revision, ms);

  /** The agent reports the Deployment the hub asked for (revision label and replicas), `available` of them available. */
  readonly report = (c: AgentCluster, name: string, available: number, o: Partial<WorkloadStatus> = {}): void => {
    const d = this.deployment(this.latest(c), name);
    assert.ok(d, `${c.name} has a Deployment ${name} to report`);
    const replicas = d.spec.replicas as number;
    const status: WorkloadStatus = {
      namespace: this.ns(),
      name,
      kind: 'Deployment',
      generation: 1,
      observedGeneration: 1,
      desiredReplicas: replicas,
      updatedReplicas: replicas,
      readyReplicas: available,
      availableReplicas: available,
      message: available < replicas ? (this.opts.unavailableMessage ?? '') : '',
      labels: { ...d.metadata.labels },
      ...o,
    };
    c.agent.send({ type: 'heartbeat', workloads: [status] });
  };

  readonly detail = async (id: number): Promise<Obj> =>
    expectStatus(await this.api.get(`/v1/app/${id}`, { token: this.tenant.member.token }), 200).data;
  readonly stateOf = async (id: number, c: AgentCluster): Promise<Obj> =>
    (await this.detail(id)).clusters.find((x: Obj) => x.clusterName === c.name) as Obj;
  readonly waitState = (id: number, c: AgentCluster, state: string, ms = 8000): Promise<void> =>
    until(`${c.name} to be ${state}`, async () => (await this.stateOf(id, c))?.state === state, ms);
  readonly approve = async (id: number): Promise<void> => {
    expectStatus(await this.api.put(`/v1/app/${id}/audit`, { token: this.admin, body: { status: 1 } }), 200);
  };
  readonly createApp = async (body: Obj): Promise<number> =>
    expectStatus(await this.api.post('/v1/app', { token: this.tenant.member.token, body }), 200).data.id as number;
}
