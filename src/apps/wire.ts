import { nowSeconds } from '../lib/time.js';
import type { Services } from '../server/app-types.js';
import { appsContributor } from './desired.js';
import { workloadIntake } from './intake.js';
import { nodeLabelGuard } from './node-labels.js';

/**
 * Plugs Application Management into the seams other domains offer: the agent
 * link's desired-state contributors (workloads per cluster) and workload
 * status intake, and the nodes domain's label-removal hook (deleteDeploy).
 */
export function wireApps(services: Services): void {
  const { agentLink, apps, nodes, settings, db } = services;
  // The registry's domain: OTE_REGISTRY_DOMAIN, else OTE_REGISTRY_URL's host (as imageAddress and the pull secrets).
  agentLink.addContributor(appsContributor(settings, services.registry.domain ?? undefined));
  // A new report may complete a rollout batch: look at once rather than at the next tick.
  agentLink.onWorkloads(workloadIntake(db.kysely, nowSeconds, () => apps.rollouts.poke()));
  nodes.onLastLabelRemoved(nodeLabelGuard);
  // Ingress objects exist only while enableIngress is on: every cluster may change.
  settings.onChange((changed) => {
    if (changed.enableIngress !== undefined) services.desired.changed('all');
  });
}
