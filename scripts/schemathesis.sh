#!/usr/bin/env bash
# Schemathesis against a live Milepost (real Postgres, Temporal dev server,
# the API on a free loopback port), driven by the served /openapi.json with
# every check, bounded in time; exits non-zero on any finding. Provisions
# Schemathesis (pinned) from PyPI into a venv under the cache dir once.
#
#   scripts/schemathesis.sh [--max-time <seconds, default 240>] [more `st run` options]
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.5
cache="${MILEPOST_CACHE_DIR:-$PWD/.cache}"
venv="$cache/schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
export PATH="$PWD/node_modules/.bin:$PATH"
exec node scripts/schemathesis/stack.ts "$venv/bin/st" "$@"
