import type { ColumnType, Generated, Insertable, Kysely, Selectable } from 'kysely';
import type { AppTables } from '../apps/tables.js';
import type { ClusterTables } from './cluster-tables.js';
import type { RegistryTables } from './registry-tables.js';

/** 0/1 integers stand for booleans: the one representation both engines share. */
export type Flag = number;
/** Unix seconds. */
export type Seconds = number;

interface UsersTable {
  id: Generated<number>;
  user_name: string;
  /** Lower-cased name: user names are unique case-insensitively. */
  name_key: string;
  password_hash: string;
  phone: string;
  real_name: string;
  is_admin: Flag;
  /** The bootstrapped system administrator (role 4). */
  is_system: Flag;
  status: number;
  business_id: number | null;
  create_time: Seconds;
  update_time: Seconds;
}

interface BusinessesTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  user_id: number;
  introduce: string;
  objective: string;
  scale: string;
  comment: string;
  status: number;
  create_time: Seconds;
  update_time: Seconds;
}

interface SessionsTable {
  jti: string;
  user_id: number;
  expires_at: Seconds;
  revoked: Flag;
  create_time: Seconds;
}

export interface AuditLogTable {
  id: Generated<number>;
  user_id: number | null;
  user_name: string | null;
  action: string;
  target: string;
  result: number;
  client_ip: string;
  create_time: Seconds;
}

export interface SettingsTable {
  id: number;
  private_project: Flag;
  enable_ingress: Flag;
  enable_alert: Flag;
  enable_admin_auto_deploy: Flag;
  update_time: ColumnType<Seconds>;
}

/** Repository management tables (migration 004) live in registry-tables.ts. */
export interface Database extends RegistryTables, ClusterTables, AppTables {
  users: UsersTable;
  businesses: BusinessesTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
}

/** What every store function takes: the query builder, or a transaction of it. */
export type Db = Kysely<Database>;

export type UserRecord = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type BusinessRecord = Selectable<BusinessesTable>;
