import { Unavailable } from '../http/errors.js';
import type { Access } from './scopes.js';
import type { RegistryTokenSigner } from './signer.js';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** Distribution answers at most this many names per catalog page. */
const CATALOG_PAGE = 1000;
const TIMEOUT_MS = 10_000;

interface ManifestInfo {
  readonly digest: string;
  /** Bytes of the manifest plus what it references (config and layers, or the manifests of an index). */
  readonly size: number;
}

interface Descriptor {
  readonly size?: number;
}

/**
 * The hub's client of the registry API (Distribution v2). Every call carries
 * a token the hub mints for itself with exactly the access that call needs.
 */
export class RegistryClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly signer: RegistryTokenSigner,
    /** Names per catalog request; Distribution answers at most 1000 and links to the next page. */
    private readonly catalogPage = CATALOG_PAGE,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /** Every repository name, following the `Link` header page by page. */
  async catalog(): Promise<string[]> {
    const names: string[] = [];
    let next: string | null = `/v2/_catalog?n=${this.catalogPage}`;
    const access = [{ type: 'registry', name: 'catalog', actions: ['*'] }];
    while (next) {
      const res = await this.request('GET', next, access);
      if (!res.ok) throw await this.failure(res, 'list the catalog');
      const body = (await res.json()) as { repositories?: string[] | null };
      names.push(...(body.repositories ?? []));
      next = nextLink(res.headers.get('link'));
    }
    return names;
  }

  /** The repository's tags, or null when the registry does not know the repository. */
  async tags(repository: string): Promise<string[] | null> {
    const res = await this.request('GET', `/v2/${repository}/tags/list`, pull(repository));
    if (res.status === 404) return null;
    if (!res.ok) throw await this.failure(res, `list the tags of ${repository}`);
    const body = (await res.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  /** Digest and size of a manifest by tag or digest, or null when absent. */
  async manifest(repository: string, reference: string): Promise<ManifestInfo | null> {
    const res = await this.request('GET', `/v2/${repository}/manifests/${reference}`, pull(repository), {
      accept: MANIFEST_TYPES,
    });
    if (res.status === 404) return null;
    if (!res.ok) throw await this.failure(res, `read the manifest ${repository}:${reference}`);
    const text = await res.text();
    const digest = res.headers.get('docker-content-digest');
    if (!digest) throw new Unavailable('the registry answered a manifest without its digest');
    let size = Buffer.byteLength(text);
    try {
      const m = JSON.parse(text) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
      // Sizes are what the pusher claimed: Distribution takes any int64 (2^63-1 or negative), which no
      // bigint column or JSON number holds exactly. Only plausible ones count; the sum stays a safe integer.
      for (const d of [m.config, ...(m.layers ?? []), ...(m.manifests ?? [])]) {
        if (Number.isSafeInteger(d?.size) && d!.size! >= 0) size = Math.min(size + d!.size!, Number.MAX_SAFE_INTEGER);
      }
    } catch {
      // An unreadable manifest still has a digest; its own length is the size we know.
    }
    return { digest, size };
  }

  /**
   * Deletes a manifest by digest. Distribution then drops every tag that
   * points to it; blobs stay on disk until the registry's garbage collection.
   */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const access = [{ type: 'repository', name: repository, actions: ['delete', 'pull'] }];
    const res = await this.request('DELETE', `/v2/${repository}/manifests/${digest}`, access);
    if (res.ok || res.status === 404) return;
    if (res.status === 405) {
      throw new Unavailable('the registry refuses deletes: run it with storage.delete.enabled: true');
    }
    throw await this.failure(res, `delete ${repository}@${digest}`);
  }

  private async request(
    method: string,
    path: string,
    access: readonly Access[],
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const { token } = await this.signer.sign('ote-hub', access);
    try {
      return await fetch(this.base + path, {
        method,
        headers: { ...headers, authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new Unavailable('the registry is unavailable; try again');
    }
  }

  private async failure(res: Response, what: string): Promise<Unavailable> {
    await res.body?.cancel();
    return new Unavailable(`the registry could not ${what} (HTTP ${res.status})`);
  }
}

const pull = (repository: string): Access[] => [{ type: 'repository', name: repository, actions: ['pull'] }];

/** The path of `Link: </v2/_catalog?last=x&n=1000>; rel="next"`, or null on the last page. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link);
  if (!m) return null;
  const url = new URL(m[1], 'http://registry.invalid');
  return url.pathname + url.search;
}
