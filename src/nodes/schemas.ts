import Type, { type Static } from 'typebox';
import { ClusterName, LabelName } from '../clusters/schemas.js';
import { pagingFields } from '../http/paging.js';

const NodeName = Type.String({ minLength: 1, maxLength: 253, errorMessage: 'must be 1-253 characters' });
const NodeNames = Type.Array(NodeName, { minItems: 1, maxItems: 1000, errorMessage: 'must be a list of 1-1000 node names' });

export const NodeRow = Type.Object({
  nodeName: Type.String(),
  clusterName: Type.String(),
  operatingSystem: Type.String(),
  kernelVersion: Type.String(),
  ip: Type.String(),
  /** Bytes. */
  memory: Type.Number(),
  /** Cores. */
  cpu: Type.Number(),
  /** GPU memory in bytes: count × MiB per GPU × 2^20, or 0. */
  gpu: Type.Number(),
  /** Bytes of ephemeral storage. */
  disk: Type.Number(),
  isReady: Type.Boolean(),
  /** OTE label names (not the Kubernetes keys). */
  labels: Type.Array(Type.String()),
});
export type NodeRow = Static<typeof NodeRow>;
export const NODE_FIELDS = Object.keys(NodeRow.properties) as (keyof NodeRow)[];

export const ListNodesQuery = Type.Object({
  ...pagingFields(10),
  /** Comma-separated projection, e.g. `nodeName,isReady`. */
  field: Type.Optional(Type.String({ maxLength: 1000 })),
  nodeLabel: Type.Optional(LabelName),
  clusterName: Type.Optional(ClusterName),
  nodeName: Type.Optional(Type.String({ maxLength: 253, errorMessage: 'must be at most 253 characters' })),
});
export type ListNodesQuery = Static<typeof ListNodesQuery>;

/** Rows are projected by `field`, so every property is optional in the answer. */
export const NodePage = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  data: Type.Array(Type.Partial(NodeRow)),
  total: Type.Integer(),
  meta: Type.Object({ readyNodeCount: Type.Integer() }),
});

export const AddNodeLabelBody = Type.Object(
  { nodeLabel: LabelName, clusterName: ClusterName, nodeName: NodeNames },
  { additionalProperties: false },
);
export type AddNodeLabelBody = Static<typeof AddNodeLabelBody>;

export const DeleteNodeLabelBody = Type.Object(
  {
    nodeLabel: LabelName,
    clusterName: ClusterName,
    nodeName: NodeNames,
    deleteDeploy: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type DeleteNodeLabelBody = Static<typeof DeleteNodeLabelBody>;

export const NodeLabelsQuery = Type.Object({ clusterName: Type.Optional(ClusterName) });
