#!/usr/bin/env bash
# `make bench`: the benchmarks of issue 7 end to end, on PostgreSQL; results in bench/results/, the table
# in docs/performance.md. The data sets are made once and reused (bench_seed --status tells their scale):
#   BENCH_DB        (default zhigai_bench)      S = BENCH_SCALE (default 1)
#   BENCH_SMALL_DB  (default zhigai_benchtest)  S = 0.01
# BENCH_PARTS picks parts (default: all): queries timing pdf audit spike http.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
export DEBUG=1 DJANGO_SETTINGS_MODULE=bench.settings
export BENCH_DB=${BENCH_DB:-zhigai_bench} BENCH_SMALL_DB=${BENCH_SMALL_DB:-zhigai_benchtest}
export BENCH_SCALE=${BENCH_SCALE:-1}
export REDIS_URL_BENCH=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/7}
mkdir -p bench/results

stamp=.venv/.installed-bench-$(sha256sum requirements-bench.txt | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> installing requirements-bench.txt"
  .venv/bin/pip install -q --no-binary psycopg2 -r requirements-bench.txt
  rm -f .venv/.installed-bench-*
  touch "$stamp"
fi

prepare() { # database, scale: reuse a data set of that scale, otherwise make the database anew
  local db=$1 scale=$2 seeded
  psql "$PG/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 || psql "$PG/postgres" -qc "CREATE DATABASE \"$db\""
  DATABASE_URL="$PG/$db" $PY manage.py migrate --noinput -v0
  seeded=$(DATABASE_URL="$PG/$db" $PY manage.py bench_seed --status)
  if [ "$seeded" != "$scale" ] && [ "$seeded" != "${scale}.0" ]; then
    if [ "$seeded" != "None" ]; then
      echo "==> $db holds scale $seeded, not $scale: made anew"
      psql "$PG/postgres" -qc "DROP DATABASE \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
      DATABASE_URL="$PG/$db" $PY manage.py migrate --noinput -v0
    fi
    echo "==> bench_seed --scale $scale into $db"
    DATABASE_URL="$PG/$db" $PY manage.py bench_seed --scale "$scale" | tee "bench/results/seed-$db.log"
  else
    echo "==> $db: the S=$scale data set is there, reused"
  fi
}

prepare "$BENCH_SMALL_DB" 0.01
prepare "$BENCH_DB" "$BENCH_SCALE"
DATABASE_URL="$PG/$BENCH_DB" $PY manage.py bench_run --small-database-url "$PG/$BENCH_SMALL_DB" --parts "${BENCH_PARTS:-all}"
echo "==> docs/performance.md written"
