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
# The OpenAPI document (API.md §1): the committed copy is what the hub serves, and
# redocly finds no error in it (rules and the warning kept: redocly.yaml).
npx tsx scripts/openapi.ts --check
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint --config redocly.yaml client/openapi.json
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency="${OTE_TEST_CONCURRENCY:-2}" "${files[@]}"
