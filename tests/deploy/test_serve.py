"""``make serve`` (scripts/serve.sh): refuses to start half-configured; otherwise migrates, collects the static
files, runs gunicorn, a Celery worker and beat in the foreground, and Ctrl+C stops all three cleanly."""

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from . import harness, processes

SERVE = str(harness.REPO / "scripts" / "serve.sh")
COMPLETE = {
    "SECRET_KEY": "a-test-secret-that-is-long-enough-0123456789abcdefghijklmnop",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "ALLOWED_HOSTS": "127.0.0.1",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"DATABASE_URL": "sqlite:///var/db.sqlite3"}, "DATABASE_URL must point at PostgreSQL"),
        ({"REDIS_URL": None}, "REDIS_URL must point at Redis"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is not set"),
    ],
)
def test_serve_refuses_to_start_without_a_production_setting_and_says_which(change, message):
    environment = {key: value for key, value in os.environ.items() if key not in COMPLETE}
    environment.update({key: value for key, value in {**COMPLETE, **change}.items() if value is not None})
    result = subprocess.run([SERVE], env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr
    assert "==> migrate" not in result.stdout  # refused before touching anything


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_runs_the_web_server_worker_and_beat_and_ctrl_c_stops_them_all(deployment, tmp_path):
    data = deployment.seed(plans=1)
    port = processes.free_port()
    service = processes.Service(
        "serve",
        [SERVE],
        deployment.environment(
            BIND=f"127.0.0.1:{port}",
            STATIC_BROTLI="0",  # the cached collection (tests/deploy/harness.static_root) is up to date
            CELERY_BEAT_SCHEDULE_FILE=str(tmp_path / "celerybeat-schedule"),
        ),
        tmp_path / "serve.log",
    ).start()
    deployment.services.append(service)
    processes.wait_for_web(f"http://127.0.0.1:{port}", data["login_url"], timeout=180)
    service.wait_for_output(r"celery@\S+ ready\.")
    service.wait_for_output(r"beat: Starting")
    output = service.output()
    assert "==> migrate" in output and "No migrations to apply." in output
    # (up to date: the deploy tests' collection, unless a static file changed since it was made)
    assert re.search(r"static files in \S+ are up to date|collecting static files into", output)
    started = children_of(service.process.pid)
    assert len(started) == 3, started  # gunicorn, the worker, beat

    service.signal(signal.SIGINT)  # Ctrl+C in the terminal: the script's process group
    assert service.process.wait(timeout=90) == 0, service.output()[-3000:]
    harness.wait_until(lambda: not any(map(alive, started)), timeout=30, what="every process to end")
    output = service.output()
    assert "==> stopping" in output
    assert "Shutting down: Master" in output  # gunicorn, after its requests
    assert "Warm shutdown" in output  # the Celery worker, after its tasks
    assert service.problems() == [], service.log
