import type { OperationTable } from '../http/openapi.js';

/**
 * Every operation of the OpenAPI document: its `operationId` (the generated
 * client's method name), a one-line summary, and the error statuses its
 * service can answer beyond those derived from the route (400, 500 and 503
 * everywhere; 401/403 from `config.allow`; 422 with parameters or a body; 404
 * with a path id; 408/413/415 where a body is read). Who may call it is read off
 * the route's `config.allow`, not written here. Tags are the route's domain.
 */
export const OPERATIONS: OperationTable = {
  // auth
  'POST /v1/authorization': {
    id: 'login',
    summary: 'Log in',
    details:
      'Answers a token valid for `OTE_TOKEN_TTL` seconds (default 1 hour) at top level: `{token, code, message}`. ' +
      'Wrong user name or password: 401 with the same message for both. Repeated failures are throttled: 429 with `Retry-After`.',
    errors: [401, 429],
  },
  'PUT /v1/authorization': {
    id: 'refreshToken',
    summary: 'Refresh the token',
    details: 'A new token with a new expiry; the old one stays valid until its own expiry.',
  },
  'DELETE /v1/authorization': { id: 'logout', summary: 'Log out', details: 'Revokes the calling token at once.' },
  'DELETE /v1/authorizations': {
    id: 'logoutAlias',
    summary: "Log out (the seed's spelling)",
    details: 'The same as `DELETE /v1/authorization`.',
  },
  'GET /v1/authorization': {
    id: 'getAuthorization',
    summary: 'Who am I',
    details: "The caller's user name (`displayName`), role, business and the platform settings that shape what it may do.",
  },
  // users
  'POST /v1/user': {
    id: 'registerUser',
    summary: 'Register (self-registration)',
    details: 'Creates a pending user (status 0) that a system administrator approves. A name already taken: 409.',
    errors: [409],
  },
  'PUT /v1/user': {
    id: 'changePassword',
    summary: 'Change my password',
    details: "Revokes the caller's other tokens; the calling one stays valid.",
  },
  'GET /v1/admin/user': {
    id: 'listUsers',
    summary: 'List users',
    details: "A business administrator sees its business's users; the system administrator sees all.",
  },
  'POST /v1/admin/user': {
    id: 'createSubUser',
    summary: 'Create a sub-user',
    details: "Approved at once, in the caller's business (the system administrator names an approved `businessId`).",
    errors: [409],
  },
  'PUT /v1/admin/user/{userId}': {
    id: 'auditUser',
    summary: "Set a user's status (audit)",
    details: "Status 0 pending, 1 approved, 2 not approved, 3 forbidden (revokes the user's tokens).",
    errors: [409],
  },
  'PUT /v1/admin/user/{userId}/password': {
    id: 'resetUserPassword',
    summary: "Reset a user's password",
    details: "Revokes the user's tokens.",
  },
  'DELETE /v1/admin/user/{userId}': {
    id: 'deleteUser',
    summary: 'Delete a user',
    details: "Nobody deletes itself or the system administrator (409); also removes the user's registry account.",
    errors: [409],
  },
  // businesses
  'POST /v1/business': {
    id: 'createBusiness',
    summary: 'Apply for a business',
    details:
      'An approved administrator user without a pending or approved business creates one (status 0). ' +
      'A non-administrator: 403; one who has a business already, or a name taken: 409.',
    errors: [403, 409],
  },
  'GET /v1/business': {
    id: 'listBusinesses',
    summary: 'List businesses',
    details: 'The system administrator sees all; others only their own.',
  },
  'GET /v1/business/id/{id}': { id: 'getBusiness', summary: 'Read a business' },
  'PUT /v1/business/id/{id}': {
    id: 'auditBusiness',
    summary: 'Approve or disapprove a business',
    details:
      'Only a pending business can be audited (409 otherwise). Approving makes its creator a business administrator ' +
      'and creates namespace `ns<id>` in every edge cluster.',
    errors: [409],
  },
  'DELETE /v1/business/id/{id}': {
    id: 'deleteBusiness',
    summary: 'Delete a business',
    details:
      'Status 3; its namespaces leave every cluster and its members drop to role 1. Its projects must be deleted first (409).',
    errors: [409],
  },
  // clusters
  'GET /v1/cluster': { id: 'listClusters', summary: 'List clusters' },
  'POST /v1/cluster': {
    id: 'registerCluster',
    summary: 'Register a cluster',
    details: 'Answers the join token (shown once) and the exact `ote agent` command to run in the cluster. A name taken: 409.',
    errors: [409],
  },
  'DELETE /v1/cluster/{clusterName}': {
    id: 'deleteCluster',
    summary: 'Remove a cluster',
    details: 'Its agent is disconnected and its token revoked.',
  },
  'POST /v1/cluster/{clusterName}/token': {
    id: 'rotateClusterToken',
    summary: "Rotate a cluster's join token",
    details: 'The old token stops working and its agent is disconnected.',
  },
  'PUT /v1/cluster/{clusterName}/pause': {
    id: 'pauseCluster',
    summary: 'Pause or resume a cluster',
    details: 'A paused cluster keeps reporting, but its agent applies no change until resumed.',
  },
  'GET /v1/cluster/label': { id: 'listClusterLabels', summary: 'List the cluster labels in use' },
  'POST /v1/cluster/label': {
    id: 'addClusterLabel',
    summary: 'Label clusters',
    details: 'All or nothing: an unknown cluster name is a 422 naming it.',
  },
  'DELETE /v1/cluster/label': {
    id: 'removeClusterLabel',
    summary: 'Remove a label from clusters',
    details: 'All or nothing: an unknown cluster name is a 422 naming it.',
  },
  'GET /v1/cluster/label/{clusterName}': { id: 'listLabelsOfCluster', summary: "List a cluster's labels" },
  // nodes
  'GET /v1/node': {
    id: 'listNodes',
    summary: 'List nodes',
    details:
      '`field` projects the rows (`field=nodeName,isReady`); `meta.readyNodeCount` counts the ready nodes matching the filter.',
  },
  'GET /v1/node/label': {
    id: 'listNodeLabels',
    summary: 'List the node labels in use',
    details: 'Across all clusters, or of one `clusterName` (unknown: 404).',
    errors: [404],
  },
  'POST /v1/node/label': {
    id: 'addNodeLabel',
    summary: 'Label nodes',
    details:
      'All or nothing (unknown cluster or node names: 422 naming them); the agent applies `node.ote-stack.io/<label>=true`.',
  },
  'DELETE /v1/node/label': {
    id: 'removeNodeLabel',
    summary: 'Remove a label from nodes',
    details:
      'Refused with 409 when an application of that cluster selects the label and no node would keep it, ' +
      'unless `deleteDeploy: true`, which removes those applications from the cluster.',
    errors: [409],
  },
  // applications
  'POST /v1/app': {
    id: 'createApp',
    summary: 'Create an application',
    details:
      'Revision 1, pending until a system administrator approves it (approved at once for roles 3 and 4 ' +
      'while `enableAdminAutoDeploy` is on). A name taken in the business: 409.',
    errors: [403, 404, 409],
  },
  'POST /v1/app/preview': {
    id: 'previewApp',
    summary: 'Preview a new application',
    details:
      'Same callers and validation as `POST /v1/app`, no side effect: the Kubernetes objects every target cluster would get now.',
    errors: [403, 404, 409],
  },
  'GET /v1/app/{id}/preview': {
    id: 'previewAppRevision',
    summary: 'Preview and diff a revision',
    details:
      'The pending revision by default (else the running one, or `revision`): objects per cluster and the diff against what runs there.',
  },
  'GET /v1/app': { id: 'listApps', summary: 'List applications' },
  'GET /v1/app/{id}': {
    id: 'getApp',
    summary: 'Read an application',
    details: 'Its spec and its state in every target cluster.',
  },
  'PUT /v1/app/{id}': {
    id: 'updateApp',
    summary: 'Change an application (new revision)',
    details: 'A new revision, pending or auto-approved as at creation; the approved one keeps running meanwhile.',
    errors: [403, 409],
  },
  'PUT /v1/app/{id}/audit': {
    id: 'auditApp',
    summary: "Approve or reject an application's pending revision",
    errors: [409],
  },
  'PUT /v1/app/{id}/replicas': { id: 'scaleApp', summary: 'Scale an application', details: 'Needs no audit.', errors: [409] },
  'GET /v1/app/{id}/revision': { id: 'listAppRevisions', summary: "List an application's revisions" },
  'PUT /v1/app/{id}/rollback': {
    id: 'rollbackApp',
    summary: 'Roll an application back',
    details: 'Makes an earlier approved revision the running one, without a new audit.',
    errors: [409],
  },
  'DELETE /v1/app/{id}': { id: 'deleteApp', summary: 'Delete an application', details: 'Removes it from every cluster.' },
  // alerts
  'GET /v1/alert': {
    id: 'listAlerts',
    summary: 'List alerts',
    details:
      'Clusters and nodes not ready, applications not available and received Alertmanager alerts; empty while `enableAlert` is off.',
  },
  'POST /v1/alert/callback': {
    id: 'receiveAlerts',
    summary: 'Alertmanager webhook',
    details: 'Authenticated by `Authorization: Bearer <OTE_ALERT_SECRET>`, not a login token.',
    errors: [401],
  },
  // settings and audit
  'GET /v1/admin/setting': { id: 'getSettings', summary: 'Read the platform settings' },
  'PUT /v1/admin/setting': {
    id: 'updateSettings',
    summary: 'Change the platform settings',
    details: 'Partial: only the flags given change.',
  },
  'GET /v1/admin/audit': { id: 'listAuditLog', summary: 'Read the audit log', details: 'Every state-changing call.' },
  // registry
  'GET /v1/registry/token': {
    id: 'issueRegistryToken',
    summary: 'Registry token (Docker token authentication)',
    details:
      'HTTP Basic credentials of a registry account, or none for anonymous pull of public projects. ' +
      "Answers the token specification's shape, not the envelope (errors are enveloped).",
    errors: [401, 429],
  },
  'GET /v1/registry/certificate': {
    id: 'getRegistryCertificate',
    summary: 'The registry token signing certificate (PEM)',
    details: "For the registry's `rootcertbundle`.",
    produces: 'application/x-pem-file',
  },
  'POST /v1/registry/notifications': {
    id: 'receiveRegistryEvents',
    summary: 'Registry event webhook',
    details: "Authenticated by `Authorization: Bearer <OTE_REGISTRY_NOTIFY_SECRET>`; accepts the registry's events media type.",
    errors: [401],
  },
  // repository
  'GET /v1/repository/project': {
    id: 'listProjects',
    summary: 'List repository projects',
    details: "The caller's business's projects plus every public one (the system administrator: all).",
    errors: [503],
  },
  'POST /v1/repository/project': {
    id: 'createProject',
    summary: 'Create a repository project',
    details: 'Answers 201. A name taken by any business: 409.',
    errors: [409],
  },
  'DELETE /v1/repository/project': {
    id: 'deleteProjects',
    summary: 'Delete repository projects',
    details: 'All or nothing: a project that still holds images is a 409 naming it.',
    errors: [404, 409],
  },
  'GET /v1/repository/image': { id: 'listImages', summary: 'List the images of a project', errors: [404] },
  'DELETE /v1/repository/image': {
    id: 'deleteImages',
    summary: 'Delete images',
    details: 'Deletes every tag and manifest of those repositories in the registry.',
    errors: [404],
  },
  'GET /v1/repository/image/tag': { id: 'listImageTags', summary: 'List the tags of an image', errors: [404] },
  'DELETE /v1/repository/image/tag': {
    id: 'deleteImageTags',
    summary: 'Delete tags of an image',
    details: 'In the OCI registry a tag delete removes the manifest it points to, and so every tag of that manifest.',
    errors: [404],
  },
  'POST /v1/repository/user': {
    id: 'createRegistryAccount',
    summary: 'Create my registry account',
    details: 'One per platform user (a second: 409); a registry user name taken: 409.',
    errors: [409],
  },
  'PUT /v1/repository/user/password': {
    id: 'changeRegistryPassword',
    summary: "Change my registry account's password",
    errors: [404],
  },
  'POST /v1/repository/third': {
    id: 'createExternalRepository',
    summary: "Add an external registry's credentials",
    details: "Stored encrypted and never returned; distributed as an image pull secret to the business's namespaces.",
    errors: [409],
  },
  'DELETE /v1/repository/third': {
    id: 'deleteExternalRepositories',
    summary: "Remove external registries' credentials",
    errors: [404],
  },
  'GET /v1/repository/third': { id: 'listExternalRepositories', summary: 'List external registries' },
  'GET /v1/repository/third/{repositoryId}': { id: 'getExternalRepository', summary: 'Read an external registry' },
};

/** The reference's sections, one per domain. */
export const TAGS = [
  { name: 'auth', description: 'Log in, refresh, log out, who am I (API.md §3).' },
  { name: 'users', description: 'Registration, sub-users and user audit (API.md §3).' },
  { name: 'businesses', description: 'Businesses: the tenants (API.md §4).' },
  { name: 'clusters', description: 'Edge clusters, their registration and labels (API.md §5).' },
  { name: 'nodes', description: 'Nodes of the edge clusters and their labels (API.md §6).' },
  { name: 'applications', description: 'Applications: workloads placed on clusters, revisions, rollouts (API.md §8).' },
  { name: 'alerts', description: 'Alerts and the Alertmanager webhook (API.md §9).' },
  { name: 'settings', description: 'Platform settings (API.md §9).' },
  { name: 'audit', description: 'The audit log of state-changing calls (API.md §9).' },
  { name: 'registry', description: 'The registry token service, its certificate and event intake (API.md §10).' },
  { name: 'repository', description: 'Projects, images, tags, registry accounts and external registries (API.md §7).' },
] as const;
