#!/usr/bin/env node
// The `ote` command; the TypeScript sources are compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/ote.js', import.meta.url);
if (!fs.existsSync(fileURLToPath(entry))) {
  // `npm ci --ignore-scripts` (or a fresh checkout) leaves dist/ out: say what to run, not ERR_MODULE_NOT_FOUND.
  console.error(
    `ote: ${fileURLToPath(new URL('../dist/', import.meta.url))} is missing (the compiled sources): run npm run build`,
  );
  process.exit(2);
}
let cli;
try {
  cli = await import(entry.href);
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND') {
    // A dependency or a compiled file is missing: an incomplete install or a stale build.
    console.error(
      `ote: ${err.message.split('\n')[0]}\nrun npm ci (or npm run build) in ${fileURLToPath(new URL('..', import.meta.url))}`,
    );
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
