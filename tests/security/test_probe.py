"""The suite can fail: each check of probe.py reports what it is there to catch, on a case made to fail it."""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse

from .world import marker


def broken_view(request):
    raise RuntimeError("boom")


def leaky_view(request):
    from pilots.models import PilotPlan

    return HttpResponse(" ".join(PilotPlan.objects.values_list("title", flat=True)))


urlpatterns = [path("broken/", broken_view), path("leaky/", leaky_view)]


@pytest.mark.django_db
def test_a_page_showing_a_foreign_plan_is_a_leak(world, prober):
    with override_settings(ROOT_URLCONF=__name__):
        _status, problems = prober.request(world.principals["enterprise"], "GET", "/leaky/", route_label="leaky")
    foreign = world.samples["plan"][0]
    assert any(marker("plan", foreign.pk) in problem for problem in problems), problems


@pytest.mark.django_db
def test_a_view_that_raises_is_a_failure(world, prober):
    with override_settings(ROOT_URLCONF=__name__):
        status, problems = prober.request(world.principals["auditor"], "GET", "/broken/", route_label="broken")
    assert status == 500
    assert problems and "RuntimeError" in problems[0]


@pytest.mark.django_db
def test_a_write_where_none_may_happen_is_a_failure(world, prober):
    own = world.samples["plan"][0]  # 包头's draft: its bureau may edit it
    data = {"title": "改过的标题", **{name: "内容" for name in own.SECTION_FIELDS}}
    url = reverse("pilots:sections_edit", args=[own.pk])
    principal = world.principals["applicant"]
    status, problems = prober.request(principal, "POST", url, data, route_label="pilots:sections_edit")
    assert status == 302 and not problems, problems  # allowed: its own plan
    status, problems = prober.request(
        principal, "POST", url, data, route_label="pilots:sections_edit", must_not_write=True
    )
    assert any("changed data it must not change" in problem for problem in problems), problems


@pytest.mark.django_db
def test_an_anonymous_200_outside_the_public_pages_is_a_failure(world, prober):
    anonymous = world.principals["anonymous"]
    _status, problems = prober.request(anonymous, "GET", "/notices/", route_label="pilots:index")
    assert problems == ["anonymous visitor got a 200 from a page that is not public"]
    _status, problems = prober.request(anonymous, "GET", "/notices/", route_label="public_notices:notice_list")
    assert problems == []


@pytest.mark.django_db
def test_a_file_of_an_object_one_may_not_see_is_a_leak_whatever_it_holds(world, prober):
    plan = world.samples["plan"][0]
    url = reverse("pilots:enterprises_template", args=[plan.pk])
    principal = world.principals["department_officer"]
    _status, problems = prober.request(principal, "GET", url, route_label="x", anchor_visible=False)
    assert any("file of an object" in problem for problem in problems), problems
