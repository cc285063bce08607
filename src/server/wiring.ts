import { appsContributor } from '../apps/desired.js';
import { workloadIntake } from '../apps/intake.js';
import { nodeLabelGuard } from '../apps/node-labels.js';
import { deleteAppsOfBusiness } from '../apps/store.js';
import { namespacesContributor } from '../businesses/desired.js';
import { nowSeconds } from '../lib/time.js';
import { nodeLabelsContributor } from '../nodes/desired.js';
import { AccountsService } from '../repository/account-service.js';
import type { Services } from './services.js';

/**
 * Every cross-domain reaction of the hub, in one place: "when X happens, also Y".
 * Domains only announce (their `on…` registrars); nothing else calls those registrars.
 *
 * When a user is deleted (in its transaction):
 *   - their pending business applications are withdrawn;
 *   - their registry account goes.
 * When a business is deleted (in its transaction):
 *   - it is refused while it still has projects (their images would be orphaned);
 *   - its applications go (its namespaces go from every cluster with everything in them).
 * When a node loses its last label an application's nodeLabel selects: deleteDeploy decides.
 * When the settings change: enableIngress adds or removes Ingress objects on every cluster.
 * Each cluster's desired state is the sum of its contributors: the approved businesses'
 *   namespaces, the nodes' labels, pull secrets, workloads.
 * When an agent reports workloads: statuses are stored and rollout batches looked at at once.
 * `GET /v1/authorization` asks the repository whether the caller has a registry account.
 */
export function wireReactions(s: Services): void {
  s.users.onDelete(s.businesses.withdrawApplications);
  s.users.onDelete((trx, userId) => AccountsService.removeForUser(trx, userId));

  s.businesses.onDelete((trx, businessId) => s.repository.projects.refuseBusinessWithProjects(trx, businessId));
  s.businesses.onDelete(deleteAppsOfBusiness);

  s.nodes.onLastLabelRemoved(nodeLabelGuard);

  s.settings.onChange((changed) => {
    if (changed.enableIngress !== undefined) s.agentLink.changed('all');
  });

  s.agentLink.addContributor(namespacesContributor());
  s.agentLink.addContributor(nodeLabelsContributor());
  s.agentLink.addContributor(s.repository.contributor);
  // The registry's domain: OTE_REGISTRY_DOMAIN, else OTE_REGISTRY_URL's host (as imageAddress and the pull secrets).
  s.agentLink.addContributor(appsContributor(s.settings, s.registry.domain ?? undefined));
  s.agentLink.onWorkloads(workloadIntake(s.db.kysely, nowSeconds, () => s.apps.rollouts.poke()));

  s.auth.useRepoAccountCheck((userId) => s.repository.accounts.has(userId));
}
