"""The deadline spike, over HTTP against gunicorn: a subsidy round and a pilot call closing in a couple of
minutes, 500 draft applications (of 500 enterprises) and 12 co-signed plans (one per league/city) ready;
in the last minute before the deadline every submission is fired at once — plus a double click on 50 of
the applications and on every plan — and, once the deadline has passed, 20 more applications and the 12
plans of a second call with the same deadline. Then the database says: each on-time submission accepted
exactly once (one status change, one audit event, one plan version), nothing after the deadline."""

import contextlib
import random
import statistics
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, Region
from applications.models import InvestmentItem, SubsidyApplication, SubsidyRound
from applications.services.cases import project_key
from audit.models import AuditEvent
from pilots.models import PilotCall, PilotPlan, PlanVersion, ScoreCriterion, TargetTemplate
from pilots.services.calls import DEFAULT_CRITERIA

from .seed import people as people_module
from .seed.audit_writer import AuditWriter
from .seed.plans import bench_plans
from .seed.subsidies import _quotes
from .server import BASE, CSRF, session_cookies, users_by_name
from .timing import percentile

ON_TIME, LATE, DOUBLE_CLICKS = 500, 20, 50


def _call(title: str, deadline) -> PilotCall:
    call = PilotCall.objects.create(
        year=deadline.year,
        title=title,
        deadline=deadline,
        target_template=TargetTemplate.objects.order_by("created_at").first(),
        status=PilotCall.Status.OPEN,
    )
    ScoreCriterion.objects.bulk_create(
        ScoreCriterion(call=call, order=n, code=code, name=name, max_points=points)
        for n, (code, name, points) in enumerate(DEFAULT_CRITERIA, start=1)
    )
    return call


@transaction.atomic
def prepare(deadline, *, log=print) -> dict:
    rng = random.Random(11)
    leagues = list(Region.objects.filter(level=Region.Level.LEAGUE_CITY).order_by("code"))[:12]
    users = users_by_name(people_module.DEMO_USERNAMES)
    people = people_module.People(province=None, leagues=leagues, counties=[], users=users)
    stamp = timezone.localtime(deadline).strftime("%Y%m%d%H%M%S")
    calls = [_call(f"截止前集中提交测试{stamp}-{letter}（基准测试）", deadline) for letter in "AB"]
    writer = AuditWriter()
    writer.refresh_organisations()
    plans = bench_plans(
        calls=calls,
        leagues=leagues,
        people=people,
        enterprises_per_plan=120,
        writer=writer,
        rng=rng,
        state=PilotPlan.Status.COSIGNED,
    )
    policy_round = SubsidyRound.objects.filter(status=SubsidyRound.Status.OPEN).order_by("-year").first()
    subsidy_round = SubsidyRound.objects.create(
        policy=policy_round.policy,
        year=deadline.year,
        title=f"截止前集中提交测试{stamp}（基准测试）",
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=deadline,
        status=SubsidyRound.Status.OPEN,
    )
    subsidy_round.regions.set(leagues)
    quote = _quotes(policy_round.policy, timezone.localdate())["smart_retrofit"][0]
    enterprises = list(
        Organisation.objects.filter(kind="enterprise", memberships__isnull=False)
        .select_related("region")
        .order_by("pk")[: ON_TIME + LATE]
    )
    owners = {
        m.organisation_id: m.user
        for m in Membership.objects.filter(organisation__in=enterprises).select_related("user")
    }
    apps = SubsidyApplication.objects.bulk_create(
        SubsidyApplication(
            round=subsidy_round,
            enterprise=enterprise,
            project_name=f"截止前提交项目{n:04d}",
            project_key=project_key(f"截止前提交项目{n:04d}-{stamp}"),
            category_code="smart_retrofit",
            period_from=timezone.localdate() - timedelta(days=200),
            period_to=timezone.localdate(),
            county=enterprise.region,
            facts=quote.facts,
            quote_amount=quote.amount,
            quote_eligible=True,
            quote_reasons=quote.reasons,
            created_by=owners[enterprise.pk],
        )
        for n, enterprise in enumerate(enterprises)
    )
    InvestmentItem.objects.bulk_create(
        InvestmentItem(
            application=app,
            kind="equipment",
            description="数控设备",
            amount=quote.facts.get("investment", "20500000"),
            invoice_number=f"SPIKE{stamp}-{app.pk}",
        )
        for app in apps
    )
    log(f"  prepared {len(apps)} drafts and {len(plans)} co-signed plans, deadline {deadline:%H:%M:%S}")
    return {"apps": apps, "plans": plans, "calls": calls, "round": subsidy_round, "owners": owners}


def _post(path: str, cookies: dict) -> tuple[float, int | str]:
    request = urllib.request.Request(  # noqa: S310 (http on the loopback)
        BASE + path,
        data=b"",
        method="POST",
        headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "X-CSRFToken": CSRF,
            "Referer": BASE + "/",
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        status = type(error).__name__
    return (time.perf_counter() - started) * 1000, status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


urllib.request.install_opener(urllib.request.build_opener(NoRedirect))


def fire(requests: list[tuple[str, dict]], *, threads: int = 64) -> list[tuple[float, int | str]]:
    """All at once: each thread waits at the barrier, then posts."""
    barrier = threading.Barrier(min(threads, len(requests)))

    def one(item):
        path, cookies = item
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=0.5)
        return _post(path, cookies)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, requests))


def run_spike(*, lead_seconds: int = 150, log=print) -> dict:
    deadline = timezone.now() + timedelta(seconds=lead_seconds)
    prepared = prepare(deadline, log=log)
    apps, plans = prepared["apps"], prepared["plans"]
    on_time_apps, late_apps = apps[:ON_TIME], apps[ON_TIME:]
    call_a, call_b = prepared["calls"]
    on_time_plans = [p for p in plans if p.call_id == call_a.pk]
    late_plans = [p for p in plans if p.call_id == call_b.pk]
    users = users_by_name(
        {f"bureau_{p.region.code}" for p in plans} | {u.username for u in prepared["owners"].values()}
    )
    cookies = session_cookies(users.values())

    def app_request(app):
        return (f"/applications/list/{app.pk}/submit/", cookies[app.created_by_id])

    def plan_request(plan):
        return (f"/workflows/plans/{plan.pk}/submit/", cookies[users[f"bureau_{plan.region.code}"].pk])

    batch = [app_request(a) for a in on_time_apps] + [app_request(a) for a in on_time_apps[:DOUBLE_CLICKS]]
    batch += [plan_request(p) for p in on_time_plans] * 2
    random.Random(3).shuffle(batch)
    wait = (deadline - timedelta(seconds=55) - timezone.now()).total_seconds()
    if wait > 0:
        log(f"  waiting {wait:.0f} s for the last minute")
        time.sleep(wait)
    fired_at = timezone.now()
    results = fire(batch)
    done_at = timezone.now()
    log(
        f"  fired {len(batch)} requests at T-{(deadline - fired_at).total_seconds():.0f} s, "
        f"all answered by T-{(deadline - done_at).total_seconds():.0f} s"
    )
    late_wait = (deadline - timezone.now()).total_seconds() + 1
    if late_wait > 0:
        time.sleep(late_wait)
    late_results = fire([app_request(a) for a in late_apps] + [plan_request(p) for p in late_plans])

    times = [ms for ms, _ in results]
    statuses = {}
    for _, status in results + late_results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    submitted = SubsidyApplication.objects.filter(pk__in=[a.pk for a in on_time_apps], status="submitted")
    events = AuditEvent.objects.filter(
        action="subsidy_application.submit", target_id__in=[str(a.pk) for a in apps]
    ).values_list("target_id", flat=True)
    per_app = {}
    for target in events:
        per_app[target] = per_app.get(target, 0) + 1
    plan_versions = {p.pk: PlanVersion.objects.filter(plan=p).count() for p in plans}
    plan_status = dict(PilotPlan.objects.filter(pk__in=[p.pk for p in plans]).values_list("pk", "status"))
    late_accepted = SubsidyApplication.objects.filter(pk__in=[a.pk for a in late_apps]).exclude(status="draft").count()
    late_accepted += sum(1 for p in late_plans if plan_status[p.pk] != "cosigned")
    after_deadline = submitted.filter(submitted_at__gte=deadline).count()
    return {
        "requests_on_time": len(batch),
        "subsidy_submissions": len(on_time_apps),
        "plan_submissions": len(on_time_plans),
        "double_clicks": DOUBLE_CLICKS + len(on_time_plans),
        "fired_seconds_before_deadline": round((deadline - fired_at).total_seconds(), 1),
        "answered_seconds_before_deadline": round((deadline - done_at).total_seconds(), 1),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(max(times), 1),
        "http_statuses": statuses,
        "applications_submitted": submitted.count(),
        "applications_submitted_once": sum(1 for a in on_time_apps if per_app.get(str(a.pk)) == 1),
        "plans_submitted": sum(1 for p in on_time_plans if plan_status[p.pk] == "submitted"),
        "plans_with_one_version": sum(1 for p in on_time_plans if plan_versions[p.pk] == 1),
        "accepted_after_deadline": after_deadline + late_accepted,
        "late_attempts": len(late_results),
        "ok": submitted.count() == len(on_time_apps)
        and all(per_app.get(str(a.pk)) == 1 for a in on_time_apps)
        and all(plan_status[p.pk] == "submitted" and plan_versions[p.pk] == 1 for p in on_time_plans)
        and after_deadline + late_accepted == 0,
    }
