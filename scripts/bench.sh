#!/usr/bin/env bash
# `npm run bench`: the benchmarks of bench/ (issue #2). Prints a markdown table
# of medians and ratios for this machine; never fails on timing.
# OTE_BENCH_DB=postgres runs on a temporary PostgreSQL database (127.0.0.1:5432)
# instead of SQLite; see bench/run.ts for the other OTE_BENCH_* settings.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx bench/run.ts
