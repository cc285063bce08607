import type { Db } from '../db/types.js';
import { nowSeconds } from '../lib/time.js';
import type { RegistryClient } from '../registry/client.js';
import { projectOf } from '../registry/scopes.js';
import * as images from './image-store.js';

type Project = { readonly id: number; readonly name: string };

/** Registry reads at once (tag lists, manifests of tags the hub has not seen). */
const PARALLEL = 8;

/**
 * Brings the mirrored images and tags of one project in line with the
 * registry: its catalog and tag lists are the truth, events only add the real
 * times. A lost event therefore loses nothing; a tag first seen here gets the
 * time it was seen.
 */
export class RegistrySync {
  constructor(
    private readonly db: Db,
    private readonly client: RegistryClient,
  ) {}

  async project(project: Project): Promise<void> {
    const prefix = `${project.name}/`;
    const repos = (await this.client.catalog()).filter((r) => r.startsWith(prefix));
    for (let i = 0; i < repos.length; i += PARALLEL) {
      const batch = repos.slice(i, i + PARALLEL);
      const tagLists = await Promise.all(batch.map((r) => this.client.tags(r)));
      for (let j = 0; j < batch.length; j += 1) await this.apply(project, batch[j], tagLists[j]);
    }
    const known = new Set(repos);
    for (const img of await images.imagesOfProject(this.db, project.id)) {
      if (!known.has(img.name)) await images.deleteImage(this.db, img.id);
    }
  }

  /**
   * The cheap check behind project lists (`imageCount`): one catalog walk;
   * repositories the hub never heard of get their tags read, vanished ones go.
   */
  async catalogOf(projects: readonly Project[]): Promise<void> {
    if (projects.length === 0) return;
    const byName = new Map(projects.map((p) => [p.name, p]));
    const catalog = await this.client.catalog();
    const rows = await images.imagesOfProjects(
      this.db,
      projects.map((p) => p.id),
    );
    const known = new Set(rows.map((r) => r.name));
    const unknown = catalog.filter((r) => byName.has(projectOf(r) ?? '') && !known.has(r));
    for (let i = 0; i < unknown.length; i += PARALLEL) {
      const batch = unknown.slice(i, i + PARALLEL);
      const tagLists = await Promise.all(batch.map((r) => this.client.tags(r)));
      for (let j = 0; j < batch.length; j += 1) await this.apply(byName.get(projectOf(batch[j])!)!, batch[j], tagLists[j]);
    }
    const present = new Set(catalog);
    for (const r of rows) if (!present.has(r.name)) await images.deleteImage(this.db, r.id);
  }

  async repository(project: Project, repository: string): Promise<void> {
    await this.apply(project, repository, await this.client.tags(repository));
  }

  /**
   * A tag the hub knows may have moved to another manifest while its push
   * event was lost: the tag list alone cannot tell. Reads the manifest of each
   * listed tag (a page, not the whole repository) and records a changed digest
   * and size, with the time it was seen. True when a row changed.
   */
  async freshenTags(imageId: number, repository: string, rows: readonly { tag: string; digest: string }[]): Promise<boolean> {
    let changed = false;
    for (let i = 0; i < rows.length; i += PARALLEL) {
      const batch = rows.slice(i, i + PARALLEL);
      const infos = await Promise.all(batch.map((t) => this.client.manifest(repository, t.tag)));
      for (let j = 0; j < batch.length; j += 1) {
        const info = infos[j];
        if (!info || info.digest === batch[j].digest) continue; // gone since (the next listing drops it) or unchanged
        const now = nowSeconds();
        await images.upsertTag(this.db, imageId, batch[j].tag, info.digest, info.size, now);
        await images.touchImage(this.db, imageId, now);
        changed = true;
      }
    }
    return changed;
  }

  private async apply(project: Project, repository: string, tags: readonly string[] | null): Promise<void> {
    const existing = await images.findImage(this.db, repository);
    if (!tags || tags.length === 0) {
      if (existing) await images.deleteImage(this.db, existing.id);
      return;
    }
    const now = nowSeconds();
    const imageId = existing?.id ?? (await images.ensureImage(this.db, project.id, repository, now));
    const rows = new Map((await images.tagsOf(this.db, imageId)).map((t) => [t.tag, t]));
    const wanted = new Set(tags);
    await images.deleteTags(
      this.db,
      imageId,
      [...rows.keys()].filter((t) => !wanted.has(t)),
    );
    const unknown = tags.filter((t) => rows.get(t)?.size == null);
    for (let i = 0; i < unknown.length; i += PARALLEL) {
      const batch = unknown.slice(i, i + PARALLEL);
      const infos = await Promise.all(batch.map((t) => this.client.manifest(repository, t)));
      for (let j = 0; j < batch.length; j += 1) {
        const info = infos[j];
        if (!info) continue; // deleted between the tag list and now
        if (rows.has(batch[j])) await images.setTagSize(this.db, imageId, batch[j], info.digest, info.size);
        else await images.upsertTag(this.db, imageId, batch[j], info.digest, info.size, now);
      }
    }
  }
}
