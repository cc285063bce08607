import type { Caller } from '../access/roles.js';
import { scopeOf } from '../access/scope.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/types.js';
import { Conflict, NotFound, Unavailable, ValidationError } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import type { RegistryHub } from '../registry/hub.js';
import type { SettingsService } from '../settings/service.js';
import { actingBusinessInto } from './acting.js';
import * as images from './image-store.js';
import * as store from './project-store.js';
import type { CreateProjectBody, DeleteProjectsBody, ListProjectsQuery, ProjectRow } from './schemas.js';
import { RegistrySync } from './sync.js';

/** Projects (API.md §7): registry namespaces owned by one business, public or private. */
export class ProjectsService {
  constructor(
    private readonly db: Db,
    private readonly registry: RegistryHub,
    private readonly settings: SettingsService,
  ) {}

  async list(caller: Caller, q: ListProjectsQuery): Promise<{ rows: ProjectRow[]; total: number }> {
    const client = this.registry.requireClient();
    const { rows, total } = await store.listProjects(this.db, scopeOf(caller), q, q);
    try {
      await new RegistrySync(this.db, client).catalogOf(rows);
    } catch (err) {
      // A registry outage must not hide the projects: the counts the events left are shown.
      if (!(err instanceof Unavailable)) throw err;
    }
    const counts = await images.imageCounts(
      this.db,
      rows.map((r) => r.id),
    );
    return {
      rows: rows.map((r) => ({
        projectId: r.id,
        projectName: r.name,
        public: r.public === 1,
        businessId: r.business_id,
        imageCount: counts.get(r.id) ?? 0,
        createTime: r.create_time,
        updateTime: r.update_time,
      })),
      total,
    };
  }

  async create(caller: Caller, input: CreateProjectBody): Promise<number> {
    this.registry.requireClient();
    const problems: Record<string, string> = {};
    const businessId = await actingBusinessInto(this.db, caller, input.businessId, problems);
    if (!input.public && !(await this.settings.get()).privateProject) {
      problems.public = 'private projects are disabled on this platform (setting privateProject)';
    }
    if (businessId === null || Object.keys(problems).length > 0) throw new ValidationError(problems);
    try {
      const id = await store.insertProject(this.db, {
        name: input.projectName,
        businessId,
        public: input.public,
        now: nowSeconds(),
      });
      return id;
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`projectName: the project "${input.projectName}" already exists`);
      throw err;
    }
  }

  /** All or nothing: every id must be the caller's and hold no image (asked of the registry itself). */
  async remove(caller: Caller, input: DeleteProjectsBody): Promise<void> {
    const sync = new RegistrySync(this.db, this.registry.requireClient());
    const found = await store.ownedProjectsByIds(this.db, scopeOf(caller), input.projectId);
    const missing = input.projectId.filter((id) => !found.some((p) => p.id === id));
    if (missing.length > 0) throw new NotFound(`projectId: no project ${missing.join(', ')}`, { projectId: missing });
    for (const p of found) await sync.project(p);
    const counts = await images.imageCounts(
      this.db,
      found.map((p) => p.id),
    );
    const busy = found.filter((p) => (counts.get(p.id) ?? 0) > 0);
    if (busy.length > 0) {
      const names = busy.map((p) => `"${p.name}" (${counts.get(p.id)} images)`).join(', ');
      throw new Conflict(`project ${names} still holds images; delete them first`, {
        projects: busy.map((p) => p.name),
      });
    }
    const ids = found.map((p) => p.id);
    await this.db.transaction().execute(async (trx) => {
      await images.deleteImagesOfProjects(trx, ids);
      await store.deleteProjects(trx, ids);
    });
  }

  /** Business deletion hook: a business with projects cannot go (API.md §4). */
  async refuseBusinessWithProjects(trx: Db, businessId: number): Promise<void> {
    const projects = await store.projectsOfBusiness(trx, businessId);
    if (projects.length > 0) {
      const names = projects
        .slice(0, 10)
        .map((p) => `"${p.name}"`)
        .join(', ');
      throw new Conflict(`the business still has projects (${names}); delete them first`, {
        projects: projects.map((p) => p.name),
      });
    }
  }
}
