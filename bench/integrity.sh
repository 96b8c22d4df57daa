#!/usr/bin/env bash
# Verify rate and `zone recover` time on a zone of TENANTS tenants and ENTRIES entries with DAMAGED damaged copies,
# and another zone's p99 meanwhile, on 3 node processes (node/src/test/java/dev/hearth/node/it/IntegrityBench.java).
# Usage: bench/integrity.sh [ENTRIES [TENANTS [DAMAGED]]]   (defaults 1000000 100 100)
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-1000000}
tenants=${2:-100}
damaged=${3:-100}
mvn -B -q -pl node -am package -DskipTests
mvn -B -q -pl node -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test=IntegrityBench \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dbench.entries="$entries" -Dbench.tenants="$tenants" \
  -Dbench.damaged="$damaged" 2>&1 | grep -E 'loaded [0-9]|damaged [0-9]+ copies|verify: |verify after|zone recover: |repaired [0-9]|other zone \('
