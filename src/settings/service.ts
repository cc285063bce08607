import type { Db } from '../db/types.js';
import { nowSeconds } from '../lib/time.js';
import type { Settings, UpdateSettingsBody } from './schemas.js';
import * as store from './store.js';

const COLUMNS = {
  privateProject: 'private_project',
  enableIngress: 'enable_ingress',
  enableAlert: 'enable_alert',
  enableAdminAutoDeploy: 'enable_admin_auto_deploy',
} as const;

/** The platform flags of API.md §9, one row in the database (so every replica agrees). */
export class SettingsService {
  private readonly changeHooks: ((changed: UpdateSettingsBody) => void)[] = [];

  constructor(private readonly db: Db) {}

  /** Called after a committed update with the flags given (enableIngress changes clusters' desired state). */
  onChange(hook: (changed: UpdateSettingsBody) => void): void {
    this.changeHooks.push(hook);
  }

  async get(db: Db = this.db): Promise<Settings> {
    const row = await store.readSettings(db);
    return {
      privateProject: row.private_project === 1,
      enableIngress: row.enable_ingress === 1,
      enableAlert: row.enable_alert === 1,
      enableAdminAutoDeploy: row.enable_admin_auto_deploy === 1,
    };
  }

  async update(input: UpdateSettingsBody): Promise<Settings> {
    const set: Record<string, number> = {};
    for (const [field, column] of Object.entries(COLUMNS)) {
      const value = input[field as keyof UpdateSettingsBody];
      if (value !== undefined) set[column] = value ? 1 : 0;
    }
    await store.writeSettings(this.db, set, nowSeconds());
    for (const hook of this.changeHooks) hook(input);
    return this.get();
  }
}
