"""The processes of the deploy tests and an HTTP client for them (see harness.py for the rest).

- gunicorn with config/gunicorn.conf.py and Celery workers as scripts/serve.sh starts them, each in its own
  process group (a SIGKILL reaches the pool children too), its output in a log file;
- a client that talks to gunicorn as the TLS proxy would (``X-Forwarded-Proto: https``), so the web
  processes run with the production settings (DEBUG off, HTTPS redirects and secure cookies on)."""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from .harness import BIN, LOG_PROBLEMS, REPO, wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Service:
    """A process (and its children) started in its own process group, its output in ``log``."""

    name: str
    command: list[str]
    environment: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> "Service":
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_for_output(self, pattern: str, *, timeout: float = 60, count: int = 1) -> None:
        def seen():
            if not self.running():
                raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.output()[-4000:]}")
            return len(re.findall(pattern, self.output())) >= count

        wait_until(seen, timeout=timeout, what=f"{count}× {pattern!r} in the output of {self.name}")

    def signal(self, number: int) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, number)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (gunicorn finishes its requests, Celery its tasks), SIGKILL after ``timeout``."""
        if self.process is None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # children the leader left behind
            os.killpg(self.process.pid, signal.SIGKILL)

    def problems(self) -> list[str]:
        return [line for line in self.output().splitlines() if LOG_PROBLEMS.search(line)]


def web_service(name: str, environment: dict, log_dir: Path) -> tuple[Service, str]:
    """gunicorn as ``make serve`` starts it, on a free port; returns the service and its base URL."""
    port = free_port()
    service = Service(
        name,
        [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
        {**environment, "BIND": f"127.0.0.1:{port}"},
        log_dir / f"{name}.log",
    )
    return service, f"http://127.0.0.1:{port}"


def wait_for_web(url: str, path: str, *, timeout: float = 90) -> None:
    def answers():
        try:
            return WebClient(url, timeout=5).get(path).status == 200
        except OSError:  # not listening yet
            return False

    wait_until(answers, timeout=timeout, what=f"{url}{path} to answer 200")


def worker_service(name: str, environment: dict, log_dir: Path, *, app: str = "config", concurrency: int = 2):
    return Service(
        name,
        [
            str(BIN / "celery"),
            "-A",
            app,
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{name}@%h",
        ],
        environment,
        log_dir / f"{name}.log",
    )


# --- HTTP --------------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path


@dataclass
class WebClient:
    """One browser session against one web process, as seen through the TLS proxy."""

    base_url: str
    cookies: dict = field(default_factory=dict)
    timeout: float = 60

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> Response:
        parts = urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        sent = {"Host": parts.netloc, "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = f"https://{parts.netloc}"
            sent["Referer"] = f"https://{parts.netloc}{path}"
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            response = Response(answer.status, answer.msg, answer.read())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict) -> Response:
        if "csrftoken" not in self.cookies:
            self.get(path)
        return self.request("POST", path, data={"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data})

    def log_in(self, login_url: str, username: str, password: str) -> None:
        self.get(login_url)
        response = self.post(login_url, {"username": username, "password": password})
        assert response.status == 302 and "sessionid" in self.cookies, (response.status, response.text[:2000])
