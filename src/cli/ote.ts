import { parseArgs } from 'node:util';
// Each command loads only its own code: the agent on an edge machine never loads the hub (nor its native SQLite driver).
// A type-only import is erased: it loads nothing.
import type * as ServeModule from './serve.js';
type Serve = typeof ServeModule.serve;
const serve: Serve = async (flags) => (await import('./serve.js')).serve(flags);
const agentCommand = async (args: readonly string[]) => (await import('./agent.js')).agentCommand(args);
const adminCommand = async (args: readonly string[]) => (await import('./admin.js')).adminCommand(args);

const USAGE = `usage: ote COMMAND [options]

commands:
  serve                      run the hub: API, docs and console (ote serve --help)
  agent --hub URL            run the agent of one edge cluster, with the join token
                             in OTE_AGENT_TOKEN (ote agent --help)
  admin reset-password       give a user (default: the system administrator) a new
        [--user NAME]        generated password, printed once; its logins end
  help [COMMAND]             this text, or a command's

Configuration is environment variables (OTE_*, see the README); every command
answers --help.`;

export const SERVE_USAGE = `usage: ote serve [options]

Runs the hub until SIGINT/SIGTERM. Flags override the environment variables
named after them; every other setting is an environment variable (README).

  --host HOST          listen address (OTE_HOST, default 127.0.0.1; 0.0.0.0 = every address)
  --port PORT          listen port (OTE_PORT, default 8080)
  --data-dir DIR       SQLite file, generated keys and secrets (OTE_DATA_DIR, default ./data)
  --database-url URL   postgres://… selects PostgreSQL (OTE_DATABASE_URL)
  --public-url URL     the address agents and registries reach the hub at, printed in
                       join commands (OTE_PUBLIC_URL, default http://HOST:PORT)
  -h, --help           this text

On the first start with an empty database it creates the system administrator
(OTE_ADMIN_USER, default admin) and prints a generated password once unless
OTE_ADMIN_PASSWORD is set; lost it? ote admin reset-password.
exit status: 0 stopped by a signal; 2 a bad setting (named) or the address is taken.`;

const SERVE_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'public-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The `ote` command: `serve` runs the hub; `agent` runs in an edge cluster; `admin` repairs a hub's data. */
export async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: SERVE_OPTIONS, strict: true });
      if (values.help) {
        console.log(SERVE_USAGE);
        return;
      }
      await serve({
        OTE_HOST: values.host,
        OTE_PORT: values.port,
        OTE_DATA_DIR: values['data-dir'],
        OTE_DATABASE_URL: values['database-url'],
        OTE_PUBLIC_URL: values['public-url'],
      });
      return;
    }
    case 'agent':
      await agentCommand(rest);
      return;
    case 'admin':
      await adminCommand(rest);
      return;
    case 'help':
      if (rest[0] === 'serve' || rest[0] === 'agent' || rest[0] === 'admin') return main([rest[0], '--help']);
      console.log(USAGE);
      return;
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return;
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}
