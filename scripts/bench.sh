#!/usr/bin/env bash
# `npm run bench`: the benchmarks of bench/ (issue #2). Prints a markdown table
# of medians and ratios for this machine; never fails on timing.
# OTE_BENCH_DB=postgres runs on a temporary PostgreSQL database (127.0.0.1:5432)
# instead of SQLite; see bench/run.ts for the other OTE_BENCH_* settings.
set -euo pipefail
cd "$(dirname "$0")/.."
# OTE_BENCH_AGENT=1 also runs the agent load benchmark (issue #4, ~10 minutes):
# 100, 1,000 and 5,000 simulated clusters of 20 nodes against one hub process;
# see bench/agent-load.ts for its OTE_BENCH_AGENT_* settings.
if [ "${OTE_BENCH_AGENT:-0}" = 1 ]; then
  node --import tsx bench/run.ts
  # 5,000 WebSockets per process: raise the open-file limit where the hard limit allows.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  node --import tsx bench/agent-load.ts
  # The fleet with applications (issue #13): see bench/fleet-apps.ts for its OTE_BENCH_FLEET_* settings.
  exec node --import tsx bench/fleet-apps.ts
fi
# The console's bundle budget and time to interactive with 5,000 clusters (issue #15), against /docs;
# OTE_BENCH_ONLY=console runs just that one.
[ -f web/dist/index.html ] || npm run build:web
node --import tsx bench/console.ts
[ "${OTE_BENCH_ONLY:-}" = console ] && exit 0
exec node --import tsx bench/run.ts
