import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UserStatus } from '../access/roles.js';
import { revokeUserSessions } from '../auth/session-store.js';
import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { openDatabase } from '../db/index.js';
import { resetPasswordOffline } from '../users/bootstrap.js';

export const ADMIN_USAGE = `usage: ote admin reset-password [--user NAME] [--data-dir DIR] [--database-url URL]

Gives a user a new generated password, printed once on stdout, and ends every
login token it holds. Without --user: the system administrator (the account
the first start created; its generated password is printed only then).
It works on the hub's database directly (OTE_DATA_DIR's SQLite file, or
OTE_DATABASE_URL), whether or not the hub runs; run it where the hub runs, as
the user that owns the data directory.

  --user NAME          the user (default: the system administrator)
  --data-dir DIR       OTE_DATA_DIR (default ./data)
  --database-url URL   OTE_DATABASE_URL (postgres://…)
  -h, --help           this text`;

const OPTIONS = {
  user: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `ote admin SUBCOMMAND ...`: maintenance on a hub's database. Bad usage: exit 2. */
export async function adminCommand(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(ADMIN_USAGE);
    return;
  }
  if (sub !== 'reset-password') {
    console.error(`ote admin: unknown subcommand "${sub}"\n${ADMIN_USAGE}`);
    process.exit(2);
  }
  const { values } = parseArgs({ args: [...rest], options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(ADMIN_USAGE);
    return;
  }
  let config: Config;
  try {
    const overrides = Object.fromEntries(
      Object.entries({ OTE_DATA_DIR: values['data-dir'], OTE_DATABASE_URL: values['database-url'] }).filter(([, v]) => v),
    ) as Record<string, string>;
    config = loadConfig(process.env, overrides);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`ote admin: ${err.message}`);
    process.exit(2);
  }
  const sqliteFile = path.resolve(config.OTE_DATA_DIR, 'ote.db');
  if (!config.OTE_DATABASE_URL && !fs.existsSync(sqliteFile)) {
    // Opening would create an empty database there: the data directory is not the hub's.
    console.error(`ote admin: no hub database at ${sqliteFile} (OTE_DATA_DIR / --data-dir; OTE_DATABASE_URL for PostgreSQL)`);
    process.exit(2);
  }
  const db = await openDatabase({ databaseUrl: config.OTE_DATABASE_URL, dataDir: config.OTE_DATA_DIR });
  try {
    const r = await resetPasswordOffline(db.kysely, values.user, (trx, id) => revokeUserSessions(trx, id));
    console.log(`new password for user "${r.user}": ${r.password}`);
    console.log('(shown once; every login token of this user is revoked; change it after logging in: PUT /v1/user)');
    if (r.status !== UserStatus.approved) {
      console.log(
        `note: this user's status is ${r.status} (not approved); a system administrator can change it (PUT /v1/admin/user/{id})`,
      );
    }
  } catch (err) {
    console.error(`ote admin: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await db.close();
  }
}
