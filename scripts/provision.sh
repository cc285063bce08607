#!/usr/bin/env bash
# Installs and starts what the test suite needs; idempotent and quick when all is there.
set -euo pipefail
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
apt_updated=0
need() {  # need <package>...: apt-get install the missing ones
  local p missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  echo "provision: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# PostgreSQL: the machine's server on 127.0.0.1:5432 (trust auth); install and start it if absent.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  need postgresql
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  pg_isready -h 127.0.0.1 -p 5432
fi

# The OCI registry tests: CNCF Distribution 2.8 (docker-registry) and a real client (skopeo).
# The package's own service is not needed: tests start their own registry.
need docker-registry skopeo

# The alerting rules (promtool check/test rules) and the scrape test (a real Prometheus 2.42).
# The package's own service is not needed: the test starts its own on a free loopback port.
need prometheus

# The agent tests: a real kube-apiserver + etcd (the shared envtest tool beside the repository;
# built once into ~/.cache/kube-envtest, returns at once when cached).
need etcd-server openssl curl
bash "$(dirname "$0")/../../shared/tools/kube-envtest.sh" build

# The console's browser tests (test/e2e/console.test.ts): Debian's Chromium, driven by playwright-core.
need chromium
