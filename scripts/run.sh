#!/usr/bin/env bash
# Starts keel from the repository root with the environment as given (API.md §8):
# SQLite at ./data/keel.db unless DATABASE_URL says otherwise.
set -euo pipefail
binary="${1:?usage: scripts/run.sh <path-to-keel>}"
cd "$(dirname "$0")/.."
host="${HOST:-127.0.0.1}"
[ "$host" = "0.0.0.0" ] && host="localhost"
echo "keel: starting on http://${host}:${PORT:-3000}  (database ${DATABASE_URL:-sqlite://./data/keel.db}; Ctrl-C stops)"
exec "$binary" serve
