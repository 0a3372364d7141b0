"""``manage.py bench_seed --scale S``: a realistic data set on PostgreSQL, in bulk.

S=1: the 12 leagues/cities × 5 yearly calls with plans in every state (120 enterprises and the 23-row
target table each, 3 expert reviews per reviewed plan), 100,000 subsidy applications in every state across
100 counties, 200 experts, and the audit events all of it implies (over 1,000,000), chained and hashed
exactly as ``audit.services.record_event`` does. S=0.01 is the small set for tests.

Reference data (the 12 leagues/cities, the Department's users, the demo experts and policies) comes from
the demo loaders; volumes are bulk-inserted (``plans``, ``subsidies``, COPY for the audit log); the few
hundred call-level steps after the completeness check run through the real services (``review``)."""

import random
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from .audit_writer import AuditWriter

MARKER = "（基准测试数据）"


@dataclass(frozen=True)
class Scale:
    factor: float
    leagues: int = 12
    calls: int = 5
    enterprises_per_plan: int = 120
    counties: int = 100
    applications: int = 100_000
    enterprises: int = 10_000
    experts: int = 200

    @classmethod
    def of(cls, factor: float) -> "Scale":
        """The sizes of issue 7 times ``factor``: counts of things that exist once per league/city, call
        or indicator stay; volumes scale (with floors that keep every state and role present)."""
        return cls(
            factor=factor,
            enterprises_per_plan=max(2, round(120 * factor)),
            counties=max(12, round(100 * factor)),
            applications=max(240, round(100_000 * factor)),
            enterprises=max(24, round(10_000 * factor)),
            experts=max(12, round(200 * factor)),
        )


def scale_note(scale: Scale) -> str:
    return f"（基准测试数据 S={scale.factor}）"


def seeded_scale() -> float | None:
    """The scale of the bench data set in this database (None: there is none)."""
    import re

    from pilots.models import PilotCall

    call = PilotCall.objects.filter(title__contains=MARKER).order_by("pk").first()
    if call is None:
        return None
    found = re.search(r"基准测试数据 S=([0-9.]+)", call.guide_text)
    return float(found.group(1)) if found else -1.0


@contextmanager
def quiet_side_effects():
    """While seeding: PDFs are queued, not rendered (no worker listens to the in-memory broker; pages
    render without them), and mails go nowhere."""
    from config.celery import app

    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, broker


def seed(scale: Scale, *, seed_value: int = 7, log=print) -> dict:
    """Load the data set into an empty, migrated database. Returns what was made, with timings."""
    from accounts.demo import load_demo_accounts
    from audit.models import AuditEvent
    from evaluation.demo import load_demo_experts
    from pilots.models import PilotCall

    from . import people as people_module
    from . import plans, review, subsidies

    if PilotCall.objects.filter(title__contains=MARKER).exists():
        raise RuntimeError("this database holds a bench data set already: seed an empty, migrated database")
    rng = random.Random(seed_value)
    from django.db import connection

    with connection.cursor() as cursor:  # a crash loses the last commits, never consistency: fine for a seed
        cursor.execute("SET synchronous_commit TO off")
    writer = AuditWriter()
    timings = {}
    started = time.monotonic()

    def step(name):
        timings[name] = round(time.monotonic() - started - sum(timings.values()), 2)
        log(f"  {name}: {timings[name]} s")

    today = timezone.localdate()
    years = list(range(today.year - scale.calls + 1, today.year + 1))
    with quiet_side_effects():
        with transaction.atomic():
            load_demo_accounts()
            load_demo_experts()
            people = people_module.seed_people(scale=scale, rng=rng)
            writer.refresh_organisations()
        step("people")
        from accounts.models import Region

        leagues = list(Region.objects.filter(pk__in=[league.pk for league in people.leagues[: scale.leagues]]))
        leagues.sort(key=lambda region: region.code)
        with transaction.atomic():
            calls = plans.bench_calls(
                years=years[-scale.calls :], officer=people.users["dept"], writer=writer, note=scale_note(scale)
            )
            made_plans = plans.bench_plans(
                calls=calls,
                leagues=leagues,
                people=people,
                enterprises_per_plan=scale.enterprises_per_plan,
                writer=writer,
                rng=rng,
            )
        step("plans")
        with transaction.atomic():
            review.seed_review(calls, people.users, writer)
        step("review")
        with transaction.atomic():
            rounds = subsidies.bench_rounds(years=years, people=people, officer=people.users["dept"], writer=writer)
            seeder = subsidies.SubsidySeeder(
                rounds=rounds, people=people, applications=scale.applications, writer=writer, rng=rng
            )
            applications = seeder.run()
        step("applications")
        with transaction.atomic():
            subsidies.login_events(seeder, writer)
        step("logins")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    step("analyze")
    return {
        "scale": asdict(scale),
        "plans": len(made_plans),
        "applications": applications,
        "audit_events": AuditEvent.objects.count(),
        "audit_events_bulk": writer.written,
        "seconds": round(time.monotonic() - started, 1),
        "timings": timings,
    }
