#!/usr/bin/env bash
# `make serve`: the production processes on one machine, in the foreground; Ctrl+C stops them all cleanly.
#   gunicorn (config/gunicorn.conf.py), a Celery worker and Celery beat, with PostgreSQL and Redis.
# Refuses to start without SECRET_KEY, PostgreSQL, Redis or ALLOWED_HOSTS. See docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG=0 # production settings, whatever the shell says
export PYTHONUNBUFFERED=1

refuse() {
  echo "make serve: $1" >&2
  echo "            (docs/deploy.md lists every variable; for a development server use make run)" >&2
  exit 2
}
if [ -z "${SECRET_KEY:-}" ]; then
  refuse "SECRET_KEY is not set. Production needs a long random secret that stays the same across restarts
            (sessions and password-reset links are signed with it). Make one once and keep it with the other
            secrets, e.g.  python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
fi
[[ "${DATABASE_URL:-}" == postgres* ]] ||
  refuse "DATABASE_URL must point at PostgreSQL (postgres://user:password@host:5432/zhigai); several processes need its row locks."
[[ "${REDIS_URL:-}" == redis* ]] ||
  refuse "REDIS_URL must point at Redis (redis://127.0.0.1:6379/0): the Celery broker shared by the web processes and the worker."
[ -n "${ALLOWED_HOSTS:-}" ] ||
  refuse "ALLOWED_HOSTS is not set: the host names the site answers to, e.g. ALLOWED_HOSTS=zgsz.example.gov.cn"

echo "==> migrate"
$PY manage.py migrate --noinput
echo "==> compilemessages"
$PY manage.py compilemessages -v0 --ignore=.venv
echo "==> static files"
$PY scripts/collect_static.py

pids=()
set -m # each process in its own process group: Ctrl+C reaches this script, which stops them in order
.venv/bin/gunicorn -c config/gunicorn.conf.py config.wsgi &
pids+=($!)
.venv/bin/celery -A config worker --loglevel INFO --concurrency "${CELERY_CONCURRENCY:-1}" \
  --max-tasks-per-child 200 --without-gossip --without-mingle &
pids+=($!)
.venv/bin/celery -A config beat --loglevel INFO --schedule "${CELERY_BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}" &
pids+=($!)
echo "==> serving on ${BIND:-127.0.0.1:8000}: gunicorn ${WEB_CONCURRENCY:-2}x${WEB_THREADS:-4}, worker ${CELERY_CONCURRENCY:-1}, beat (Ctrl+C stops)"

stop() {
  trap 'echo "==> killing"; kill -KILL "${pids[@]}" 2>/dev/null' INT TERM # a second Ctrl+C does not wait
  echo "==> stopping: gunicorn finishes its requests, the worker its tasks (Ctrl+C again to kill)"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait
}
trap 'stop; exit 0' INT TERM
status=0
wait -n || status=$?
echo "==> a process ended by itself (status $status); stopping the others" >&2
stop
exit 1
