#!/usr/bin/env bash
# `npm test`: provisions what the tests need on a fresh machine (we are root),
# type-checks, lints (eslint) and checks the formatting (prettier), then runs
# unit, integration and end-to-end tests (SQLite and PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
npx tsc -p tsconfig.json --noEmit
# The console: its type check, the component tests (Vitest, jsdom), and the build the browser tests load.
npx tsc -p web/tsconfig.json
npx vitest run --config web/vite.config.ts
[ -f web/dist/index.html ] || npm run build:web
npm run --silent lint
npm run --silent format:check
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency="${OTE_TEST_CONCURRENCY:-2}" "${files[@]}"
