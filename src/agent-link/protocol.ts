import Type, { type Static } from 'typebox';

/**
 * The agent protocol (API.md §11): JSON text frames over one WebSocket that the
 * agent dials (`GET /v1/agent/connect`, `Authorization: Bearer <join token>`).
 * Shared by the hub (src/agent-link) and the agent (src/agent).
 *
 * Deltas (capability `delta`, negotiated in the hello; issue #13). An agent
 * that lists `delta` in `capabilities` gets, after the full `desired` state
 * that opens every connection (it then carries the state's `hash`), `delta`
 * frames: only what changed since the previous frame on this connection —
 * workloads and pull secrets put (added or changed) or removed by key,
 * namespaces, node labels and paused replaced when they changed — with the
 * new generation, the generation it applies to (`baseGeneration`), and the
 * hash of the whole new state (state-hash.ts). The agent applies it to the
 * state it holds, checks the hash, and on any doubt (a base it does not hold,
 * a hash that differs) answers `resync`; the hub then sends the full state
 * again. An agent that does not announce `delta` (every agent before it) gets
 * full states only, as before; a hub that does not know the capability
 * ignores it (frames may carry fields a side does not know), so either side
 * may be upgraded first. PROTOCOL_VERSION stays 1.
 */
export const PROTOCOL_VERSION = 1;

/** The longest workload or acknowledgement message a frame carries, in characters. */
export const MAX_MESSAGE = 4096;

/** Capabilities an agent may announce in its hello. */
export const Capability = { delta: 'delta' } as const;

/**
 * One schema for the whole protocol, both directions, every field bounded: the
 * hub checks each agent frame against it and the agent each hub frame. A value
 * the database would refuse (a bigint past 2^63, an int past 2^31, a NUL in
 * PostgreSQL text) or the views would garble (a capacity of 1e308) is a
 * protocol error (4003) when the frame is read, never a failed write later: a
 * batched acknowledgement out of range once blocked the writes of every other
 * cluster's acknowledgements, and a workload generation of 2^40 the status
 * writes of its whole cluster on PostgreSQL while SQLite stored it.
 */
const Generation = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** What an `integer` column holds on both engines. */
const Int32 = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });
const Bytes = Type.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const NO_NUL = '^[^\\u0000]*$';
const Text = (maxLength: number, minLength = 0) => Type.String({ pattern: NO_NUL, minLength, maxLength });
/** Kubernetes labels: a key of at most 253 + 1 + 63 characters, a value of at most 63; a node has a few dozen. */
const Labels = Type.Record(Type.String(), Text(63), { maxProperties: 1000, propertyNames: { maxLength: 317 } });
/** The most nodes or workloads one frame may list (Kubernetes supports 5,000 nodes a cluster). */
const MAX_LIST = 20_000;

/** What the agent reads off a Kubernetes Node. */
export const NodeReport = Type.Object({
  /** A Kubernetes node name (a DNS subdomain: at most 253 characters). */
  name: Text(253, 1),
  osImage: Text(1024),
  kernelVersion: Text(1024),
  internalIP: Text(1024),
  /** Cores (capacity; fractional when given in millicores); no machine has a million. */
  cpu: Type.Number({ minimum: 0, maximum: 2 ** 20 }),
  /** Bytes. */
  memory: Bytes,
  /** Ephemeral storage capacity in bytes. */
  disk: Bytes,
  /** `nvidia.com/gpu` capacity. Bounded so that count × memory stays an exact number of bytes. */
  gpuCount: Type.Integer({ minimum: 0, maximum: 1024 }),
  /** `nvidia.com/gpu.memory` label (MiB per GPU) when GPU feature discovery set it, else null. */
  gpuMemoryMiB: Type.Union([Type.Number({ minimum: 0, maximum: 2 ** 20 }), Type.Null()]),
  /** The Ready condition is True. */
  ready: Type.Boolean(),
  labels: Labels,
});
export type NodeReport = Static<typeof NodeReport>;

/** Status of one workload the agent manages (filled in by Application Management). */
export const WorkloadStatus = Type.Object({
  namespace: Text(63),
  name: Text(253),
  kind: Text(63),
  generation: Int32,
  observedGeneration: Int32,
  desiredReplicas: Int32,
  updatedReplicas: Int32,
  readyReplicas: Int32,
  availableReplicas: Int32,
  /** The failing condition's message (the agent drops NULs and cuts it to this length). */
  message: Text(MAX_MESSAGE),
  /** The object's labels: Application Management reads which revision the object shows. */
  labels: Type.Optional(Labels),
});
export type WorkloadStatus = Static<typeof WorkloadStatus>;

export const PullSecret = Type.Object({
  namespace: Text(63),
  name: Text(253),
  /** The `.dockerconfigjson` document, as JSON text. */
  dockerConfigJson: Text(64 * 1024),
});
export type PullSecret = Static<typeof PullSecret>;

/** A cluster's whole desired state: a pure function of the hub's database. */
export const DesiredState = Type.Object({
  /** Namespaces OTE manages (`ns<businessId>` of every approved business). */
  namespaces: Type.Array(Text(63), { maxItems: 100_000 }),
  /** Per node name, the OTE label names it must carry as `node.ote-stack.io/<label>=true`. */
  nodeLabels: Type.Record(Type.String(), Type.Array(Text(63), { maxItems: 1000 }), {
    maxProperties: MAX_LIST,
    propertyNames: { maxLength: 253 },
  }),
  pullSecrets: Type.Array(PullSecret, { maxItems: 100_000 }),
  /** Kubernetes objects of applications (Application Management), applied as given (the frame size bounds them). */
  workloads: Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 100_000 }),
  /** Paused (maintenance window): the agent reports but applies nothing. */
  paused: Type.Boolean(),
});
export type DesiredState = Static<typeof DesiredState>;

// --- agent → hub ---

/** First frame after every (re)connect: a full resync. */
export const HelloMessage = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Integer({ minimum: 0, maximum: 1000 }),
  agentVersion: Text(200),
  /** The last generation the agent applied, or null on a first start. */
  appliedGeneration: Type.Union([Generation, Type.Null()]),
  nodes: Type.Array(NodeReport, { maxItems: MAX_LIST }),
  workloads: Type.Array(WorkloadStatus, { maxItems: MAX_LIST }),
  /** What this agent understands beyond full states (`delta`); absent: nothing. Unknown ones are ignored. */
  capabilities: Type.Optional(Type.Array(Text(64), { maxItems: 64 })),
});

/** Every heartbeat interval (default 10 s) and on change. `nodes`/`workloads` are full lists when present. */
export const HeartbeatMessage = Type.Object({
  type: Type.Literal('heartbeat'),
  nodes: Type.Optional(Type.Array(NodeReport, { maxItems: MAX_LIST })),
  workloads: Type.Optional(Type.Array(WorkloadStatus, { maxItems: MAX_LIST })),
});

/** After reconciling a desired state. */
export const AckMessage = Type.Object({
  type: Type.Literal('ack'),
  generation: Generation,
  ok: Type.Boolean(),
  /** Apiserver messages, joined: the hub drops NULs rather than refuse the frame (a refusal would repeat forever). */
  error: Type.Optional(Type.String({ maxLength: 64 * 1024 })),
});

/** A delta did not apply (a base it does not hold, or a hash that differs): the hub sends the full state next. */
export const ResyncMessage = Type.Object({
  type: Type.Literal('resync'),
  reason: Type.Optional(Text(2000)),
});

export const AgentMessage = Type.Union([HelloMessage, HeartbeatMessage, AckMessage, ResyncMessage]);
export type AgentMessage = Static<typeof AgentMessage>;

// --- hub → agent ---

export const DesiredMessage = Type.Object({
  type: Type.Literal('desired'),
  generation: Generation,
  state: DesiredState,
  /** The state's hash (state-hash.ts): sent to agents that take deltas, the base the next delta builds on. */
  hash: Type.Optional(Text(128)),
});
export type DesiredMessage = Static<typeof DesiredMessage>;

/** Objects put (added or replaced whole) and removed, by key (state-hash.ts `workloadKey`, `secretKey`). */
const Changes = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ put: Type.Array(item, { maxItems: 100_000 }), remove: Type.Array(Text(1024), { maxItems: 100_000 }) });

/** What changed since `baseGeneration` (to agents that announced `delta`); absent fields did not change. */
export const DeltaMessage = Type.Object({
  type: Type.Literal('delta'),
  generation: Generation,
  baseGeneration: Generation,
  /** The hash of the whole new state: the agent checks what it assembled against it. */
  hash: Text(128),
  // Bounded as in a full state (DesiredState).
  namespaces: Type.Optional(DesiredState.properties.namespaces),
  nodeLabels: Type.Optional(DesiredState.properties.nodeLabels),
  paused: Type.Optional(Type.Boolean()),
  pullSecrets: Type.Optional(Changes(PullSecret)),
  workloads: Type.Optional(Changes(Type.Record(Type.String(), Type.Unknown()))),
});
export type DeltaMessage = Static<typeof DeltaMessage>;

export const HubMessage = Type.Union([DesiredMessage, DeltaMessage]);
export type HubMessage = Static<typeof HubMessage>;

/** WebSocket close codes the hub uses; the agent stops redialing on the token ones. */
export const CloseCode = {
  /** The join token was rotated or revoked, or the cluster deleted. */
  tokenRevoked: 4001,
  /** A newer connection of the same cluster replaced this one. */
  replaced: 4002,
  /** The agent broke the protocol (bad frame). */
  protocolError: 4003,
  /** The hub is shutting down; redial. */
  hubStopping: 4004,
} as const;

/** OTE's label prefix on Kubernetes Nodes, and the label on every object OTE manages. */
export const NODE_LABEL_PREFIX = 'node.ote-stack.io/';
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'ote' } as const;
