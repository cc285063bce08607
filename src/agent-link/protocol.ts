import Type, { type Static } from 'typebox';

/**
 * The agent protocol (API.md §11): JSON text frames over one WebSocket that the
 * agent dials (`GET /v1/agent/connect`, `Authorization: Bearer <join token>`).
 * Shared by the hub (src/agent-link) and the agent (src/agent).
 */
export const PROTOCOL_VERSION = 1;

/**
 * Bounds of what the hub stores from a frame. A value the database would
 * refuse (a bigint past 2^63, an int past 2^31, a NUL in PostgreSQL text)
 * must be a protocol error (4003) when the frame is read, not a failed write
 * later: a batched acknowledgement out of range once blocked the writes of
 * every other cluster's acknowledgements.
 */
const Generation = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Bytes = Type.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const NO_NUL = '^[^\\u0000]*$';
const Text = (maxLength?: number, minLength = 0) =>
  Type.String({ pattern: NO_NUL, minLength, ...(maxLength === undefined ? {} : { maxLength }) });

/** What the agent reads off a Kubernetes Node. */
export const NodeReport = Type.Object({
  /** A Kubernetes node name (a DNS subdomain: at most 253 characters). */
  name: Text(253, 1),
  osImage: Text(1024),
  kernelVersion: Text(1024),
  internalIP: Text(1024),
  /** Cores (capacity; fractional when given in millicores). */
  cpu: Type.Number({ minimum: 0 }),
  /** Bytes. */
  memory: Bytes,
  /** Ephemeral storage capacity in bytes. */
  disk: Bytes,
  /** `nvidia.com/gpu` capacity. */
  gpuCount: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
  /** `nvidia.com/gpu.memory` label (MiB per GPU) when GPU feature discovery set it, else null. */
  gpuMemoryMiB: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  /** The Ready condition is True. */
  ready: Type.Boolean(),
  labels: Type.Record(Type.String(), Type.String()),
});
export type NodeReport = Static<typeof NodeReport>;

/** Status of one workload the agent manages (filled in by Application Management). */
export const WorkloadStatus = Type.Object({
  namespace: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  generation: Type.Integer(),
  observedGeneration: Type.Integer(),
  desiredReplicas: Type.Integer(),
  updatedReplicas: Type.Integer(),
  readyReplicas: Type.Integer(),
  availableReplicas: Type.Integer(),
  message: Type.String(),
  /** The object's labels: Application Management reads which revision the object shows. */
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type WorkloadStatus = Static<typeof WorkloadStatus>;

export const PullSecret = Type.Object({
  namespace: Type.String(),
  name: Type.String(),
  /** The `.dockerconfigjson` document, as JSON text. */
  dockerConfigJson: Type.String(),
});
export type PullSecret = Static<typeof PullSecret>;

/** A cluster's whole desired state: a pure function of the hub's database. */
export const DesiredState = Type.Object({
  /** Namespaces OTE manages (`ns<businessId>` of every approved business). */
  namespaces: Type.Array(Type.String()),
  /** Per node name, the OTE label names it must carry as `node.ote-stack.io/<label>=true`. */
  nodeLabels: Type.Record(Type.String(), Type.Array(Type.String())),
  pullSecrets: Type.Array(PullSecret),
  /** Kubernetes objects of applications (Application Management), applied as given. */
  workloads: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  /** Paused (maintenance window): the agent reports but applies nothing. */
  paused: Type.Boolean(),
});
export type DesiredState = Static<typeof DesiredState>;

// --- agent → hub ---

/** First frame after every (re)connect: a full resync. */
export const HelloMessage = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Integer(),
  agentVersion: Text(),
  /** The last generation the agent applied, or null on a first start. */
  appliedGeneration: Type.Union([Generation, Type.Null()]),
  nodes: Type.Array(NodeReport),
  workloads: Type.Array(WorkloadStatus),
});

/** Every heartbeat interval (default 10 s) and on change. `nodes`/`workloads` are full lists when present. */
export const HeartbeatMessage = Type.Object({
  type: Type.Literal('heartbeat'),
  nodes: Type.Optional(Type.Array(NodeReport)),
  workloads: Type.Optional(Type.Array(WorkloadStatus)),
});

/** After reconciling a desired state. */
export const AckMessage = Type.Object({
  type: Type.Literal('ack'),
  generation: Generation,
  ok: Type.Boolean(),
  /** Apiserver messages, joined: the hub drops NULs rather than refuse the frame (a refusal would repeat forever). */
  error: Type.Optional(Type.String()),
});

export const AgentMessage = Type.Union([HelloMessage, HeartbeatMessage, AckMessage]);
export type AgentMessage = Static<typeof AgentMessage>;

// --- hub → agent ---

export const DesiredMessage = Type.Object({
  type: Type.Literal('desired'),
  generation: Generation,
  state: DesiredState,
});
export type DesiredMessage = Static<typeof DesiredMessage>;

export const HubMessage = DesiredMessage;
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
