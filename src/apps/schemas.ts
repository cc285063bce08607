import Type, { type Static, type TLiteral, type TSchema } from 'typebox';
import { REVISION_STATUSES, RevisionStatus } from '../access/revision-status.js';
import { pagingFields } from '../http/paging.js';
import { CLUSTER_NAME_RE, LABEL_RE } from '../lib/validation.js';

/**
 * An application's spec (API.md §8): one JSON document per revision. Bodies
 * reject unknown fields; `errorMessage` states each rule so a 422 names the
 * field and why.
 */

const MAX_INT = 2147483647;
const msg = <T extends TSchema>(schema: T, errorMessage: string): T => ({ ...schema, errorMessage });

const AppName = Type.String({
  pattern: CLUSTER_NAME_RE.source,
  errorMessage: 'must be 1-63 letters, digits or "-", starting and ending with a letter or digit',
});

/**
 * A repository path without tag or digest (the Distribution reference grammar):
 * `project/repo` of the platform registry, or `host[:port]/path` kept as is.
 */
const IMAGE_RE =
  /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const Image = Type.String({
  maxLength: 255,
  pattern: IMAGE_RE.source,
  errorMessage:
    'must be an image repository without tag: "project/repo" of the platform registry or a full reference such as "registry.example.com/team/app" (lower-case path components)',
});

const TAG_RE = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';
const TAG_WHY = 'must be 1-128 letters, digits, "_", "." or "-", not starting with "." or "-"';
const Tag = Type.String({ pattern: TAG_RE, default: 'latest', errorMessage: TAG_WHY });

const Label = Type.String({
  pattern: LABEL_RE.source,
  errorMessage: 'must be a label name: 1-63 letters, digits, "-" or ".", starting and ending with a letter or digit',
});

const Port = Type.Object(
  {
    containerPort: msg(Type.Integer({ minimum: 1, maximum: 65535 }), 'must be an integer from 1 to 65535'),
    protocol: Type.Union([Type.Literal('TCP'), Type.Literal('UDP'), Type.Literal('SCTP')], {
      default: 'TCP',
      errorMessage: 'must be "TCP", "UDP" or "SCTP"',
    }),
  },
  { additionalProperties: false },
);

/** Kubernetes' rule for environment variable names. */
const ENV_NAME_RE = '^[-._a-zA-Z][-._a-zA-Z0-9]*$';
const Env = Type.Record(Type.String({ pattern: ENV_NAME_RE, maxLength: 253 }), Type.String({ maxLength: 32768 }), {
  // A name that misses the pattern is an "additional" property: refused, not ignored.
  additionalProperties: false,
  maxProperties: 200,
  errorMessage: 'must map at most 200 variable names (letters, digits, "_", "-", ".", not starting with a digit) to strings',
});

const Strings = Type.Array(Type.String({ maxLength: 4096 }), {
  maxItems: 128,
  errorMessage: 'must be a list of at most 128 strings of up to 4096 characters',
});

/** An integer count or a percentage ("25%"), Kubernetes' IntOrString for rolling updates. */
const IntOrPercent = Type.Union(
  [Type.Integer({ minimum: 0, maximum: 100 }), Type.String({ pattern: '^(?:100|[1-9]?[0-9])%$' })],
  { errorMessage: 'must be an integer from 0 to 100 or a percentage such as "25%"' },
);

const VOLUME_NAME_RE = '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$';
/**
 * Absolute, without "..", NUL or backslashes: what the kubelet accepts and an auditor can read.
 * Every segment but the last ends in "/", so a string splits one way only: no catastrophic
 * backtracking (`([^/]+/?)*` took seconds per extra character on "/aaa…\\").
 */
const ABS_PATH_RE = '^/(?:[^/\\u0000\\\\]+/)*[^/\\u0000\\\\]*$';
const Volume = Type.Object(
  {
    name: Type.String({ pattern: VOLUME_NAME_RE, errorMessage: 'must be 1-63 lower-case letters, digits or "-"' }),
    hostPath: Type.String({ maxLength: 4096, pattern: ABS_PATH_RE, errorMessage: 'must be an absolute path' }),
    mountPath: Type.String({ maxLength: 4096, pattern: ABS_PATH_RE, errorMessage: 'must be an absolute path' }),
    readOnly: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

const Ingress = Type.Object(
  {
    host: Type.String({
      maxLength: 253,
      pattern: '^(?:\\*\\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$',
      errorMessage: 'must be a lower-case DNS name (optionally "*." first)',
    }),
    path: Type.String({
      maxLength: 1024,
      pattern: "^/[A-Za-z0-9/._~!$&'()*+,;=:@%-]*$",
      default: '/',
      errorMessage: 'must be a URL path starting with "/"',
    }),
    port: msg(Type.Integer({ minimum: 1, maximum: 65535 }), "must be one of the application's container ports"),
  },
  { additionalProperties: false },
);

/** What a rollout does when a batch is not available by its deadline (API.md §8.1). */
export const ON_FAILURE = ['pause', 'rollback', 'continue'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

const Rollout = Type.Object(
  {
    batchSize: Type.Optional(msg(Type.Integer({ minimum: 1, maximum: 10000 }), 'must be an integer from 1 to 10000')),
    /** The older spelling of onFailure (true: pause, false: continue); no default, so a contradiction shows. */
    pauseOnFailure: Type.Optional(msg(Type.Boolean(), 'must be true or false')),
    onFailure: Type.Optional(
      Type.Union([Type.Literal('pause'), Type.Literal('rollback'), Type.Literal('continue')], {
        errorMessage: 'must be "pause", "rollback" or "continue"',
      }),
    ),
    /** The clusters with this label are the first batch, whatever batchSize says. */
    canary: Type.Optional(Type.Object({ clusterLabel: Label }, { additionalProperties: false })),
    progressDeadlineSeconds: Type.Integer({
      minimum: 10,
      maximum: 86400,
      default: 600,
      errorMessage: 'must be an integer from 10 to 86400',
    }),
  },
  { additionalProperties: false },
);

/** Per-cluster values (API.md §8.1): applied in order to the target clusters carrying `clusterLabel`. */
/** Resources, the same in a spec and in an override. */
const Cpu = Type.Optional(
  Type.Number({
    exclusiveMinimum: 0,
    maximum: 1024,
    errorMessage: 'must be a number of cores above 0 and at most 1024 (e.g. 0.5)',
  }),
);
const Memory = Type.Optional(
  Type.Integer({
    minimum: 1048576,
    maximum: 4398046511104,
    errorMessage: 'must be a number of bytes from 1048576 (1 MiB) to 4398046511104 (4 TiB)',
  }),
);

const Override = Type.Object(
  {
    clusterLabel: Label,
    replicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, errorMessage: 'must be an integer from 0 to 100' })),
    tag: Type.Optional(Type.String({ pattern: TAG_RE, errorMessage: TAG_WHY })),
    env: Type.Optional(Env),
    cpu: Cpu,
    memory: Memory,
  },
  { additionalProperties: false },
);
export type Override = Static<typeof Override>;

/** Every field of a revision except the immutable name. */
const specFields = {
  description: Type.String({ maxLength: 1024, default: '', errorMessage: 'must be at most 1024 characters' }),
  image: Image,
  tag: Tag,
  replicas: Type.Integer({ minimum: 0, maximum: 100, default: 1, errorMessage: 'must be an integer from 0 to 100' }),
  // Keyword-scoped messages: a string would also replace the items' own, more precise errors.
  ports: Type.Array(Port, {
    maxItems: 32,
    default: [],
    errorMessage: { type: 'must be a list', maxItems: 'must be at most 32 ports' },
  }),
  env: { ...Env, default: {} },
  command: { ...Strings, default: [] },
  args: { ...Strings, default: [] },
  cpu: Cpu,
  memory: Memory,
  gpu: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, errorMessage: 'must be an integer from 0 to 64' })),
  clusterLabel: { ...Label, default: 'all' },
  nodeLabel: Type.Optional(Label),
  repositoryId: Type.Optional(
    Type.String({ pattern: '^[a-z0-9-]{1,63}$', errorMessage: 'must be 1-63 characters of a-z, 0-9 and "-"' }),
  ),
  kind: Type.Union([Type.Literal('Deployment'), Type.Literal('DaemonSet')], {
    default: 'Deployment',
    errorMessage: 'must be "Deployment" or "DaemonSet"',
  }),
  maxSurge: Type.Optional(IntOrPercent),
  maxUnavailable: Type.Optional(IntOrPercent),
  volumes: Type.Array(Volume, {
    maxItems: 32,
    default: [],
    errorMessage: { type: 'must be a list', maxItems: 'must be at most 32 volumes' },
  }),
  ingress: Type.Optional(Ingress),
  rollout: Type.Optional(Rollout),
  overrides: Type.Optional(
    Type.Array(Override, {
      maxItems: 64,
      errorMessage: { type: 'must be a list', maxItems: 'must be at most 64 overrides' },
    }),
  ),
};

/** What a revision stores (the name lives on the application). */
export const AppSpec = Type.Object({ appName: AppName, ...specFields });
export type AppSpec = Static<typeof AppSpec>;

export const CreateAppBody = Type.Object(
  {
    appName: AppName,
    ...specFields,
    /** For the system administrator only (checked by the service). */
    businessId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT })),
  },
  { additionalProperties: false },
);
export type CreateAppBody = Static<typeof CreateAppBody>;

/** A full new spec; `appName`, when given, must be the current name (it names the Kubernetes objects). */
export const UpdateAppBody = Type.Object({ appName: Type.Optional(AppName), ...specFields }, { additionalProperties: false });
export type UpdateAppBody = Static<typeof UpdateAppBody>;

export const AuditAppBody = Type.Object(
  {
    status: Type.Union([Type.Literal(RevisionStatus.approved), Type.Literal(RevisionStatus.rejected)], {
      description: '1 approve, 2 reject',
      errorMessage: 'must be 1 (approve) or 2 (reject)',
    }),
    comment: Type.String({ maxLength: 1024, default: '', errorMessage: 'must be at most 1024 characters' }),
  },
  { additionalProperties: false },
);
export type AuditAppBody = Static<typeof AuditAppBody>;

export const ScaleAppBody = Type.Object({ replicas: specFields.replicas }, { additionalProperties: false });
export type ScaleAppBody = Static<typeof ScaleAppBody>;

export const RollbackAppBody = Type.Object(
  { revision: Type.Integer({ minimum: 1, maximum: MAX_INT, errorMessage: 'must be a revision number (1 or more)' }) },
  { additionalProperties: false },
);
export type RollbackAppBody = Static<typeof RollbackAppBody>;

/** One literal per name, keeping the tuple's types (a plain map would widen them). */
const literals = <T extends readonly string[]>(names: T) =>
  names.map((n) => Type.Literal(n)) as unknown as { -readonly [I in keyof T]: TLiteral<T[I]> };
const Status = Type.Union(literals(REVISION_STATUSES), {
  errorMessage: 'must be "pending", "approved", "rejected" or "failed"',
});

export const ListAppsQuery = Type.Object({
  ...pagingFields(10),
  orderBy: Type.Union([Type.Literal('id'), Type.Literal('appName')], {
    default: 'id',
    errorMessage: 'must be "id" or "appName"',
  }),
  appName: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Status),
  clusterLabel: Type.Optional(Type.String({ maxLength: 63 })),
});
export type ListAppsQuery = Static<typeof ListAppsQuery>;

const CLUSTER_STATES = ['pending', 'progressing', 'available', 'degraded', 'unreachable', 'removed', 'offline'] as const;
export type ClusterState = (typeof CLUSTER_STATES)[number];

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const AppRow = Type.Object({
  id: Type.Integer(),
  appName: Type.String(),
  businessId: Type.Integer(),
  image: Type.String(),
  tag: Type.String(),
  replicas: Type.Integer(),
  clusterLabel: Type.String(),
  nodeLabel: Nullable(Type.String()),
  /** The latest revision's audit status. */
  status: Status,
  /** The latest revision. */
  revision: Type.Integer(),
  /** The approved revision that runs (null: nothing approved yet). */
  runningRevision: Nullable(Type.Integer()),
  readyClusters: Type.Integer(),
  targetClusters: Type.Integer(),
  /** Target clusters that were not ready when their rollout batch started: they get the revision when they return. */
  offlineClusters: Type.Integer(),
  /** Why a rollout stopped, or "" when nothing to report. */
  message: Type.String(),
  createTime: Type.Integer(),
  updateTime: Type.Integer(),
});
export type AppRow = Static<typeof AppRow>;

export const ClusterStatusRow = Type.Object({
  clusterName: Type.String(),
  /** The revision this cluster is meant to run (batched rollouts move clusters one batch at a time). */
  revision: Nullable(Type.Integer()),
  desiredReplicas: Type.Integer(),
  readyReplicas: Type.Integer(),
  availableReplicas: Type.Integer(),
  state: Type.Union(literals(CLUSTER_STATES)),
  message: Type.String(),
  updateTime: Type.Integer(),
});
export type ClusterStatusRow = Static<typeof ClusterStatusRow>;

/** The response keeps the stored spec open-ended: revisions written by older hubs still read. */
const SpecOut = Type.Record(Type.String(), Type.Unknown());

export const AppDetail = Type.Object({
  ...AppRow.properties,
  spec: SpecOut,
  pendingRevision: Nullable(Type.Integer()),
  clusters: Type.Array(ClusterStatusRow),
});
export type AppDetail = Static<typeof AppDetail>;

export const RevisionRow = Type.Object({
  revision: Type.Integer(),
  spec: SpecOut,
  status: Status,
  comment: Type.String(),
  createTime: Type.Integer(),
  updateTime: Type.Integer(),
});
export type RevisionRow = Static<typeof RevisionRow>;

export const IdData = Type.Object({ id: Type.Integer() });

/** A preview (API.md §8.1): one cluster's objects exactly as the agent would apply them. */
export const PreviewCluster = Type.Object({
  clusterName: Type.String(),
  isReady: Type.Boolean(),
  paused: Type.Boolean(),
  objects: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  /** Existing applications: what the revision changes on this cluster. */
  change: Type.Optional(Type.Union([Type.Literal('add'), Type.Literal('update'), Type.Literal('remove'), Type.Literal('none')])),
  /** Existing applications: the revision the cluster runs now (null: none). */
  currentRevision: Type.Optional(Nullable(Type.Integer())),
  diff: Type.Optional(
    Type.Array(
      Type.Object({
        kind: Type.String(),
        name: Type.String(),
        /** A JSON pointer into the object; "" for a whole object added or removed. */
        path: Type.String(),
        from: Type.Unknown(),
        to: Type.Unknown(),
      }),
    ),
  ),
});
export type PreviewCluster = Static<typeof PreviewCluster>;

export const Preview = Type.Object({ clusters: Type.Array(PreviewCluster) });

export const PreviewQuery = Type.Object({
  revision: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT, errorMessage: 'must be a revision number (1 or more)' })),
});
export type PreviewQuery = Static<typeof PreviewQuery>;
