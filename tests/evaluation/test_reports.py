"""The bureau's reports after approval (evaluation.services.reports and their pages): filling cell by cell
with a message per bad cell and nothing valid lost, submitting once against the version in force, the
officer's accept / return of self-assessments, the hand-over of evaluation and rectification reports to
rating, the yearly schedule made by the approval, and who may see what."""

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from evaluation.models import ActualValue, Evaluation, FundSpending, Report
from evaluation.selectors import inbox_items
from evaluation.services import report_schedule
from evaluation.services import reports as services
from evaluation.services.reports import actual_field, fund_field
from pilots.models import PilotCall, PlanVersion
from pilots.selectors import version_in_force
from pilots.services import approvals
from tests.factories import ExpertFactory, make_user
from tests.pilots.factories import PilotCallFactory, stamped_pdf_upload
from tests.pilots.test_selection import officer

from .report_factories import (
    at_target,
    bureau,
    evaluation_with_report,
    fill,
    first_self_assessment,
    monitored_plan,
    submitted_self_assessment,
    targets,
)

TODAY = timezone.localdate


@pytest.fixture
def plan(db):
    return monitored_plan()


@pytest.fixture
def report(plan):
    return first_self_assessment(plan)


def _save(report, *, actuals=None, narrative=None, fund_spending=None, actor=None):
    return services.report_save(
        actor=actor or bureau(report.plan),
        report=report,
        actuals=actuals or {},
        narrative=narrative,
        fund_spending=fund_spending or {},
    )


def _actual(report, indicator) -> Decimal | None:
    row = ActualValue.objects.filter(report=report, indicator_id=indicator).first()
    return row.actual if row else None


# --- the yearly schedule ----------------------------------------------------------------------------------


def test_the_approval_schedules_one_self_assessment_per_pilot_year(plan):
    issued_on = plan.approval.issued_on
    reports = list(Report.objects.filter(plan=plan).order_by("year"))
    assert [(r.kind, r.year, r.status) for r in reports] == [
        ("self_assessment", 1, "open"),
        ("self_assessment", 2, "open"),
    ]
    # period 24 months, 30 days after each pilot year
    assert [r.due_on for r in reports] == [
        issued_on.replace(year=issued_on.year + 1) + timedelta(days=30),
        issued_on.replace(year=issued_on.year + 2) + timedelta(days=30),
    ]
    event = AuditEvent.objects.get(action="plan.self_assessments_schedule", target_id=str(plan.pk))
    assert [year for year, _due in event.changes["self_assessments"]] == [1, 2]


def test_a_longer_period_and_other_grace_days_give_more_reports_due_later(db):
    call = PilotCallFactory()
    PilotCall.objects.filter(pk=call.pk).update(period_months=30, self_assessment_due_days=45)
    call.refresh_from_db()
    plan = monitored_plan(call=call)
    issued_on = plan.approval.issued_on
    due = list(Report.objects.filter(plan=plan).order_by("year").values_list("year", "due_on"))
    assert due == [(k, issued_on.replace(year=issued_on.year + k) + timedelta(days=45)) for k in (1, 2, 3)]


def test_due_dates_of_an_approval_on_29_february():
    assert report_schedule.self_assessment_due_dates(issued_on=date(2024, 2, 29), period_months=24, due_days=30) == [
        (1, date(2025, 3, 30)),
        (2, date(2026, 3, 30)),
    ]
    assert report_schedule.self_assessment_due_dates(issued_on=date(2025, 3, 10), period_months=12, due_days=30) == [
        (1, date(2026, 4, 9))
    ]
    assert [report_schedule.pilot_years(months) for months in (1, 12, 13, 24, 30, 36)] == [1, 1, 2, 2, 3, 3]


def test_ensure_schedules_plans_approved_before_and_is_idempotent(plan):
    Report.objects.filter(plan=plan, year=2).delete()  # as if approved before the schedule existed (in part)
    assert report_schedule.self_assessments_ensure() == 1
    assert report_schedule.self_assessments_ensure() == 0
    assert sorted(Report.objects.filter(plan=plan).values_list("year", flat=True)) == [1, 2]


# --- saving -----------------------------------------------------------------------------------------------


def test_a_half_filled_save_keeps_every_valid_cell_and_names_each_bad_one(plan, report):
    rows = targets(plan)
    count = next(r for r in rows if r["kind"] == "count")
    percent = next(r for r in rows if r["kind"] == "percent")
    other_count = [r for r in rows if r["kind"] == "count"][1]
    with pytest.raises(ValidationError) as error:
        _save(
            report,
            actuals={count["indicator_id"]: "12", percent["indicator_id"]: "100.5", other_count["indicator_id"]: "1.5"},
            narrative="  上半年进展顺利。 ",
            fund_spending={"retrofit": {"enterprise": "1,000.50", "matching": "-3", "other": "1.001"}},
        )
    assert error.value.message_dict == {
        actual_field(percent["indicator_id"]): ["百分比须在0到100之间"],
        actual_field(other_count["indicator_id"]): [f"{other_count['unit']}数须为整数"],
        fund_field("retrofit", "matching"): ["金额不能为负数"],
        fund_field("retrofit", "other"): ["金额最多保留两位小数（精确到分）"],
    }
    # the valid part was kept (and committed before the error was raised)
    report.refresh_from_db()
    assert report.narrative == "上半年进展顺利。"
    assert _actual(report, count["indicator_id"]) == Decimal("12.0")
    assert _actual(report, percent["indicator_id"]) is None
    spending = FundSpending.objects.get(report=report, direction="retrofit")
    assert (spending.enterprise, spending.matching, spending.other) == (Decimal("1000.50"), 0, 0)
    assert AuditEvent.objects.filter(action="report.save", target_id=str(report.pk)).count() == 1


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("count", "abc", "“abc”不是数字"),
        ("count", "-1", "数量不能为负数"),
        ("count", "1e12", "数值过大"),
        ("percent", "-0.1", "百分比须在0到100之间"),
        ("percent", "80.55", "百分比最多保留一位小数"),
    ],
)
def test_each_bad_actual_gets_its_message(plan, report, kind, raw, message):
    row = next(r for r in targets(plan) if r["kind"] == kind)
    with pytest.raises(ValidationError) as error:
        _save(report, actuals={row["indicator_id"]: raw})
    assert error.value.message_dict == {actual_field(row["indicator_id"]): [message]}


@pytest.mark.parametrize(
    ("raw", "message"), [("一百", "“一百”不是金额"), ("NaN", "“NaN”不是金额"), ("1e14", "金额过大")]
)
def test_each_bad_amount_gets_its_message(report, raw, message):
    with pytest.raises(ValidationError) as error:
        _save(report, fund_spending={"platform": {"provider_discount": raw}})
    assert error.value.message_dict == {fund_field("platform", "provider_discount"): [message]}


def test_an_empty_actual_clears_it_and_an_unchanged_save_writes_no_event(plan, report):
    first = targets(plan)[0]["indicator_id"]
    _save(report, actuals={first: "7"})
    _save(report, actuals={first: "7"})
    assert AuditEvent.objects.filter(action="report.save", target_id=str(report.pk)).count() == 1
    _save(report, actuals={first: ""})
    assert _actual(report, first) is None


def test_only_the_regions_bureau_fills_the_report(plan, report):
    other_region = monitored_plan()
    for actor in (bureau(other_region), officer(), make_user(Role.AUDITOR)):
        with pytest.raises(PermissionDenied):
            _save(report, actuals=at_target(plan), actor=actor)
    assert not ActualValue.objects.filter(report=report).exists()


# --- submitting -------------------------------------------------------------------------------------------


def test_submit_needs_every_actual_and_a_narrative(plan, report):
    rows = targets(plan)
    _save(report, actuals={row["indicator_id"]: row["target"] for row in rows[2:]})
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=bureau(plan), report=report)
    assert error.value.messages == [
        f"以下指标的实际值未填写：{rows[0]['name']}、{rows[1]['name']}。",
        "请填写情况说明。",
    ]
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN and report.version is None


def test_submit_records_the_version_in_force_and_happens_once(plan, report):
    fill(report)
    submitted = services.report_submit(actor=bureau(plan), report=report)
    assert submitted.status == Report.Status.SUBMITTED
    assert submitted.version == version_in_force(plan)
    assert submitted.submitted_by == bureau(plan) and submitted.submitted_at is not None
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=bureau(plan), report=report)
    assert error.value.messages == ["该报告已经提交，不能重复提交。"]
    # and it cannot be changed any more
    with pytest.raises(ValidationError) as error:
        _save(report, narrative="改一下")
    assert error.value.messages[0].startswith("该报告当前状态为“已提交，待审核”，不能修改")
    # a later plan change makes a new version in force, the submitted report keeps its own
    PlanVersion.objects.create(plan=plan, number=2, snapshot=submitted.version.snapshot, created_by=bureau(plan))
    submitted.refresh_from_db()
    assert submitted.version.number == 1


def test_another_region_cannot_submit(plan, report):
    fill(report)
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=bureau(monitored_plan()), report=report)


def test_submitting_an_evaluation_report_hands_the_evaluation_to_rating(plan):
    report = evaluation_with_report(plan)
    fill(report)
    services.report_submit(actor=bureau(plan), report=report)
    report.evaluation.refresh_from_db()
    assert report.evaluation.status == Evaluation.Status.RATING
    assert AuditEvent.objects.filter(action="evaluation.report_submitted", target_id=str(report.evaluation_id)).exists()


def test_submitting_a_rectification_report_hands_the_evaluation_back_to_rating(plan):
    report = evaluation_with_report(plan, status=Evaluation.Status.RECTIFYING)
    assert report.kind == Report.Kind.RECTIFICATION
    fill(report)
    services.report_submit(actor=bureau(plan), report=report)
    report.evaluation.refresh_from_db()
    assert report.evaluation.status == Evaluation.Status.RATING


def test_an_evaluation_not_waiting_for_the_report_refuses_it(plan):
    report = evaluation_with_report(plan)
    Evaluation.objects.filter(pk=report.evaluation_id).update(status=Evaluation.Status.DECIDING)
    fill(report)
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=bureau(plan), report=report)
    assert error.value.messages == ["中期绩效评价当前状态为“待领导确认评价结论”，不能提交该报告。"]
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN


def test_the_report_of_a_midterm_evaluation_is_compared_with_the_midterm_targets(plan):
    from evaluation.selectors.reports import report_rows, report_version

    report = evaluation_with_report(plan)
    row = next(r for r in targets(plan) if r["kind"] == "count" and r["baseline"] != r["midterm_target"])
    fill(report, actuals={**at_target(plan), row["indicator_id"]: row["midterm_target"]})
    (item,) = [
        r["item"]
        for r in report_rows(report, report_version(report))
        if r["item"]["indicator_id"] == row["indicator_id"]
    ]
    assert (item["met"], item["completion"]) == (True, Decimal("100.0"))
    # the same value in a self-assessment is compared with the (final) target
    assessment = first_self_assessment(plan)
    fill(assessment, actuals={**at_target(plan), row["indicator_id"]: row["midterm_target"]})
    (item,) = [
        r["item"]
        for r in report_rows(assessment, report_version(assessment))
        if r["item"]["indicator_id"] == row["indicator_id"]
    ]
    assert item["met"] is False and item["completion"] < 100


# --- the officer's decision -------------------------------------------------------------------------------


def test_return_needs_reasons_and_the_returned_report_is_editable_with_its_content(db):
    report = submitted_self_assessment()
    the_officer = officer()
    with pytest.raises(ValidationError) as error:
        services.report_return(actor=the_officer, report=report, reasons="  ")
    assert error.value.message_dict == {"reasons": ["退回时请写明原因。"]}
    services.report_return(actor=the_officer, report=report, reasons="资金使用情况与台账不一致。")
    report.refresh_from_db()
    assert report.status == Report.Status.RETURNED and report.is_editable
    assert report.return_reasons == "资金使用情况与台账不一致。"
    assert report.narrative == "全年完成改造任务。"
    assert ActualValue.objects.filter(report=report, actual__isnull=False).count() == len(targets(report.plan))
    # the bureau corrects and submits again; the officer accepts
    _save(report, fund_spending={"retrofit": {"enterprise": "900000.00"}})
    services.report_submit(actor=bureau(report.plan), report=report)
    services.report_accept(actor=the_officer, report=report)
    report.refresh_from_db()
    assert (report.status, report.decided_by) == (Report.Status.ACCEPTED, the_officer)
    with pytest.raises(ValidationError) as error:
        services.report_accept(actor=the_officer, report=report)
    assert error.value.messages == ["该报告当前状态为“已审核通过”，不能审核（可能已被处理，请刷新页面）。"]
    actions = list(
        AuditEvent.objects.filter(target_id=str(report.pk), target_type="evaluation.report").values_list(
            "action", flat=True
        )
    )
    assert actions.count("report.submit") == 2 and "report.return" in actions and "report.accept" in actions


def test_only_the_officer_decides_and_only_on_self_assessments(plan):
    report = submitted_self_assessment(plan)
    for actor in (bureau(plan), make_user(Role.DEPARTMENT_LEADER), make_user(Role.AUDITOR)):
        with pytest.raises(PermissionDenied):
            services.report_accept(actor=actor, report=report)
    evaluation_report = evaluation_with_report(plan)
    fill(evaluation_report)
    services.report_submit(actor=bureau(plan), report=evaluation_report)
    with pytest.raises(ValidationError) as error:
        services.report_accept(actor=officer(), report=evaluation_report)
    assert error.value.messages == ["评价报告和整改报告在绩效评价中评定，不在此审核。"]


def test_an_open_report_cannot_be_decided(report):
    with pytest.raises(ValidationError):
        services.report_return(actor=officer(), report=report, reasons="未提交")


# --- evidence ---------------------------------------------------------------------------------------------


def test_evidence_is_checked_by_content_and_readable_only_by_those_who_see_the_plan(plan, report):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError):
        services.report_add_evidence(
            actor=bureau(plan), report=report, uploaded=SimpleUploadedFile("假.pdf", b"not a pdf", "application/pdf")
        )
    document = services.report_add_evidence(actor=bureau(plan), report=report, uploaded=stamped_pdf_upload("台账.pdf"))
    assert list(report.evidence.all()) == [document]
    url = reverse("documents:download", args=[document.pk])
    client = Client()
    for user, status in (
        (bureau(plan), 200),
        (make_user(Role.AUDITOR), 200),
        (bureau(monitored_plan()), 404),
        (ExpertFactory(), 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    services.report_remove_evidence(actor=bureau(plan), report=report, document=document)
    assert not report.evidence.exists()


# --- pages ------------------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_bureau_fills_the_form_and_sees_the_completion_after_saving(plan, report):
    rows = targets(plan)
    count = next(r for r in rows if r["kind"] == "count" and r["baseline"] != r["target"])
    percent = next(r for r in rows if r["kind"] == "percent")
    client = _client(bureau(plan))
    url = reverse("evaluation:report_edit", args=[report.pk])
    page = client.get(url).content.decode()
    assert f'name="{actual_field(count["indicator_id"])}"' in page
    assert f'name="{fund_field("retrofit", "enterprise")}"' in page
    assert "12,345,678.90" in page  # the planned amount beside the input
    data = {
        actual_field(count["indicator_id"]): count["target"],
        actual_field(percent["indicator_id"]): "100.5",
        "narrative": "推进顺利",
        fund_field("retrofit", "enterprise"): "abc",
    }
    answer = client.post(url, data)
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "百分比须在0到100之间" in page and "“abc”不是金额" in page
    assert 'value="100.5"' in page and 'value="abc"' in page  # what was typed is still there
    assert "已保存可识别的数值；有2处需要修改" in page
    assert _actual(report, count["indicator_id"]) == Decimal(count["target"])
    data[actual_field(percent["indicator_id"])] = "62.0"  # (62.0 − 45.5) / (80.5 − 45.5) = 47.1 %
    data[fund_field("retrofit", "enterprise")] = "1000"
    answer = client.post(url, data)
    assert answer.status_code == 302
    page = client.get(url).content.decode()
    assert f'data-testid="completion-{count["indicator_id"]}">100.0%' in page
    assert f'data-testid="completion-{percent["indicator_id"]}">47.1%' in page


def test_submitting_from_the_page_asks_for_confirmation(plan, report):
    client = _client(bureau(plan))
    url = reverse("evaluation:report_submit", args=[report.pk])
    page = client.get(url).content.decode()
    assert "请填写情况说明。" in page and 'data-testid="confirm-submit"' not in page
    fill(report)
    page = client.get(url).content.decode()
    assert 'data-testid="confirm-submit"' in page
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN  # looking at the confirmation submits nothing
    assert client.post(url).status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    # a second post (a double click): the report is no longer editable, so the page is gone
    assert client.post(url).status_code == 404


def test_the_officer_accepts_and_returns_from_the_queue(plan):
    report = submitted_self_assessment(plan)
    client = _client(officer())
    page = client.get(reverse("evaluation:report_queue")).content.decode()
    assert reverse("evaluation:report_accept", args=[report.pk]) in page
    answer = client.post(reverse("evaluation:report_return", args=[report.pk]), {"reasons": ""})
    assert "退回时请写明原因。" in answer.content.decode()
    answer = client.post(reverse("evaluation:report_return", args=[report.pk]), {"reasons": "请补充佐证材料。"})
    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.RETURNED
    page = _client(bureau(plan)).get(reverse("evaluation:report_detail", args=[report.pk])).content.decode()
    assert "请补充佐证材料。" in page and 'data-testid="edit-report"' in page
    services.report_submit(actor=bureau(plan), report=report)
    assert client.get(reverse("evaluation:report_accept", args=[report.pk])).status_code == 200
    assert client.post(reverse("evaluation:report_accept", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED
    assert client.get(reverse("evaluation:report_accept", args=[report.pk])).status_code == 404


def test_who_sees_a_report(plan, report):
    detail = reverse("evaluation:report_detail", args=[report.pk])
    edit = reverse("evaluation:report_edit", args=[report.pk])
    other = monitored_plan()
    cases = [
        (bureau(plan), 200, 200),
        (make_user(Role.AUDITOR), 200, 404),
        (officer(), 200, 404),
        (make_user(Role.FINANCE_DEPARTMENT), 200, 404),
        (bureau(other), 404, 404),
        (ExpertFactory(), 404, 404),
    ]
    for user, read, write in cases:
        client = _client(user)
        assert client.get(detail).status_code == read, user
        assert client.get(edit).status_code == write, user
        if write == 404:
            assert client.post(edit, {"narrative": "x"}).status_code == 404, user
    report.refresh_from_db()
    assert report.narrative == ""
    # the auditor's read-only page offers no editing
    page = _client(make_user(Role.AUDITOR)).get(detail).content.decode()
    assert 'data-testid="edit-report"' not in page and 'data-testid="go-accept"' not in page
    # the queue is the officer's only
    assert _client(bureau(plan)).get(reverse("evaluation:report_queue")).status_code == 404
    assert _client(make_user(Role.AUDITOR)).get(reverse("evaluation:report_queue")).status_code == 404


def test_the_bureau_lists_only_its_own_regions_reports(plan, report):
    other = monitored_plan()
    page = _client(bureau(plan)).get(reverse("evaluation:report_list")).content.decode()
    assert page.count('data-testid="report-row"') == 2
    assert plan.title in page and other.title not in page
    page = _client(make_user(Role.AUDITOR)).get(reverse("evaluation:report_list")).content.decode()
    assert page.count('data-testid="report-row"') == 4
    # the evaluation app's index takes a bureau to its reports
    answer = _client(bureau(plan)).get(reverse("evaluation:index"))
    assert answer.status_code == 302 and answer.url == reverse("evaluation:report_list")


def test_the_overdue_flag_on_the_list_and_the_page(plan, report):
    Report.objects.filter(pk=report.pk).update(due_on=TODAY() - timedelta(days=1))
    client = _client(bureau(plan))
    page = client.get(reverse("evaluation:report_list")).content.decode()
    assert page.count('data-testid="overdue"') == 1
    assert 'data-testid="overdue"' in client.get(reverse("evaluation:report_detail", args=[report.pk])).content.decode()
    fill(report)
    services.report_submit(actor=bureau(plan), report=report)
    assert 'data-testid="overdue"' not in client.get(reverse("evaluation:report_list")).content.decode()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DEPARTMENT_OFFICER])
def test_the_lists_cost_the_same_queries_for_few_reports_or_many(db, role):
    call = PilotCallFactory()
    monitored_plan(call=call)
    user = make_user(role)
    client = _client(user)
    urls = [reverse("evaluation:report_list")]
    if role == Role.DEPARTMENT_OFFICER:
        urls.append(reverse("evaluation:report_queue"))
        submitted_self_assessment(Report.objects.first().plan)
    for url in urls:
        client.get(url)  # warm the session and the role cache

    def count(url) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        return len(queries), page.content.decode().count('data-testid="report-row"')

    small = [count(url) for url in urls]
    for _ in range(3):
        other = monitored_plan(call=call)
        if role == Role.DEPARTMENT_OFFICER:
            submitted_self_assessment(other)
    large = [count(url) for url in urls]
    for (small_queries, small_rows), (large_queries, large_rows) in zip(small, large, strict=True):
        assert large_rows > small_rows
        assert small_queries == large_queries


def test_the_report_page_costs_the_same_queries_with_more_evidence(plan, report):
    fill(report)
    client = _client(bureau(plan))
    url = reverse("evaluation:report_detail", args=[report.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.report_add_evidence(actor=bureau(plan), report=report, uploaded=stamped_pdf_upload("一.pdf"))
    small = count()
    for number in range(3):
        services.report_add_evidence(actor=bureau(plan), report=report, uploaded=stamped_pdf_upload(f"{number}.pdf"))
    assert count() == small


# --- the inbox --------------------------------------------------------------------------------------------


def test_the_inbox_shows_reports_due_soon_or_overdue_and_submitted_self_assessments(plan, report):
    the_bureau = bureau(plan)
    assert inbox_items(the_bureau) == []  # due in a year: not yet
    Report.objects.filter(pk=report.pk).update(due_on=TODAY() + timedelta(days=30))
    (item,) = inbox_items(the_bureau)
    assert item.title == "填报年度绩效自评"
    assert item.url == reverse("evaluation:report_detail", args=[report.pk])
    Report.objects.filter(pk=report.pk).update(due_on=TODAY() - timedelta(days=3))
    (item,) = inbox_items(the_bureau)
    assert "已逾期" in item.subject
    assert inbox_items(bureau(monitored_plan())) == []
    the_officer = officer()
    assert inbox_items(the_officer) == []
    fill(report)
    services.report_submit(actor=the_bureau, report=report)
    assert inbox_items(the_bureau) == []
    (item,) = inbox_items(the_officer)
    assert item.title == "审核年度绩效自评"


# --- concurrency (PostgreSQL, one connection per thread) ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_make_one(monkeypatch):
    assert connection.vendor == "postgresql"
    monkeypatch.setattr(approvals, "render_approval_pdf_now", lambda approval_id: None)
    plan = monitored_plan()
    report = fill(first_self_assessment(plan))
    real = services.submit_problems

    def slow(report, version):  # inside the lock: the other submission surely waits for it
        time.sleep(0.3)
        return real(report, version)

    monkeypatch.setattr(services, "submit_problems", slow)
    users = bureau(plan), bureau(plan)
    start = threading.Barrier(2)
    results: list = [None, None]

    def run(index):
        try:
            start.wait(timeout=30)
            results[index] = services.report_submit(actor=users[index], report=Report.objects.get(pk=report.pk))
        except BaseException as error:  # handed back to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    submitted = [r for r in results if isinstance(r, Report)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert (len(submitted), len(refusals)) == (1, 1), results
    assert refusals[0].messages == ["该报告已经提交，不能重复提交。"]
    assert AuditEvent.objects.filter(action="report.submit", target_id=str(report.pk)).count() == 1
