// Runs the `ote` command from the TypeScript sources (`node --import tsx test/helpers/ote-cli.ts agent ...`),
// as bin/ote.js does from dist/: tests start the real hub and agent as separate processes.
import { main } from '../../src/cli/ote.js';

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
