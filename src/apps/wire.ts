import { nowSeconds } from '../lib/time.js';
import type { Services } from '../server/app-types.js';
import { appsContributor } from './desired.js';
import { workloadIntake } from './intake.js';
import { nodeLabelGuard } from './node-labels.js';
import { deleteAppsOfBusiness } from './store.js';

/**
 * Plugs Application Management into the seams other domains offer: the agent
 * link's desired-state contributors (workloads per cluster) and workload
 * status intake, the nodes domain's label-removal hook (deleteDeploy) and business deletion.
 */
export function wireApps(services: Services): void {
  const { agentLink, apps, businesses, nodes, settings, db } = services;
  // The registry's domain: OTE_REGISTRY_DOMAIN, else OTE_REGISTRY_URL's host (as imageAddress and the pull secrets).
  agentLink.addContributor(appsContributor(settings, services.registry.domain ?? undefined));
  // A new report may complete a rollout batch: look at once rather than at the next tick.
  agentLink.onWorkloads(workloadIntake(db.kysely, nowSeconds, () => apps.rollouts.poke()));
  nodes.onLastLabelRemoved(nodeLabelGuard);
  // A deleted business's namespaces go from every cluster with everything in them (API.md §4): so do its
  // applications, which would otherwise still count clusters as targets and raise alerts for ever.
  businesses.onDelete(deleteAppsOfBusiness);
  // Ingress objects exist only while enableIngress is on: every cluster may change.
  settings.onChange((changed) => {
    if (changed.enableIngress !== undefined) services.desired.changed('all');
  });
}
