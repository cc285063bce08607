import type { Caller } from '../access/roles.js';
import { scopeOf } from '../access/scope.js';
import type { Db } from '../db/types.js';
import { NotFound } from '../http/errors.js';
import type { RegistryClient } from '../registry/client.js';
import type { RegistryHub } from '../registry/hub.js';
import { projectOf } from '../registry/scopes.js';
import * as images from './image-store.js';
import * as projects from './project-store.js';
import type { DeleteImagesBody, DeleteTagsBody, ImageRow, ListImagesQuery, ListTagsQuery, TagRow } from './schemas.js';
import { RegistrySync } from './sync.js';

type Project = NonNullable<Awaited<ReturnType<typeof projects.visibleProjectByName>>>;

/**
 * Images and tags (API.md §7). Reads reconcile with the registry first, so
 * they are right even when an event was lost; deletes go through the
 * registry API (a tag delete removes the manifest it points to, and with it
 * every tag on that manifest; disk space returns with the registry's garbage
 * collection).
 */
export class ImagesService {
  constructor(
    private readonly db: Db,
    private readonly registry: RegistryHub,
  ) {}

  async listImages(caller: Caller, q: ListImagesQuery): Promise<{ rows: ImageRow[]; total: number }> {
    const client = this.registry.requireClient();
    const project = await this.visibleProject(caller, q.projectName);
    await new RegistrySync(this.db, client).project(project);
    const { rows, total } = await images.listImages(this.db, project.id, q.imageName, q);
    return {
      rows: rows.map((r) => ({
        projectName: project.name,
        public: project.public === 1,
        imageName: r.name,
        imageAddress: this.address(r.name),
        tagCount: r.tag_count,
        createTime: r.create_time,
        updateTime: r.update_time,
      })),
      total,
    };
  }

  async listTags(caller: Caller, q: ListTagsQuery): Promise<{ rows: TagRow[]; total: number }> {
    const client = this.registry.requireClient();
    const project = await this.visibleProject(caller, projectOf(q.imageName) ?? '', q.imageName);
    const sync = new RegistrySync(this.db, client);
    await sync.repository(project, q.imageName);
    const image = await images.findImage(this.db, q.imageName);
    if (!image) throw new NotFound(`imageName: no image "${q.imageName}"`);
    let { rows, total } = await images.listTags(this.db, image.id, q);
    if (await sync.freshenTags(image.id, q.imageName, rows)) ({ rows, total } = await images.listTags(this.db, image.id, q));
    return {
      rows: rows.map((t) => ({
        tag: t.tag,
        digest: t.digest,
        size: t.size ?? 0,
        imageAddress: `${this.address(q.imageName)}:${t.tag}`,
        createTime: t.create_time,
        updateTime: t.update_time,
      })),
      total,
    };
  }

  /** All or nothing as far as the hub can: every image is checked before any is deleted. */
  async deleteImages(caller: Caller, input: DeleteImagesBody): Promise<void> {
    const client = this.registry.requireClient();
    const plans: { project: Project; name: string; tags: string[] }[] = [];
    const missing: string[] = [];
    for (const name of input.imageName) {
      const project = await projects.ownedProjectByName(this.db, scopeOf(caller), projectOf(name) ?? '');
      const tags = project ? await client.tags(name) : null;
      if (!project || !tags || tags.length === 0) missing.push(name);
      else plans.push({ project, name, tags });
    }
    if (missing.length > 0) throw new NotFound(`imageName: no image ${missing.map((n) => `"${n}"`).join(', ')}`);
    for (const plan of plans) {
      await this.deleteManifests(client, plan.name, plan.tags);
      await new RegistrySync(this.db, client).repository(plan.project, plan.name);
    }
  }

  async deleteTags(caller: Caller, input: DeleteTagsBody): Promise<void> {
    const client = this.registry.requireClient();
    const project = await projects.ownedProjectByName(this.db, scopeOf(caller), projectOf(input.imageName) ?? '');
    const tags = project ? await client.tags(input.imageName) : null;
    if (!project || !tags || tags.length === 0) throw new NotFound(`imageName: no image "${input.imageName}"`);
    const missing = input.tag.filter((t) => !tags.includes(t));
    if (missing.length > 0) throw new NotFound(`tag: no tag ${missing.map((t) => `"${t}"`).join(', ')} in "${input.imageName}"`);
    await this.deleteManifests(client, input.imageName, input.tag);
    await new RegistrySync(this.db, client).repository(project, input.imageName);
  }

  private async deleteManifests(client: RegistryClient, repository: string, tags: readonly string[]): Promise<void> {
    const digests = new Set<string>();
    for (const tag of tags) {
      const info = await client.manifest(repository, tag);
      if (info) digests.add(info.digest);
    }
    for (const digest of digests) await client.deleteManifest(repository, digest);
  }

  /** An own or public project; anything else is "not found". */
  private async visibleProject(caller: Caller, name: string, imageName?: string): Promise<Project> {
    const project = await projects.visibleProjectByName(this.db, scopeOf(caller), name);
    if (!project) {
      throw new NotFound(imageName ? `imageName: no image "${imageName}"` : `projectName: no project "${name}"`);
    }
    return project;
  }

  private address(imageName: string): string {
    return `${this.registry.domain}/${imageName}`;
  }
}
