"""Databases and subprocesses of the deploy tests.

- PostgreSQL: each test gets a fresh database of its own (never pytest-django's test database: the
  subprocesses must see committed data), cloned from a migrated template. The template is made once by
  ``manage.py migrate`` and kept between runs under a name with a digest of every migration, so a changed
  migration makes a new one (and the old one is dropped).
- Redis: a database number of its own, claimed with a key so that two test runs on one machine never share a
  queue; emptied before and after.
- The seed (seed.py, in a subprocess), the collected static files, ``manage.py`` on a deploy database.
- The processes and the HTTP client: processes.py.

Waiting is always polling with a deadline (``wait_until``), never a bare sleep."""

import contextlib
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import dj_database_url
import psycopg2
import pytest
import redis

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
PYTHON = str(BIN / "python")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DATABASES = range(15, 7, -1)  # tried in this order; a database is used only when empty or ours
CLAIM_KEY = "zhigai-deploy-test:claim"
OURS = re.compile(rb"^(zhigai-deploy-test:.*|celery|unacked.*|_kombu\..*|celery-task-meta-.*|:\d+:.*)$")
LOG_PROBLEMS = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")
TEMPLATE_LOCK = 8_410_201  # pg_advisory_lock key of the template's creation


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.1):
    """Poll ``predicate`` until it returns something truthy (returned); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# --- PostgreSQL --------------------------------------------------------------------------------------------


def postgres_settings() -> dict:
    """The server of DATABASE_URL (make test: postgres://postgres@127.0.0.1:5432/zhigai)."""
    config = dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite://")
    if "postgresql" not in config["ENGINE"]:
        pytest.skip("the deploy tests need PostgreSQL (DATABASE_URL=postgres://...)")
    return config


def database_url(name: str) -> str:
    config = postgres_settings()
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{credentials}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{name}"


def connect(name: str = "postgres"):
    config = postgres_settings()
    connection = psycopg2.connect(
        dbname=name,
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
    )
    connection.autocommit = True
    return connection


def query(name: str, sql: str, params=()) -> list[tuple]:
    with contextlib.closing(connect(name)) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def database_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def drop_database(name: str) -> None:
    with contextlib.closing(connect()) as connection, connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrations_digest() -> str:
    """Every migration file of every installed app, and the pinned requirements."""
    from django.apps import apps

    digest = hashlib.sha256((REPO / "requirements.txt").read_bytes())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            digest.update(f"{config.label}/{path.name}\n".encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def base_name() -> str:
    return postgres_settings()["NAME"]


def template_database() -> str:
    """The migrated template (made by ``manage.py migrate`` if missing; about a minute, once)."""
    prefix = f"{base_name()}_deploy_tpl_"
    name = prefix + migrations_digest()
    with contextlib.closing(connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK])
        try:
            if not database_exists(cursor, name):
                building = f"{name}_building"
                cursor.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                cursor.execute(f'CREATE DATABASE "{building}"')
                run_manage(["migrate", "--noinput", "-v0"], database=building, timeout=600)
                cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s", [prefix + "%", name]
            )
            for (stale,) in cursor.fetchall():
                cursor.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK])
    return name


def fresh_database(label: str) -> str:
    """A new database, a copy of the migrated template; the caller drops it (``drop_database``)."""
    template = template_database()
    name = f"{base_name()}_deploy_{label}_{os.getpid()}_{secrets.token_hex(3)}"
    with contextlib.closing(connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK])  # nobody builds or drops it meanwhile
        try:
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK])
    return name


# --- Redis ---------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_database():
    """A Redis database number of our own (empty, or left by an earlier run of these tests), claimed for the
    duration and emptied before and after."""
    token = secrets.token_hex(8)
    for number in REDIS_DATABASES:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        if not all(OURS.match(key) for key in client.scan_iter(count=1000)):
            continue  # somebody else's data
        if not client.set(CLAIM_KEY, token, nx=True, ex=900):
            continue  # another run of these tests
        break
    else:
        pytest.fail(f"no free Redis database among {list(REDIS_DATABASES)} at {REDIS_HOST}:{REDIS_PORT}")

    def empty():
        for key in client.scan_iter(count=1000):
            if key != CLAIM_KEY.encode():
                client.delete(key)

    empty()
    try:
        yield number
    finally:
        empty()
        if client.get(CLAIM_KEY) == token.encode():
            client.delete(CLAIM_KEY)


def redis_url(number: int) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"


# --- subprocesses ------------------------------------------------------------------------------------------


def base_environment(**overrides: str) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_LIVE"))}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO))
    environment.update(overrides)
    return environment


def run_manage(arguments: list[str], *, database: str, timeout: float = 120, **environment: str):
    """``manage.py`` on a deploy database; fails the test with its output if it fails."""
    environment.setdefault("DEBUG", "1")
    result = subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=REPO,
        env=base_environment(DATABASE_URL=database_url(database), **environment),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(arguments)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def seed(database: str, *, plans: int, submit: int = 0, media_root: Path, **environment: str) -> dict:
    """tests/deploy/seed.py in a subprocess: one open call, ``plans`` plans ready to submit."""
    result = subprocess.run(
        [PYTHON, "-m", "tests.deploy.seed", "--plans", str(plans), "--submit", str(submit)],
        cwd=REPO,
        env=base_environment(DATABASE_URL=database_url(database), DEBUG="1", MEDIA_ROOT=str(media_root), **environment),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"seeding failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@functools.cache
def static_root() -> Path:
    """Collected static files for the web processes, as ``collectstatic`` makes them for production except
    for Brotli (gzip only: seconds instead of minutes). Cached between runs by the sources' fingerprint."""
    environment = base_environment(DEBUG="0", SECRET_KEY="static-only", STATIC_BROTLI="0")
    digest = subprocess.run(
        [PYTHON, "scripts/collect_static.py", "--print-fingerprint"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()
    root = Path(tempfile.gettempdir()) / f"zhigai-deploy-static-{digest[:16]}"
    if not (root / "staticfiles.json").exists():
        building = Path(tempfile.mkdtemp(prefix=f"{root.name}-building-"))
        subprocess.run(
            [PYTHON, "scripts/collect_static.py"],
            cwd=REPO,
            env={**environment, "STATIC_ROOT": str(building)},
            capture_output=True,
            check=True,
            timeout=600,
        )
        try:
            building.rename(root)
        except OSError:  # another run finished first: use its copy
            shutil.rmtree(building, ignore_errors=True)
        building.with_name(building.name + ".fingerprint").unlink(missing_ok=True)
        for stale in root.parent.glob("zhigai-deploy-static-*"):  # collections of older sources, unused for an hour
            if stale != root and stale.is_dir() and time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
                stale.with_name(stale.name + ".fingerprint").unlink(missing_ok=True)
    # What scripts/collect_static.py keeps beside the collection: make serve finds it up to date.
    root.with_name(root.name + ".fingerprint").write_text(digest + "\n")
    return root


def static_manifest(root: Path) -> dict[str, str]:
    """Source path → hashed path, from collectstatic's manifest."""
    return json.loads((root / "staticfiles.json").read_text())["paths"]


def per_plan(database: str, sql: str, plan_ids) -> dict[int, int]:
    """``sql`` selects (plan id, count) for the plans in %s; plans it does not list count 0."""
    counts = dict.fromkeys(plan_ids, 0)
    counts.update(dict(query(database, sql, [list(plan_ids)])))
    return counts


def submission_counts(database: str, plan_ids) -> dict[str, dict[int, int]]:
    """Per plan: frozen versions, ``plan.submit`` audit events, generated plan PDFs, versions with their PDF."""
    return {
        "versions": per_plan(
            database, "SELECT plan_id, count(*) FROM pilots_planversion WHERE plan_id = ANY(%s) GROUP BY 1", plan_ids
        ),
        "submit_events": per_plan(
            database,
            """SELECT target_id::bigint, count(*) FROM audit_auditevent
               WHERE action = 'plan.submit' AND target_type = 'pilots.pilotplan'
                 AND target_id = ANY(%s::text[]) GROUP BY 1""",
            plan_ids,
        ),
        "pdfs": per_plan(
            database,
            """SELECT owner_id, count(*) FROM documents_document
               WHERE purpose = 'plan_pdf' AND owner_id = ANY(%s) GROUP BY 1""",
            plan_ids,
        ),
        "versions_with_pdf": per_plan(
            database,
            """SELECT plan_id, count(*) FROM pilots_planversion
               WHERE plan_id = ANY(%s) AND pdf_id IS NOT NULL GROUP BY 1""",
            plan_ids,
        ),
    }
