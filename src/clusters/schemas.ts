import Type, { type Static } from 'typebox';
import { pagingFields } from '../http/paging.js';
import { CLUSTER_NAME_RE, LABEL_RE } from '../lib/validation.js';

const CLUSTER_NAME_MESSAGE = 'must be 1-63 letters, digits or "-", starting and ending with a letter or digit';
const LABEL_MESSAGE = 'must be 1-63 letters, digits, "-" or ".", starting and ending with a letter or digit';

export const ClusterName = Type.String({ pattern: CLUSTER_NAME_RE.source, errorMessage: CLUSTER_NAME_MESSAGE });
export const LabelName = Type.String({ pattern: LABEL_RE.source, errorMessage: LABEL_MESSAGE });
/** A list of cluster names in a label body: all or nothing, so bounded. */
const ClusterNames = Type.Array(ClusterName, {
  minItems: 1,
  maxItems: 1000,
  errorMessage: 'must be a list of 1-1000 cluster names',
});

export const ListClustersQuery = Type.Object({
  ...pagingFields(0),
  clusterLabel: Type.Optional(LabelName),
});
export type ListClustersQuery = Static<typeof ListClustersQuery>;

export const ClusterRow = Type.Object({
  clusterName: Type.String(),
  nodeCount: Type.Integer(),
  isReady: Type.Boolean(),
  paused: Type.Boolean(),
  labels: Type.Array(Type.String()),
  createTime: Type.Integer(),
  lastHeartbeat: Type.Union([Type.Integer(), Type.Null()]),
});
export type ClusterRow = Static<typeof ClusterRow>;

export const ClusterLabelBody = Type.Object(
  { clusterLabel: LabelName, clusterName: ClusterNames },
  { additionalProperties: false },
);
export type ClusterLabelBody = Static<typeof ClusterLabelBody>;

export const ClusterNameParams = Type.Object({ clusterName: ClusterName });

export const ClusterLabelRow = Type.Object({ clusterLabel: Type.String(), createTime: Type.Integer() });
export type ClusterLabelRow = Static<typeof ClusterLabelRow>;

export const CreateClusterBody = Type.Object({ clusterName: ClusterName }, { additionalProperties: false });
export type CreateClusterBody = Static<typeof CreateClusterBody>;

/** The join token is in this answer only; the hub keeps its hash. */
export const JoinData = Type.Object({
  clusterName: Type.String(),
  token: Type.String(),
  command: Type.String({
    description:
      'the agent command line to run next to the cluster: OTE_AGENT_TOKEN=<token> ote agent --hub <OTE_PUBLIC_URL> ' +
      '(the token in the environment, not in the process list)',
  }),
  hubIsLoopback: Type.Boolean({
    description: 'true when the command targets a loopback hub address that no other machine can reach: set OTE_PUBLIC_URL',
  }),
  warning: Type.Optional(
    Type.String({ description: 'present when something about the command needs attention (a loopback hub)' }),
  ),
});
export type JoinData = Static<typeof JoinData>;

export const PauseBody = Type.Object({ paused: Type.Boolean() }, { additionalProperties: false });
export type PauseBody = Static<typeof PauseBody>;
export const PauseData = Type.Object({ clusterName: Type.String(), paused: Type.Boolean() });
