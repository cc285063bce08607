import { parseArgs } from 'node:util';
// Each command loads only its own code: the agent on an edge machine never loads the hub (nor its native SQLite driver).
// A type-only import is erased: it loads nothing.
import type * as ServeModule from './serve.js';
type Serve = typeof ServeModule.serve;
const serve: Serve = async (flags) => (await import('./serve.js')).serve(flags);
const agentCommand = async (args: readonly string[]) => (await import('./agent.js')).agentCommand(args);

const USAGE = `usage:
  ote serve [--host HOST] [--port PORT] [--data-dir DIR] [--database-url URL] [--public-url URL]
  ote agent --hub URL --token TOKEN [--kubeconfig PATH] [--ca FILE] [--heartbeat SECONDS]`;

/** The `ote` command: `serve` runs the hub; `agent` runs in an edge cluster. */
export async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: {
          host: { type: 'string' },
          port: { type: 'string' },
          'data-dir': { type: 'string' },
          'database-url': { type: 'string' },
          'public-url': { type: 'string' },
        },
        strict: true,
      });
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
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return;
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}
