import type { ClusterFacts, DesiredStateContributor } from '../agent-link/desired-builder.js';
import type { DesiredState, PullSecret } from '../agent-link/protocol.js';
import { approvedBusinesses } from '../businesses/store.js';
import type { Db } from '../db/types.js';
import type { RegistryHub } from '../registry/hub.js';
import { allSealed } from './external-store.js';
import type { SecretBox } from './secret-box.js';

/**
 * Name of each business's platform-registry pull secret. It holds a dot, which
 * no external `repositoryId` can (`[a-z0-9-]`), so the two never collide.
 * Application Management references it for private platform projects.
 */
export const PLATFORM_PULL_SECRET = 'ote.registry';

/** A `.dockerconfigjson` document for one registry. */
export function dockerConfigJson(address: string, user: string, password: string): string {
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  return JSON.stringify({ auths: { [address]: { username: user, password, auth } } });
}

/**
 * Every pull secret clusters must hold (the same for every cluster): per
 * approved business, its pull robot for the platform registry (when one is
 * configured) and one secret per external repository, in `ns<businessId>`.
 */
async function pullSecretsFor(
  db: Db,
  registry: RegistryHub,
  box: SecretBox,
  unreadable?: (businessId: number, repositoryId: string) => void,
): Promise<PullSecret[]> {
  const out: PullSecret[] = [];
  const approved = await approvedBusinesses(db);
  if (registry.domain) {
    for (const b of approved) {
      out.push({
        namespace: `ns${b.id}`,
        name: PLATFORM_PULL_SECRET,
        dockerConfigJson: dockerConfigJson(registry.domain, registry.robots.userName(b.id), registry.robots.password(b.id)),
      });
    }
  }
  const live = new Set(approved.map((b) => b.id));
  for (const e of await allSealed(db)) {
    if (!live.has(e.business_id)) continue;
    let password: string;
    try {
      password = box.open(e.password_enc);
    } catch {
      // Sealed under another hub secret (OTE_SECRET_KEY changed): skip it rather than fail every cluster.
      unreadable?.(e.business_id, e.repository_id);
      continue;
    }
    out.push({
      namespace: `ns${e.business_id}`,
      name: e.repository_id,
      dockerConfigJson: dockerConfigJson(e.address, e.user_name, password),
    });
  }
  return out;
}

/** Plugs the pull secrets into the agent link's desired-state builder. */
export function pullSecretContributor(registry: RegistryHub, box: SecretBox): DesiredStateContributor {
  return {
    name: 'registry-pull-secrets',
    async contribute(db: Db, clusters: readonly ClusterFacts[]) {
      const out = new Map<number, Partial<DesiredState>>();
      if (clusters.length === 0) return out;
      const pullSecrets = await pullSecretsFor(db, registry, box, (businessId, repositoryId) =>
        process.emitWarning(
          `external repository "${repositoryId}" of business ${businessId}: its password cannot be decrypted with this hub's secret; re-enter it`,
        ),
      );
      for (const c of clusters) out.set(c.id, { pullSecrets });
      return out;
    },
  };
}
