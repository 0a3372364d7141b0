"""Fixtures of the deploy tests: a deployment (database, Redis, media, processes) torn down in a finalizer."""

import secrets
import signal
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import harness, processes


@dataclass
class Deployment:
    """One fresh database and Redis database, and the processes started on them (stopped at teardown)."""

    database: str
    redis_number: int
    root: Path
    services: list = field(default_factory=list)

    @property
    def media_root(self) -> Path:
        return self.root / "media"

    @property
    def redis_url(self) -> str:
        return harness.redis_url(self.redis_number)

    @property
    def static_root(self) -> Path:
        return harness.static_root()  # collected on first use (a worker needs none)

    def environment(self, *, static: bool = True, **overrides: str) -> dict:
        """The production environment of the web processes and workers (settings from the environment)."""
        if static:
            overrides.setdefault("STATIC_ROOT", str(self.static_root))
        return harness.base_environment(
            DEBUG="0",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=harness.database_url(self.database),
            REDIS_URL=self.redis_url,
            MEDIA_ROOT=str(self.media_root),
            CONN_MAX_AGE="60",
            LOG_LEVEL="WARNING",
            WEB_CONCURRENCY="1",
            WEB_THREADS="4",
            **overrides,
        )

    def __post_init__(self):
        self.secret_key = secrets.token_urlsafe(50)
        self.media_root.mkdir(parents=True, exist_ok=True)

    def seed(self, **kwargs) -> dict:
        return harness.seed(self.database, media_root=self.media_root, **kwargs)

    def start_web(self, name: str, **environment: str) -> tuple[processes.Service, str]:
        service, url = processes.web_service(name, self.environment(**environment), self.root)
        self.services.append(service.start())
        return service, url

    def start_worker(self, name: str, *, app: str = "config", concurrency: int = 2, **environment: str):
        service = processes.worker_service(
            name, self.environment(static=False, **environment), self.root, app=app, concurrency=concurrency
        )
        self.services.append(service.start())
        return service

    def stop_all(self) -> None:
        """All at once: SIGTERM to every process, then wait for each (SIGKILL after its timeout)."""
        for service in self.services:
            service.signal(signal.SIGTERM)
        for service in reversed(self.services):
            service.stop()


@pytest.fixture
def deployment(tmp_path):
    database = harness.fresh_database("t")
    try:
        with harness.redis_database() as number:
            deployed = Deployment(database, number, tmp_path)
            try:
                yield deployed
            finally:
                deployed.stop_all()
    finally:
        harness.drop_database(database)
