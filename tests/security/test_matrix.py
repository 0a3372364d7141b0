"""The permission matrix: every URL pattern of the project (read from the resolver) × every demo role and an
anonymous visitor × objects of the principal's own and of other organisations and regions (and one that does
not exist) × GET, an empty POST and a POST of junk. What each request is checked for is in probe.py; who may
see what in world.py; which objects fill which URL in routes.py."""

import pytest

from . import report
from .routes import all_routes, samples_for, unknown_parameters

ROUTES = all_routes()

# What a careless or hostile client posts: field names the project's forms use, with values that break naive
# code (a NUL byte PostgreSQL refuses in text, numbers out of range, markup, path traversal, a huge string).
JUNK = {
    "decision": "approve'; DROP TABLE pilots_pilotplan;--",
    "comment": "<script>alert(1)</script>",
    "reasons": "\x00",
    "amount": "1e309",
    "approved_amount": "-0.001",
    "recommended_amount": "９９９９９９９９９９９９９９９９９９",
    "year": "99999999999999999999",
    "pk": "-1",
    "id": "../../../../etc/passwd",
    "expert": "1 OR 1=1",
    "plan": "[]",
    "confirmed": "maybe",
    "paid_on": "2024-02-30",
    "deadline": "31/12/2024 25:61",
    "title": "x" * 5000,
    "selected_plan_ids": ["a", "-5", "99999999999999999999"],
    "file": "not-a-file",
    "category": "%00",
    "status": "approved",
    "next": "https://evil.example/",
}
METHODS = (("GET", None), ("POST", {}), ("POST", JUNK))
# Objects a principal may see are requested too: their pages must work and show nothing of anyone else's,
# and their forms are what test_fuzz_forms and test_uploads attack. Every one of them is read (GET); only the
# first (its own, where it has one) is also posted to: the attacks are the objects it may not see, and every
# one of those gets all three requests.
POSTED_VISIBLE_SAMPLES = 1


def requests_for(world, samples, principal):
    """(sample, method, data) for one principal."""
    visible = [s for s in samples if s.obj is not None and s.visible(world, principal)]
    posted = [s for s in samples if s not in visible] + visible[:POSTED_VISIBLE_SAMPLES]
    for sample in samples:
        for method, data in METHODS:
            if method == "GET" or sample in posted:
                yield sample, method, data


def test_every_url_parameter_is_known():
    """A new page whose URL has a parameter this suite cannot fill fails here, named, until routes.py knows it."""
    assert not unknown_parameters(ROUTES), "\n".join(unknown_parameters(ROUTES))


def test_every_demo_role_is_a_principal(world):
    from accounts.roles import Role

    assert set(Role.values) <= set(world.principals)


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[route.test_id for route in ROUTES])
def test_url(route, world, prober):
    names = [parameter.name for parameter in route.parameters]
    samples = samples_for(world, route)
    if not samples:
        pytest.fail(f"{route.label}: a parameter routes.py does not know")
    failures = []
    for role, principal in world.principals.items():
        for sample, method, data in requests_for(world, samples, principal):
            url = route.url(dict(zip(names, sample.values, strict=True)))
            visible = sample.visible(world, principal)
            status, problems = prober.request(
                principal, method, url, data, route_label=route.label, anchor_visible=visible
            )
            report.counts["matrix_cases"] += 1
            report.counts["matrix_foreign"] += sample.obj is not None and not visible
            report.roles.add(role)
            report.urls.add(route.template)
            report.objects.add(sample.description)
            for problem in problems:
                failures.append(f"{role} {method} {url} [{sample.description}] → {status}: {problem}")
    report.counts["matrix_failures"] += len(failures)
    assert not failures, f"{route.label} ({route.view}):\n" + "\n".join(failures)
