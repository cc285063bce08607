#!/usr/bin/env node
// The `ote` command; the TypeScript sources are compiled to dist/ by `npm ci` (prepare).
import { main } from '../dist/cli/ote.js';

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
