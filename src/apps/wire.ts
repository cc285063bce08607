import type { Services } from '../server/app-types.js';
import { appsContributor } from './desired.js';

/**
 * Plugs Application Management into the seams other domains offer: the agent
 * link's desired-state contributors (workloads per cluster).
 */
export function wireApps(services: Services): void {
  services.agentLink.addContributor(appsContributor(services.settings, services.config.OTE_REGISTRY_DOMAIN));
}
