import type { Generated } from 'kysely';
import type { Flag, Seconds } from './types.js';

/** Tables of migration 004 (repository management, API.md §7 and §10). */
export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  business_id: number;
  public: Flag;
  create_time: Seconds;
  update_time: Seconds;
}

interface ImagesTable {
  id: Generated<number>;
  project_id: number;
  /** The registry repository name, "project/repo". */
  name: string;
  create_time: Seconds;
  update_time: Seconds;
}

interface ImageTagsTable {
  id: Generated<number>;
  image_id: number;
  tag: string;
  digest: string;
  size: number | null;
  create_time: Seconds;
  update_time: Seconds;
}

interface RegistryAccountsTable {
  id: Generated<number>;
  user_id: number;
  user_name: string;
  name_key: string;
  password_hash: string;
  create_time: Seconds;
  update_time: Seconds;
}

interface ExternalRepositoriesTable {
  id: Generated<number>;
  business_id: number;
  repository_id: string;
  address: string;
  user_name: string;
  password_enc: string;
  create_time: Seconds;
  update_time: Seconds;
}

export interface RegistryTables {
  projects: ProjectsTable;
  images: ImagesTable;
  image_tags: ImageTagsTable;
  registry_accounts: RegistryAccountsTable;
  external_repositories: ExternalRepositoriesTable;
}
