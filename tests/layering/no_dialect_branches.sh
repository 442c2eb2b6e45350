#!/usr/bin/env bash
# Features ask storage's SqlDialect for the SQL that differs between SQLite and PostgreSQL;
# they never branch on the backend themselves. This fails on any such branch in src/ outside
# src/storage/: a comparison with the backend enum, a `pg`/`postgres`/`sqlite` flag or helper,
# a URL scheme test, or an include of one backend's headers.
set -euo pipefail

src=${1:?usage: no_dialect_branches.sh <src folder>}

patterns=(
  'Dialect::k|Backend::k|\bk(Postgres|Sqlite)\b'          # the backend enum
  '\bpg_?\b|\bis_(pg|postgres|sqlite)\b'                  # pg, pg_ members, is_postgres
  '\b(pg|postgres|sqlite)\s*\('                           # postgres(db) helpers
  '\bbool\s+\w*(pg|postgres|sqlite)\w*\s*[=({;]'          # bool postgres = ..., bool use_sqlite;
  '"(postgres|postgresql|sqlite)"\s*[!=]=|[!=]=\s*"(postgres|postgresql|sqlite)"'  # db.name() == "postgres"
  'starts_with\("(sqlite|postgres)'                       # choosing by DATABASE_URL scheme
  '#include "storage/(sqlite|postgres)/'                  # one backend's own headers
)

args=()
for p in "${patterns[@]}"; do args+=(-e "$p"); done
if hits=$(grep -rnE --include='*.cpp' --include='*.hpp' --exclude-dir=storage "${args[@]}" "$src"); then
  echo "$hits"
  echo "FAIL: the lines above branch on the database backend outside src/storage/;" \
       "ask storage::SqlDialect (db.dialect()) instead" >&2
  exit 1
fi
echo "ok: no backend branches outside src/storage/"
