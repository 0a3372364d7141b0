"""The plan PDF: a frozen version with 120 enterprises and the full 23-row target table.

- cold: the first render in a fresh process (WeasyPrint imported, fonts loaded), three processes;
- warm: five more renders in each of those processes;
- peak memory: the process's peak resident size (ru_maxrss) less its size before the first render;
- baseline: a bare WeasyPrint render (``HTML(string=…).write_pdf()``) of the same HTML, warm;
- the web request: the bureau's "submit" (which freezes the version and queues its PDF) timed through the
  test client with a broker configured (the production setup), the PDF checked not to exist yet when the
  response is back; then rolled back."""

import json
import resource
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, os, sys, time
import django
django.setup()
from django.template.loader import render_to_string
from pilots.models import PlanVersion
from pilots.pdf import plan_pdf_context
from documents.pdf import render_pdf

def status(field):  # kB, from /proc (ru_maxrss would carry the parent's peak over the exec)
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

version = PlanVersion.objects.get(pk=int(sys.argv[1]))
context = plan_pdf_context(version)
before = status("VmRSS")
started = time.perf_counter(); data = render_pdf("pdf/plan.html", context); cold = time.perf_counter() - started
warm = []
for _ in range(5):
    started = time.perf_counter(); render_pdf("pdf/plan.html", context); warm.append(time.perf_counter() - started)
peak = status("VmHWM")
from weasyprint import HTML
html = render_to_string("pdf/plan.html", context)
bare = []
for _ in range(5):
    started = time.perf_counter()
    HTML(string=html, base_url=".").write_pdf()
    bare.append(time.perf_counter() - started)
from pypdf import PdfReader
import io
pages = len(PdfReader(io.BytesIO(data)).pages)
print(json.dumps({"cold_s": cold, "warm_s": warm, "bare_s": bare, "peak_mb": (peak - before) / 1024,
                  "rss_mb": peak / 1024, "pages": pages, "bytes": len(data)}))
"""


def biggest_version():
    from django.db.models import Count

    from pilots.models import PlanVersion

    return (
        PlanVersion.objects.annotate(enterprises=Count("plan__enterprises"))
        .order_by("-enterprises", "-pk")
        .select_related("plan")
        .first()
    )


def run_pdf_bench(*, processes: int = 3, log=print) -> dict:
    version = biggest_version()
    snapshot = version.snapshot
    runs = []
    for number in range(processes):
        output = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", CHILD, str(version.pk)], capture_output=True, text=True, check=True
        ).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
        warm_median = statistics.median(runs[-1]["warm_s"])
        log(f"  process {number + 1}: cold {runs[-1]['cold_s']:.2f} s, warm {warm_median:.2f} s")
    warm = [value for run in runs for value in run["warm_s"]]
    bare = [value for run in runs for value in run["bare_s"]]
    return {
        "version": version.pk,
        "plan": version.plan.title,
        "enterprises": len(snapshot["enterprises"]),
        "targets": len(snapshot["targets"]),
        "pages": runs[0]["pages"],
        "bytes": runs[0]["bytes"],
        "cold_median_s": round(statistics.median(run["cold_s"] for run in runs), 2),
        "warm_median_s": round(statistics.median(warm), 2),
        "bare_weasyprint_median_s": round(statistics.median(bare), 2),
        "peak_memory_mb": round(max(run["peak_mb"] for run in runs), 1),
        "process_peak_rss_mb": round(max(run["rss_mb"] for run in runs), 1),
        "processes": processes,
        "goal_warm_s": 1.5,
    }


def submit_request_bench(*, requests: int = 5) -> dict:
    """The submit request with a broker (Celery not eager): what the bureau waits for, and that the PDF
    is not rendered by then. Each try in a transaction rolled back afterwards, on-commit work captured and
    timed as part of the request (in production it runs at the commit, inside the request)."""
    from django.db import transaction
    from django.test import Client, TestCase
    from django.urls import reverse

    from config.celery import app
    from pilots.models import PilotPlan, PlanVersion
    from workflows.models import PilotPlanProcess

    from .seed import quiet_side_effects

    plan = (
        PilotPlan.objects.filter(status=PilotPlan.Status.COSIGNED, call__status="open")
        .filter(pk__in=PilotPlanProcess.objects.values("plan_id"))
        .select_related("region")
        .first()
    )
    if plan is None:
        return {"skipped": "no co-signed plan in an open call"}
    from django.contrib.auth import get_user_model

    bureau = get_user_model().objects.get(username=f"bureau_{plan.region.code}")
    client = Client()
    client.force_login(bureau)
    times, pdf_ready = [], []
    with quiet_side_effects():
        assert not app.conf.task_always_eager
        for _ in range(requests):
            sid = transaction.savepoint() if transaction.get_connection().in_atomic_block else None
            with transaction.atomic():
                started = time.perf_counter()
                with TestCase.captureOnCommitCallbacks(execute=True):
                    response = client.post(reverse("workflows:plan_submit", kwargs={"plan_pk": plan.pk}))
                times.append((time.perf_counter() - started) * 1000)
                version = PlanVersion.objects.filter(plan=plan).order_by("-number").first()
                pdf_ready.append(version is not None and version.pdf_id is not None)
                assert response.status_code == 302, response.status_code
                transaction.set_rollback(True)
            if sid:
                transaction.savepoint_rollback(sid)
    return {
        "plan": plan.title,
        "requests": requests,
        "submit_median_ms": round(statistics.median(times), 1),
        "submit_max_ms": round(max(times), 1),
        "pdf_rendered_before_response": any(pdf_ready),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
