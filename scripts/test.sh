#!/usr/bin/env bash
# Lint, Django checks, migrations check, then the whole pytest suite on PostgreSQL (DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG=1

if ! $PY - <<'PYEOF'
import os, sys
import dj_database_url, psycopg2
cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
try:
    connection = psycopg2.connect(dbname="postgres", user=cfg["USER"], password=cfg["PASSWORD"], host=cfg["HOST"], port=cfg["PORT"] or 5432, connect_timeout=5)
except psycopg2.OperationalError as error:
    print(f"PostgreSQL is not reachable at {cfg['HOST']}:{cfg['PORT'] or 5432} ({error.__class__.__name__}: {str(error).strip()})", file=sys.stderr)
    sys.exit(1)
# The named database itself (pytest makes its own test_ copy; makemigrations --check reads this one).
connection.autocommit = True
with connection.cursor() as cursor:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
    if cursor.fetchone() is None:
        cursor.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
connection.close()
PYEOF
then
  echo "make test needs PostgreSQL (DATABASE_URL=$DATABASE_URL). Start it, or point DATABASE_URL at one." >&2
  exit 1
fi

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> compilemessages"
$PY manage.py compilemessages -v0 --ignore=.venv
echo "==> manage.py check"
$PY manage.py check --fail-level WARNING
echo "==> production settings: check --deploy"
env DEBUG=0 SECRET_KEY=check-deploy-only-$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=example.gov.cn \
  $PY manage.py check --deploy --fail-level WARNING
echo "==> makemigrations --check"
$PY manage.py makemigrations --check --dry-run
echo "==> pytest"
$PY -m pytest "$@"
