"""The production processes for the HTTP parts: gunicorn with ``config/gunicorn.conf.py`` (the settings of
``make serve``: 2 processes × 4 threads by default) and one Celery worker, on the bench database and Redis,
with DEBUG off. Started by the bench and stopped by it (by process id)."""

import os
import signal
import subprocess
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore

from accounts.middleware import SESSION_KEY as LAST_ACTIVITY

ROOT = Path(settings.BASE_DIR)
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
CSRF = "b3nchcsrf" + "0" * 23  # a 32-character secret: sent as cookie and header, as a browser would


def production_env(database_url: str, redis_url: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DEBUG="0",
        # The bench's own key: the sessions it makes for the load (session_cookies) are signed with it.
        SECRET_KEY=settings.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL="0",  # plain HTTP on the loopback (production sits behind a TLS proxy)
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CONN_MAX_AGE="60",
        BIND=f"127.0.0.1:{PORT}",
        GUNICORN_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def running_server(database_url: str, redis_url: str, *, log=print):
    env = production_env(database_url, redis_url)
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    subprocess.run([str(ROOT / ".venv/bin/python"), "scripts/collect_static.py"], cwd=ROOT, env=env, check=True)  # noqa: S603
    access = open(var / "bench-gunicorn.log", "w")  # noqa: SIM115 (closed below)
    web = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "config/gunicorn.conf.py", "--access-logfile", "-", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=access,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(var / "bench-celery.log", "w"),  # noqa: SIM115 (the child keeps it)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{BASE}/accounts/login/", timeout=5)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("gunicorn did not answer in 60 s (see var/bench-gunicorn.log)")
        log(f"  gunicorn on {BASE} (pid {web.pid}), celery worker (pid {worker.pid})")
        yield {"workers": int(env.get("WEB_CONCURRENCY", "2")), "threads": int(env.get("WEB_THREADS", "4"))}
    finally:
        for process in (web, worker):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        access.close()


def session_cookies(users) -> dict[int, dict]:
    """A signed-in session per user, made directly in the session table (what a login leaves), so that
    the measured traffic is page traffic, not 500 password hashes. Returns {user id: cookies}."""
    cookies = {}
    for user in users:
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store[LAST_ACTIVITY] = int(time.time())
        store.create()
        cookies[user.pk] = {settings.SESSION_COOKIE_NAME: store.session_key, settings.CSRF_COOKIE_NAME: CSRF}
    return cookies


def users_by_name(names):
    return get_user_model().objects.in_bulk(list(names), field_name="username")
