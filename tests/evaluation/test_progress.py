"""The pilot's progress (evaluation.selectors.progress) and its page: the target table of the version in force
beside every counted actual, latest actual, completion and met; the phase, next step, overdue items and
money at a glance; who may see it; fixed queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from evaluation.models import Evaluation, Report
from evaluation.selectors.progress import call_pilots_overview, pilot_page, pilot_progress
from pilots.models import Clawback, PilotPlan
from tests.factories import make_user
from tests.pilots.factories import applicant_of, cosigner_of, make_applicant
from tests.pilots.test_payments import instalment, pay
from tests.pilots.test_selection import leader, officer, plan_with_version

from .progress_factories import evaluation_of, evaluation_report, pilot, rate, self_assessment

BIG = "规上制造业企业"  # 3 → 7 → 12 (key)
SMALL = "规下制造业企业"  # 5 → 9 → 14 (key)
CLOUD = "企业上云率"  # 45.5 → 62.0 → 80.5 % (key)
SATISFACTION = "试点企业总体满意度"  # 45.5 → 62.0 → 80.5 % (not key)


def row(progress, name):
    return next(r for r in progress.rows if r.name == name)


def values(row_):
    return [cell.value for cell in row_.cells]


@pytest.fixture
def reported(db):
    """A pilot with: year 1 accepted; year 2 submitted; a mid-term evaluation whose rectification report
    (round 2) replaced the evaluation report; a returned year-3 report that does not count."""
    plan = pilot()
    self_assessment(plan, 1, {BIG: 8, SMALL: 14, CLOUD: "50.5"})
    self_assessment(plan, 2, {BIG: 11, SMALL: None, CLOUD: "81.0"}, status=Report.Status.SUBMITTED)
    self_assessment(plan, 3, {BIG: 99}, status=Report.Status.RETURNED)
    midterm = evaluation_of(plan, "midterm", status=Evaluation.Status.RECTIFYING, round=2)
    evaluation_report(midterm, {BIG: 9, SMALL: 12}, status=Report.Status.ACCEPTED)
    evaluation_report(midterm, {BIG: 10}, kind=Report.Kind.RECTIFICATION)
    rate(midterm, BIG, met=True, round=1)
    rate(midterm, SMALL, met=True, round=1, computed_met=True)
    rate(midterm, BIG, met=False, round=2, comment="整改后仍低于中期目标。")
    return plan


# --- the table ------------------------------------------------------------------------------------------


def test_rows_follow_the_attachment_2_order_with_merged_groups_and_key_flags(reported):
    progress = pilot_progress(reported)
    assert len(progress.rows) == 23
    assert [r.name for r in progress.rows[:2]] == [BIG, SMALL]
    first = progress.rows[0]
    assert (first.level1, first.level2, first.level1_rowspan, first.level2_rowspan) == ("关键指标", "企业集聚", 16, 5)
    assert progress.rows[1].level1_rowspan == progress.rows[1].level2_rowspan == 0
    assert [g.level2 for g in progress.groups][:3] == ["企业集聚", "平台建设", "标杆树立"]
    assert len(progress.groups) == 10
    assert sum(r.is_key for r in progress.rows) == 16
    assert not row(progress, SATISFACTION).is_key
    assert (first.baseline, first.midterm_target, first.target) == (Decimal(3), Decimal(7), Decimal(12))


def test_columns_are_the_pilot_years_and_the_evaluations_in_time_order(reported):
    progress = pilot_progress(reported)
    assert [c.key for c in progress.columns] == ["year1", "midterm", "year2", "final"]
    assert [c.label for c in progress.columns] == ["第1年度自评", "中期评价", "第2年度自评", "期后评价"]
    year1, midterm, year2, final = progress.columns
    assert (year1.report.status, year1.state_label) == ("accepted", "已审核")
    assert (year2.report.status, year2.state_label) == ("submitted", "待审核")
    assert (midterm.report.kind, midterm.round) == ("rectification", 2)
    assert (final.report, final.state_label) == (None, "未报送")


def test_each_column_shows_its_report_and_the_latest_round_of_an_evaluation(reported):
    progress = pilot_progress(reported)
    # year 1 = 8, mid-term = 10 (rectification report, not the evaluation report's 9), year 2 = 11; the
    # returned year-3 report's 99 does not count.
    assert values(row(progress, BIG)) == [Decimal(8), Decimal(10), Decimal(11), None]
    assert values(row(progress, SMALL)) == [Decimal(14), None, None, None]
    assert [cell.display for cell in row(progress, CLOUD).cells] == ["50.5", "—", "81.0", "—"]
    assert 3 not in [c.report.year for c in progress.columns if c.report and c.report.year]


def test_latest_actual_completion_and_met_against_the_target(reported):
    progress = pilot_progress(reported)
    big = row(progress, BIG)
    assert (big.latest, big.latest_column.key) == (Decimal(11), "year2")
    assert big.completion == Decimal("88.9")  # (11 − 3) / (12 − 3)
    assert (big.met, big.completion_display, big.latest_display) == (False, "88.9%", "11")
    small = row(progress, SMALL)  # year 2 left it empty: the latest value is year 1's
    assert (small.latest, small.latest_column.key, small.completion, small.met) == (
        Decimal(14),
        "year1",
        Decimal("100.0"),
        True,
    )
    cloud = row(progress, CLOUD)
    assert (cloud.completion, cloud.met) == (Decimal("101.4"), True)  # (81 − 45.5) / (80.5 − 45.5)
    unreported = row(progress, SATISFACTION)
    assert (unreported.latest, unreported.completion, unreported.met, unreported.completion_display) == (
        None,
        None,
        None,
        "—",
    )


def test_key_summary_counts_met_key_indicators_and_averages_completion_capped_at_100(reported):
    key = pilot_progress(reported).key
    # Reported key indicators: BIG 88.9, SMALL 100.0, CLOUD 101.4 → counted 100.0.
    assert (key.total, key.met, key.reported) == (16, 2, 3)
    assert key.completion == Decimal("96.3")  # (88.9 + 100 + 100) / 3


def test_evaluation_cells_carry_the_rating_of_the_round_they_show(reported):
    progress = pilot_progress(reported)
    midterm_cell = row(progress, BIG).cells[1]
    assert (midterm_cell.rating.round, midterm_cell.rating.met) == (2, False)
    # SMALL was rated in round 1 only; the column shows round 2 (rectification), where it was not rated.
    assert row(progress, SMALL).cells[1].rating is None


def test_a_pilot_without_reports_has_the_planned_columns_and_no_actuals(db):
    plan = pilot()
    progress = pilot_progress(plan)
    assert [c.key for c in progress.columns] == ["year1", "midterm", "year2", "final"]
    assert all(r.latest is None for r in progress.rows)
    assert (progress.key.met, progress.key.reported, progress.key.completion) == (0, 0, None)


def test_a_report_beyond_the_period_adds_its_year(db):
    plan = pilot()
    self_assessment(plan, 3, {BIG: 12})
    progress = pilot_progress(plan)
    assert [c.key for c in progress.columns] == ["year1", "midterm", "year2", "final", "year3"]
    assert row(progress, BIG).met is True


def test_pilot_progress_costs_four_queries_whatever_the_reports(db):
    plan = PilotPlan.objects.select_related("call").get(pk=pilot().pk)  # as get_pilot_for_user_or_404 loads it
    self_assessment(plan, 1, {BIG: 8})
    with CaptureQueriesContext(connection) as small:
        pilot_progress(plan)
    self_assessment(plan, 2, {BIG: 9, SMALL: 10, CLOUD: 70})
    midterm = evaluation_of(plan, "midterm", status=Evaluation.Status.RECTIFYING, round=2)
    evaluation_report(midterm, {BIG: 9, SMALL: 10})
    evaluation_report(midterm, {BIG: 10}, kind=Report.Kind.RECTIFICATION)
    for name in (BIG, SMALL, CLOUD):
        rate(midterm, name, met=False)
    with CaptureQueriesContext(connection) as large:
        pilot_progress(plan)
    assert len(small) == len(large) == 4


def test_pilot_page_costs_eight_queries(reported):
    plan = PilotPlan.objects.select_related("call", "region", "applicant", "approval").get(pk=reported.pk)
    user = officer()
    with CaptureQueriesContext(connection) as queries:
        pilot_page(plan, viewer=user)
    # reports, evaluations, version, actual values, ratings, money, instalments, clawbacks (the viewer's
    # roles are read once, for the ratings).
    assert len(queries) == 8 + 1, [q["sql"] for q in queries.captured_queries]


# --- the page -------------------------------------------------------------------------------------------


def page_of(user, plan):
    client = Client()
    client.force_login(user)
    return client.get(reverse("evaluation:pilot_detail", args=[plan.pk]))


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR]
)
def test_the_province_wide_readers_see_the_pilot_page(db, role):
    plan = pilot()
    response = page_of(make_user(role), plan)
    assert response.status_code == 200
    assert plan.title in response.content.decode()


def test_the_pilots_own_bureaus_see_it_and_another_region_or_the_review_agency_do_not(db):
    plan = pilot()
    assert page_of(applicant_of(plan), plan).status_code == 200
    assert page_of(cosigner_of(plan), plan).status_code == 200
    assert page_of(make_applicant(), plan).status_code == 404
    assert page_of(make_user(Role.AGENCY_COORDINATOR), plan).status_code == 404
    assert page_of(make_user(Role.EXPERT), plan).status_code == 404
    # A role without the evaluation area at all is refused by the shell before the page's own check.
    assert page_of(make_user(Role.ENTERPRISE), plan).status_code in (403, 404)


def test_a_plan_not_yet_approved_has_no_pilot_page(db):
    from tests.pilots.factories import PilotCallFactory

    plan = plan_with_version(PilotCallFactory())
    assert plan.status != PilotPlan.Status.APPROVED
    assert page_of(officer(), plan).status_code == 404
    assert page_of(applicant_of(plan), plan).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(db):
    plan = pilot()
    response = Client().get(reverse("evaluation:pilot_detail", args=[plan.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_page_shows_phase_next_step_overdue_items_and_money(db):
    plan = pilot(amount="1000000.00")
    pay(instalment(plan))  # 40 % = 400,000.00
    Clawback.objects.create(
        plan=plan,
        amount=Decimal("150000.00"),
        reason="整改后仍未达标。",
        decided_by=leader(),
        decided_at=timezone.now(),
    )
    self_assessment(plan, 1, {BIG: 8}, status=Report.Status.OPEN, due_on=timezone.localdate() - timedelta(days=3))
    response = page_of(officer(), plan)
    html = response.content.decode()
    assert 'data-testid="phase">实施中<' in html
    due = (timezone.localdate() - timedelta(days=3)).isoformat()
    assert f"盟市工信局提交第1年度绩效自评（期限 {due}）。" in html
    page = response.context["page"]
    assert [r.year for r in page.overdue] == [1]
    assert (page.money.approved, page.money.paid, page.money.clawed_back, page.money.to_pay) == (
        Decimal("1000000.00"),
        Decimal("400000.00"),
        Decimal("150000.00"),
        Decimal("600000.00"),
    )
    assert 'data-money="paid">400,000.00<' in html
    assert 'data-money="clawed_back" class="zg-bad">150,000.00<' in html
    assert "已逾期" in html


def test_the_page_shows_the_table_and_a_chart_per_group(reported):
    html = page_of(officer(), reported).content.decode()
    assert html.count('data-testid="progress-table"') == 1
    assert html.count("<svg") == 10
    assert 'data-group="企业集聚"' in html
    assert "第1年度自评" in html and "88.9%" in html
    assert 'data-testid="version-link"' in html


def test_the_phase_of_an_evaluation_gives_its_next_step(db):
    plan = pilot()
    PilotPlan.objects.filter(pk=plan.pk).update(phase=PilotPlan.Phase.MIDTERM_RECTIFYING)
    evaluation_of(
        plan,
        "midterm",
        status=Evaluation.Status.RECTIFYING,
        rectification_deadline=timezone.localdate() + timedelta(days=60),
        rectification_items="补齐数字车间建设。",
    )
    html = page_of(officer(), plan).content.decode()
    deadline = (timezone.localdate() + timedelta(days=60)).isoformat()
    assert "中期评价未达标，限期整改中" in html
    assert f"盟市工信局限期整改并提交整改报告（整改期限 {deadline}）。" in html


def test_the_region_sees_ratings_only_once_the_round_is_decided(db):
    plan = pilot()
    midterm = evaluation_of(plan, "midterm", status=Evaluation.Status.RATING)
    evaluation_report(midterm, {BIG: 9})
    rate(midterm, BIG, met=True)
    bureau = applicant_of(plan)
    assert page_of(officer(), plan).context["progress"].rows[0].cells[1].rating is not None
    assert page_of(bureau, plan).context["progress"].rows[0].cells[1].rating is None
    Evaluation.objects.filter(pk=midterm.pk).update(status=Evaluation.Status.MET, outcome="met")
    assert page_of(bureau, plan).context["progress"].rows[0].cells[1].rating.met is True


def test_the_plan_page_links_to_the_pilot_page_once_approved(db):
    plan = pilot()
    client = Client()
    client.force_login(applicant_of(plan))
    html = client.get(reverse("pilots:plan_detail", args=[plan.pk])).content.decode()
    assert reverse("evaluation:pilot_detail", args=[plan.pk]) in html
    draft = plan_with_version(plan.call)
    client.force_login(applicant_of(draft))
    html = client.get(reverse("pilots:plan_detail", args=[draft.pk])).content.decode()
    assert reverse("evaluation:pilot_detail", args=[draft.pk]) not in html


def test_the_page_costs_the_same_queries_with_more_reports_and_evaluations(db):
    plan = pilot()
    user = officer()
    client = Client()
    client.force_login(user)
    url = reverse("evaluation:pilot_detail", args=[plan.pk])
    client.get(url)  # warm the session and the user's caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    self_assessment(plan, 1, {BIG: 8})
    self_assessment(plan, 2, {BIG: 9, SMALL: 10}, status=Report.Status.OPEN, due_on=timezone.localdate())
    pay(instalment(plan))
    for stage in ("midterm", "final"):
        evaluation = evaluation_of(plan, stage, status=Evaluation.Status.NOT_MET)
        evaluation_report(evaluation, {BIG: 9, CLOUD: 60})
        rate(evaluation, BIG, met=False)
    Clawback.objects.create(
        plan=plan, amount=Decimal("1.00"), reason="测试", decided_by=leader(), decided_at=timezone.now()
    )
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large), [q["sql"] for q in large.captured_queries]


def test_the_overview_selector_uses_the_version_in_force(reported):
    (line,) = call_pilots_overview(reported.call)
    assert (line.key.met, line.key.total, line.key.completion) == (2, 16, Decimal("96.3"))
    assert line.latest_label == "第2年度自评"
