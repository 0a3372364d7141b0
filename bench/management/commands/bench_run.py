import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import setup_test_environment

PARTS = ("queries", "timing", "pdf", "audit", "spike", "http")


class Command(BaseCommand):
    help = "Run the issue-7 benchmarks on this (S=1) database; write bench/results/*.json and docs/performance.md."

    def add_arguments(self, parser):
        parser.add_argument("--parts", default="all", help=f"comma-separated, of: {', '.join(PARTS)} (or all)")
        parser.add_argument("--small-database-url", help="the S=0.01 database, for the query counts")
        parser.add_argument("--label", default="large", help="(internal) the name of this database's results")
        parser.add_argument("--requests", type=int, default=50, help="requests per page for the server time")

    def handle(self, *args, parts, small_database_url, label, requests, **options):
        from bench import seed

        if connection.vendor != "postgresql":
            raise CommandError("the benchmarks run on PostgreSQL")
        if seed.seeded_scale() is None:
            raise CommandError("no bench data set here: run manage.py bench_seed first (make bench does)")
        chosen = PARTS if parts == "all" else tuple(part.strip() for part in parts.split(","))
        self.results = Path(settings.BASE_DIR) / "bench" / "results"
        self.results.mkdir(exist_ok=True)
        setup_test_environment()  # the test client's hosts, locmem mail
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        log = self.stdout.write
        if "queries" in chosen:
            if small_database_url:
                log("==> query counts at S=0.01")
                env = {**os.environ, "DATABASE_URL": small_database_url}
                subprocess.run(
                    [sys.executable, "manage.py", "bench_run", "--parts", "queries", "--label", "small"],
                    env=env,
                    check=True,
                )
            log(f"==> query counts ({label})")
            self._queries(label)
            if label == "small":
                return
        if "timing" in chosen:
            self._timing(requests)
        if "pdf" in chosen:
            self._pdf()
        if "audit" in chosen:
            self._audit()
        if "spike" in chosen or "http" in chosen:
            self._http(chosen)
        from bench.report import write_report

        path = write_report(self.results)
        log(f"==> {path}")

    def _save(self, name: str, data) -> None:
        if isinstance(data, dict):
            data["load_average"] = round(os.getloadavg()[0], 1)  # the machine is shared: how busy it was
        (self.results / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str))

    def _queries(self, label: str) -> None:
        from bench import seed
        from bench.pages import role_users, unregistered
        from bench.queries import measure_all

        started = time.monotonic()
        rows = [{k: v for k, v in vars(m).items() if k != "sql"} | {"kind": m.kind} for m in measure_all(role_users())]
        from bench.timing import time_baseline

        baseline = time_baseline(requests=1)
        self._save(
            f"queries-{label}",
            {
                "baseline_queue_queries": baseline["baseline"]["queries"],
                "inbox_queries": baseline["ours"]["queries"],
                "scale": seed.seeded_scale(),
                "database": connection.settings_dict["NAME"],
                "unregistered": unregistered(),
                "seconds": round(time.monotonic() - started, 1),
                "pages": rows,
            },
        )
        self.stdout.write(f"  {sum(1 for r in rows if r['status'] == 200)} page × role measured")

    def _measured(self) -> list[dict]:
        path = self.results / "queries-large.json"
        if not path.exists():
            self._queries("large")
        return json.loads(path.read_text())["pages"]

    def _timing(self, requests: int) -> None:
        from bench.timing import time_baseline, time_pages

        self.stdout.write(f"==> server time, {requests} requests per page")
        rows = time_pages(self._measured(), requests=requests, log=self.stdout.write)
        self._save("timing", {"requests": requests, "pages": rows, "baseline": time_baseline(requests=requests)})

    def _pdf(self) -> None:
        from bench.pdf_bench import run_pdf_bench, submit_request_bench

        self.stdout.write("==> plan PDF")
        self._save("pdf", {"render": run_pdf_bench(log=self.stdout.write), "request": submit_request_bench()})

    def _audit(self) -> None:
        from bench.audit_bench import run_audit_bench

        self.stdout.write("==> audit verify")
        self._save("audit", run_audit_bench(log=self.stdout.write))

    def _http(self, chosen) -> None:
        from bench.server import running_server

        redis_url = os.environ.get("REDIS_URL_BENCH", "redis://127.0.0.1:6379/7")
        database_url = os.environ["DATABASE_URL"]
        measured = self._measured()
        with running_server(database_url, redis_url, log=self.stdout.write) as server:
            if "http" in chosen:
                from bench.http_load import run_load

                self.stdout.write("==> HTTP load")
                self._save("http", {"server": server, **run_load(measured, log=self.stdout.write)})
            if "spike" in chosen:
                from bench.spike import run_spike

                self.stdout.write("==> deadline spike")
                self._save("spike", {"server": server, **run_spike(log=self.stdout.write)})
