"""Mid-term and final evaluations (evaluation.services.evaluations): opening, rating against the targets of the
report's version, the rule, the leader's four-eyes decision, rectification (round 2), the instalment released by
a met mid-term evaluation; the pages, the inbox and who may see what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from evaluation.models import Evaluation, IndicatorRating, Report
from evaluation.selectors import inbox_items
from evaluation.selectors.evaluations import evaluation_page
from evaluation.services.evaluations import (
    RatingInput,
    evaluation_open,
    evaluation_propose,
    evaluation_rate,
    rectification_require,
)
from pilots.models import Instalment, PilotCall, PilotPlan
from tests.factories import make_user
from tests.pilots.factories import PilotCallFactory, applicant_of, make_applicant
from tests.pilots.test_selection import leader, officer

from .factories import (
    decide,
    evaluated,
    evaluation_pilot,
    freeze_targets,
    indicator_ids,
    open_evaluation,
    propose,
    rate_as_computed,
    rectify,
    submit_report,
)

pytestmark = pytest.mark.django_db
Status = Evaluation.Status
Phase = PilotPlan.Phase
TODAY = timezone.localdate
# Indicator orders of the 附2 table: 1–16 are key indicators, 17–23 are not (22 and 23 are percentages).
NON_KEY = (17, 18, 19, 20, 21, 22, 23)


def phase(plan) -> str:
    plan.refresh_from_db()
    return plan.phase


def instalment_status(plan, stage) -> str:
    return Instalment.objects.get(plan=plan, stage=stage).status


# --- opening ---------------------------------------------------------------------------------------------------


def test_the_officer_opens_the_midterm_evaluation_with_the_report_and_the_rule_of_the_call():
    plan = evaluation_pilot()
    PilotCall.objects.filter(pk=plan.call_id).update(evaluation_min_met_share=Decimal("75.50"))
    plan.refresh_from_db()
    evaluation = open_evaluation(plan, "midterm")
    assert (evaluation.stage, evaluation.status, evaluation.round) == ("midterm", Status.REPORTING, 1)
    assert (evaluation.rule_all_key_met, evaluation.rule_min_met_share) == (True, Decimal("75.50"))
    report = Report.objects.get(evaluation=evaluation)
    assert (report.kind, report.status, report.due_on) == (
        Report.Kind.EVALUATION,
        Report.Status.OPEN,
        evaluation.report_due_on,
    )
    assert report.version.number == 2
    assert phase(plan) == Phase.MIDTERM
    event = AuditEvent.objects.get(action="evaluation.open", target_id=str(plan.pk))
    assert event.changes["phase"] == ["implementing", "midterm"]
    # a later change of the call does not change the rule of an evaluation already open
    PilotCall.objects.filter(pk=plan.call_id).update(evaluation_min_met_share=Decimal("90"))
    evaluation.refresh_from_db()
    assert evaluation.rule_min_met_share == Decimal("75.50")


def test_opening_in_the_wrong_state_is_refused_with_a_message():
    plan = evaluation_pilot()
    with pytest.raises(ValidationError) as error:
        open_evaluation(plan, "final")
    assert error.value.messages == ["中期绩效评价达标后才能开展期后绩效评价。"]
    open_evaluation(plan, "midterm")
    with pytest.raises(ValidationError) as error:
        open_evaluation(plan, "midterm")
    assert error.value.messages == ["该试点已经开展过中期绩效评价，不能重复开展。"]
    with pytest.raises(ValidationError) as error:
        open_evaluation(plan, "final")
    assert error.value.messages == ["试点当前阶段为“中期评价中”，不能开展期后绩效评价。"]
    with pytest.raises(ValidationError) as error:
        evaluation_open(actor=officer(), plan=evaluation_pilot(), stage="midterm", report_due_on=TODAY())
    assert error.value.messages == ["报告提交期限应晚于今天。"]
    assert Evaluation.objects.count() == 1


def test_only_the_officer_opens_an_evaluation():
    plan = evaluation_pilot()
    for role in (Role.DEPARTMENT_LEADER, Role.AUDITOR, Role.FINANCE_DEPARTMENT, Role.APPLICANT):
        with pytest.raises(PermissionDenied):
            open_evaluation(plan, actor=make_user(role))
    assert not Evaluation.objects.exists()


# --- rating ---------------------------------------------------------------------------------------------------


def test_ratings_start_from_the_computed_result_and_an_override_needs_a_comment():
    plan = evaluation_pilot()
    evaluation = open_evaluation(plan)
    with pytest.raises(ValidationError) as error:
        rate_as_computed(evaluation)
    assert error.value.messages == [
        "该评价当前状态为“待试点地区填报”，不能执行此操作（可能已被他人处理，请刷新页面）。"
    ]
    submit_report(evaluation, {17: "14", 18: "15"})  # mid-term target 15: 14 is short, 15 exactly at target
    ids = indicator_ids(plan)
    rows = {row.target.indicator_id: row for row in evaluation_page(evaluation).rows}
    assert (rows[ids[17]].computed_met, rows[ids[18]].computed_met) == (False, True)
    assert rows[ids[17]].target.target == Decimal(15)  # the mid-term target, not the final one

    with pytest.raises(ValidationError) as error:
        evaluation_rate(actor=officer(), evaluation=evaluation, ratings=[RatingInput(ids[17], met=True)])
    assert error.value.messages == ["“改造规上企业数量”评定为达标，与按实际值计算的结果（未达标）不同，请填写说明。"]
    assert not IndicatorRating.objects.exists()

    evaluation_rate(
        actor=officer(),
        evaluation=evaluation,
        ratings=[
            RatingInput(ids[17], met=True, comment="另有1家企业已完成改造，佐证材料已核实。"),
            RatingInput(ids[18], met=True),
        ],
    )
    saved = {r.indicator_id: r for r in IndicatorRating.objects.filter(evaluation=evaluation)}
    assert (saved[ids[17]].met, saved[ids[17]].computed_met, saved[ids[17]].round) == (True, False, 1)
    assert (saved[ids[18]].met, saved[ids[18]].computed_met) == (True, True)
    event = AuditEvent.objects.filter(action="evaluation.rate").latest("seq")
    assert event.changes["改造规上企业数量"]["comment"] == "另有1家企业已完成改造，佐证材料已核实。"


def test_an_indicator_outside_the_version_is_refused():
    plan = evaluation_pilot()
    evaluation = open_evaluation(plan)
    submit_report(evaluation)
    with pytest.raises(ValidationError) as error:
        evaluation_rate(actor=officer(), evaluation=evaluation, ratings=[RatingInput(indicator_id=999999, met=True)])
    assert error.value.messages == ["指标（编号999999）不在本次评价对照的目标表中。"]


def test_target_equal_to_baseline_is_met_when_the_level_is_kept():
    plan = evaluation_pilot(targets={19: ("5", "5", "5"), 20: ("5", "5", "5")})
    evaluation = open_evaluation(plan)
    submit_report(evaluation, {19: "5", 20: "4"})
    ids = indicator_ids(plan)
    rows = {row.target.indicator_id: row for row in evaluation_page(evaluation).rows}
    assert (rows[ids[19]].computed_met, rows[ids[19]].completion) == (True, Decimal("100.0"))
    assert (rows[ids[20]].computed_met, rows[ids[20]].completion) == (False, Decimal("0.0"))


def test_percentages_exactly_at_target_are_met():
    plan = evaluation_pilot(targets={22: ("45.5", "80.5", "90.0"), 23: ("45.5", "80.5", "90.0")})
    evaluation = open_evaluation(plan)
    submit_report(evaluation, {22: "80.5", 23: "80.4"})
    ids = indicator_ids(plan)
    rows = {row.target.indicator_id: row for row in evaluation_page(evaluation).rows}
    assert (rows[ids[22]].computed_met, rows[ids[23]].computed_met) == (True, False)


# --- proposing by the rule ---------------------------------------------------------------------------------------


def test_proposing_needs_every_indicator_rated_and_an_opinion():
    plan = evaluation_pilot()
    evaluation = open_evaluation(plan)
    submit_report(evaluation)
    ids = indicator_ids(plan)
    evaluation_rate(actor=officer(), evaluation=evaluation, ratings=[RatingInput(ids[1], met=True)])
    with pytest.raises(ValidationError) as error:
        propose(evaluation)
    assert error.value.messages[0].startswith("还有22项指标未评定：规下制造业企业、")
    with pytest.raises(ValidationError) as error:
        evaluation_propose(actor=officer(), evaluation=evaluation, opinion="  ")
    assert error.value.messages == ["请填写评价意见。"]
    rate_as_computed(evaluation)
    evaluation = propose(evaluation)
    assert (evaluation.status, evaluation.proposed_outcome) == (Status.DECIDING, "met")


@pytest.mark.parametrize(
    ("actuals", "outcome"),
    [
        ({}, "met"),  # every indicator exactly at its mid-term target
        ({17: "1", 18: "1", 19: "1", 20: "1"}, "met"),  # 19/23 = 82.6 %
        ({17: "1", 18: "1", 19: "1", 20: "1", 21: "1"}, "not_met"),  # 18/23 = 78.3 %
        ({1: "14"}, "not_met"),  # one key indicator short, 22/23 met
    ],
)
def test_the_outcome_follows_the_rule(actuals, outcome):
    evaluation = evaluated(evaluation_pilot(), "midterm", actuals, confirm=None)
    assert evaluation.proposed_outcome == outcome


def test_the_share_of_the_call_is_inclusive():
    # 18/23 = 78.2608… %: met against 78.26 %, not against 78.27 %
    for share, outcome in (("78.26", "met"), ("78.27", "not_met")):
        call = PilotCallFactory(evaluation_min_met_share=Decimal(share))
        evaluation = evaluated(
            evaluation_pilot(call=call), "midterm", dict.fromkeys((17, 18, 19, 20, 21), "1"), confirm=None
        )
        assert evaluation.proposed_outcome == outcome, share


# --- the leader's decision ---------------------------------------------------------------------------------------


def test_the_proposer_cannot_decide_and_the_leader_may_send_it_back():
    plan = evaluation_pilot()
    both = make_user(Role.DEPARTMENT_OFFICER)
    both.groups.add(*make_user(Role.DEPARTMENT_LEADER).groups.all())
    evaluation = open_evaluation(plan, actor=both)
    submit_report(evaluation)
    rate_as_computed(evaluation, actor=both)
    evaluation = propose(evaluation, actor=both)
    with pytest.raises(ValidationError) as error:
        decide(evaluation, actor=both)
    assert error.value.messages == ["评价结论由您提出，须由另一位领导确认。"]
    with pytest.raises(PermissionDenied):
        decide(evaluation, actor=officer())
    with pytest.raises(ValidationError) as error:
        decide(evaluation, confirm=False, comment=" ")
    assert error.value.messages == ["退回时请写明意见。"]

    evaluation = decide(evaluation, confirm=False, comment="请核实数字车间的佐证材料。")
    assert (evaluation.status, evaluation.leader_comment) == (Status.RATING, "请核实数字车间的佐证材料。")
    assert phase(plan) == Phase.MIDTERM
    with pytest.raises(ValidationError) as error:
        decide(evaluation)
    assert "不能执行此操作" in error.value.messages[0]
    evaluation = propose(evaluation, actor=both)
    assert evaluation.status == Status.DECIDING


def test_a_met_midterm_evaluation_releases_the_second_instalment_once(django_capture_on_commit_callbacks):
    plan = evaluation_pilot()
    assert instalment_status(plan, "midterm") == Instalment.Status.SCHEDULED
    evaluation = evaluated(plan, "midterm", confirm=None)
    the_leader = leader()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        evaluation = decide(evaluation, actor=the_leader, comment="同意。")
    assert (evaluation.status, evaluation.outcome, evaluation.decided_by) == (Status.MET, "met", the_leader)
    assert phase(plan) == Phase.IMPLEMENTING
    assert instalment_status(plan, "midterm") == Instalment.Status.DUE
    assert instalment_status(plan, "acceptance") == Instalment.Status.SCHEDULED
    assert AuditEvent.objects.filter(action="plan.instalment_due", target_id=str(plan.pk)).count() == 1
    from evaluation import tasks

    assert len(callbacks) == (1 if hasattr(tasks, "render_evaluation_pdf") else 0)


def test_a_met_final_evaluation_waits_for_acceptance():
    plan = evaluation_pilot()
    evaluated(plan, "midterm")
    final = evaluated(plan, "final", {})
    assert final.status == Status.MET
    assert phase(plan) == Phase.AWAITING_ACCEPTANCE
    assert instalment_status(plan, "acceptance") == Instalment.Status.SCHEDULED
    # the final evaluation is measured against the final targets (20), not the mid-term ones (15)
    assert {row.target.target for row in evaluation_page(final).rows if row.target.kind == "count"} == {Decimal(20)}


# --- rectification: round 2 ----------------------------------------------------------------------------------------


def test_not_met_then_rectified_and_met_continues_the_pilot():
    plan = evaluation_pilot()
    evaluation = evaluated(plan, "midterm", {1: "14"})
    assert (evaluation.status, evaluation.outcome) == (Status.RECTIFICATION_SETUP, "")
    assert phase(plan) == Phase.MIDTERM
    assert instalment_status(plan, "midterm") == Instalment.Status.SCHEDULED

    with pytest.raises(ValidationError) as error:
        rectification_require(actor=officer(), evaluation=evaluation, deadline=TODAY() + timedelta(days=30), items=" ")
    assert error.value.messages == ["请写明整改事项。"]
    with pytest.raises(ValidationError) as error:
        rectification_require(actor=officer(), evaluation=evaluation, deadline=TODAY(), items="整改")
    assert error.value.messages == ["整改期限应晚于今天。"]

    first_report = Report.objects.get(evaluation=evaluation, kind=Report.Kind.EVALUATION)
    assert first_report.status == Report.Status.ACCEPTED, "a decided round's report no longer waits for review"
    evaluation = rectify(evaluation, {}, confirm=None)
    report = Report.objects.get(evaluation=evaluation, kind=Report.Kind.RECTIFICATION)
    assert report.due_on == evaluation.rectification_deadline
    assert report.status == Report.Status.SUBMITTED
    assert (evaluation.round, evaluation.status, evaluation.proposed_outcome) == (2, Status.DECIDING, "met")
    # round 1's ratings are kept beside round 2's
    assert IndicatorRating.objects.filter(evaluation=evaluation, round=1, met=False).count() == 1
    assert IndicatorRating.objects.filter(evaluation=evaluation, round=2).count() == 23
    evaluation = decide(evaluation)
    assert (evaluation.status, evaluation.outcome) == (Status.MET, "met")
    assert phase(plan) == Phase.IMPLEMENTING
    assert instalment_status(plan, "midterm") == Instalment.Status.DUE
    assert Report.objects.get(pk=report.pk).status == Report.Status.ACCEPTED


def test_still_not_met_after_rectification_waits_for_the_clawback():
    plan = evaluation_pilot()
    evaluation = evaluated(plan, "midterm", {1: "14"})
    evaluation = rectification_require(
        actor=officer(), evaluation=evaluation, deadline=TODAY() + timedelta(days=60), items="补齐规上企业。"
    )
    assert (evaluation.round, evaluation.status) == (2, Status.RECTIFYING)
    assert phase(plan) == Phase.MIDTERM_RECTIFYING
    submit_report(evaluation, {1: "14"})
    rate_as_computed(evaluation)
    evaluation = decide(propose(evaluation))
    assert (evaluation.status, evaluation.outcome) == (Status.NOT_MET, "not_met")
    assert phase(plan) == Phase.MIDTERM_RECTIFYING  # until the leader decides the clawback
    assert instalment_status(plan, "midterm") == Instalment.Status.SCHEDULED
    items = inbox_items(leader())
    assert [(item.title, item.url) for item in items] == [
        ("决定收回专项资金", reverse("pilots:clawback_decide", args=[plan.pk]))
    ]
    with pytest.raises(ValidationError):
        rectification_require(actor=officer(), evaluation=evaluation, deadline=TODAY() + timedelta(days=9), items="x")


# --- versioning ------------------------------------------------------------------------------------------------------


def test_an_evaluation_after_a_plan_change_uses_the_new_targets():
    plan = evaluation_pilot()  # version 2: mid-term 15, final 20
    midterm = evaluated(plan, "midterm", {17: "15"})
    assert midterm.status == Status.MET
    # an approved change raises the final target of indicator 17 to 30 (version 3)
    freeze_targets(plan, {17: ("10", "15", "30")})
    final = open_evaluation(plan, "final")
    submit_report(final, {17: "25"})
    ids = indicator_ids(plan)
    rows = {row.target.indicator_id: row for row in evaluation_page(final).rows}
    assert Report.objects.get(evaluation=final).version.number == 3
    assert (rows[ids[17]].target.target, rows[ids[17]].computed_met) == (Decimal(30), False)
    # the mid-term evaluation keeps the version it was rated against
    midterm_rows = {row.target.indicator_id: row for row in evaluation_page(midterm).rows}
    assert Report.objects.get(evaluation=midterm).version.number == 2
    assert midterm_rows[ids[17]].target.target == Decimal(15)


def test_a_change_between_opening_and_reporting_counts():
    plan = evaluation_pilot()
    evaluation = open_evaluation(plan, "midterm")
    freeze_targets(plan, {18: ("10", "40", "50")})  # version 3, approved while the bureau prepares its report
    submit_report(evaluation, {18: "20"})
    ids = indicator_ids(plan)
    row = next(row for row in evaluation_page(evaluation).rows if row.target.indicator_id == ids[18])
    assert (row.target.target, row.computed_met) == (Decimal(40), False)
    rate_as_computed(evaluation)
    assert IndicatorRating.objects.get(evaluation=evaluation, indicator_id=ids[18]).computed_met is False


# --- pages --------------------------------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_whole_round_through_the_pages():
    plan = evaluation_pilot()
    the_officer, the_leader = officer(), leader()
    staff = client_for(the_officer)
    page = staff.get(reverse("evaluation:evaluation_list")).content.decode()
    open_url = reverse("evaluation:evaluation_open", args=[plan.pk, "midterm"])
    assert f'href="{open_url}"' in page
    answer = staff.post(open_url, {"report_due_on": TODAY().isoformat()})
    assert "报告提交期限应晚于今天。" in answer.content.decode()
    answer = staff.post(open_url, {"report_due_on": (TODAY() + timedelta(days=20)).isoformat()})
    evaluation = Evaluation.objects.get(plan=plan)
    assert answer.status_code == 302 and answer.url == reverse("evaluation:evaluation_detail", args=[evaluation.pk])
    submit_report(evaluation, {17: "3"})

    detail = reverse("evaluation:evaluation_detail", args=[evaluation.pk])
    page = staff.get(detail).content.decode()
    assert 'data-testid="rating-form"' in page
    ids = indicator_ids(plan)
    # the form starts from the computed results: indicator 17 (3 against 15) is suggested as not met
    assert f'name="met_{ids[17]}" value="0" checked' in page
    posted = {f"met_{indicator_id}": "1" for indicator_id in ids.values()}
    posted[f"comment_{ids[18]}"] = "已核实。"
    answer = staff.post(reverse("evaluation:evaluation_rate", args=[evaluation.pk]), posted)
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "“改造规上企业数量”评定为达标，与按实际值计算的结果（未达标）不同，请填写说明。" in body
    assert 'value="已核实。"' in body  # nothing typed is lost
    posted[f"met_{ids[17]}"] = "0"
    answer = staff.post(reverse("evaluation:evaluation_rate", args=[evaluation.pk]), posted)
    assert answer.status_code == 302
    page = staff.get(detail).content.decode()
    assert 'data-testid="propose"' in page and "按达标规则：" in page
    answer = staff.post(
        reverse("evaluation:evaluation_propose", args=[evaluation.pk]), {"opinion": "基本完成中期目标。"}
    )
    assert answer.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.proposed_outcome) == (Status.DECIDING, "met")

    decide_url = reverse("evaluation:evaluation_decide", args=[evaluation.pk])
    assert staff.get(decide_url).status_code == 404  # the officer does not decide
    boss = client_for(the_leader)
    assert "基本完成中期目标。" in boss.get(decide_url).content.decode()
    answer = boss.post(decide_url, {"decision": "return", "comment": ""})
    assert "退回时请写明意见。" in answer.content.decode()
    answer = boss.post(decide_url, {"decision": "confirm", "comment": "同意。"})
    assert answer.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == Status.MET
    assert instalment_status(plan, "midterm") == Instalment.Status.DUE
    assert boss.get(decide_url).status_code == 404  # decided: nothing left to decide


def test_the_rectification_form():
    evaluation = evaluated(evaluation_pilot(), "midterm", {1: "1"})
    url = reverse("evaluation:rectification_require", args=[evaluation.pk])
    staff = client_for(officer())
    page = staff.get(url).content.decode()
    assert "规上制造业企业" in page  # the failed indicator is listed
    answer = staff.post(url, {"deadline": TODAY().isoformat(), "items": "补齐规上企业。"})
    assert "整改期限应晚于今天。" in answer.content.decode() and "补齐规上企业。" in answer.content.decode()
    answer = staff.post(url, {"deadline": (TODAY() + timedelta(days=45)).isoformat(), "items": "补齐规上企业。"})
    assert answer.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == Status.RECTIFYING
    assert staff.get(url).status_code == 404
    assert (
        client_for(leader()).get(reverse("evaluation:rectification_require", args=[evaluation.pk])).status_code == 404
    )


# --- inbox ------------------------------------------------------------------------------------------------------------


def test_each_waiting_step_is_in_someones_inbox():
    plan = evaluation_pilot()
    the_officer, proposer = officer(), officer()
    evaluation = open_evaluation(plan)
    assert inbox_items(the_officer) == []  # waiting for the bureau
    submit_report(evaluation, {1: "1"})
    (item,) = inbox_items(the_officer)
    assert (item.title, item.url) == ("评定绩效评价报告", reverse("evaluation:evaluation_detail", args=[evaluation.pk]))
    rate_as_computed(evaluation)
    propose(evaluation, actor=proposer)
    assert inbox_items(the_officer) == []
    (item,) = inbox_items(leader())
    assert (item.title, item.url) == ("确认绩效评价结论", reverse("evaluation:evaluation_decide", args=[evaluation.pk]))
    decide(evaluation)
    (item,) = inbox_items(the_officer)
    assert (item.title, item.url) == ("下达整改要求", reverse("evaluation:rectification_require", args=[evaluation.pk]))
    assert inbox_items(leader()) == []


def test_acceptance_due_is_in_the_officers_inbox():
    plan = evaluation_pilot()
    evaluated(plan, "midterm")
    evaluated(plan, "final")
    titles = [(item.title, item.url) for item in inbox_items(officer())]
    assert titles == [("试点验收", reverse("pilots:acceptance_record", args=[plan.pk]))]


# --- who sees what -------------------------------------------------------------------------------------------------


def test_a_bureau_sees_only_its_own_evaluations_and_changes_nothing():
    plan = evaluation_pilot()
    evaluation = evaluated(plan, "midterm", confirm=None)
    detail = reverse("evaluation:evaluation_detail", args=[evaluation.pk])
    own = client_for(applicant_of(plan))
    page = own.get(detail)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="rating-form"' not in body and 'data-testid="go-decide"' not in body
    assert own.get(reverse("evaluation:evaluation_decide", args=[evaluation.pk])).status_code == 404
    assert own.get(reverse("evaluation:evaluation_list")).status_code == 404
    assert own.post(reverse("evaluation:evaluation_rate", args=[evaluation.pk]), {}).status_code == 404
    other = client_for(make_applicant())
    assert other.get(detail).status_code == 404
    assert other.get(reverse("evaluation:evaluation_decide", args=[evaluation.pk])).status_code == 404


def test_the_auditor_reads_every_round_and_decision_but_acts_on_nothing():
    plan = evaluation_pilot()
    evaluation = evaluated(plan, "midterm", {1: "14"})
    evaluation = rectify(evaluation, {}, confirm=None)
    evaluation = decide(evaluation, confirm=False, comment="第二轮请补充佐证。")
    auditor = client_for(make_user(Role.AUDITOR))
    page = auditor.get(reverse("evaluation:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert "第二轮请补充佐证。" in page and "整改前评定" in page and "提高改造规上企业数量。" in page
    assert 'data-testid="rating-form"' not in page
    for name in ("evaluation_decide", "rectification_require"):
        assert auditor.get(reverse(f"evaluation:{name}", args=[evaluation.pk])).status_code == 404
    for name in ("evaluation_rate", "evaluation_propose"):
        assert auditor.post(reverse(f"evaluation:{name}", args=[evaluation.pk]), {"opinion": "x"}).status_code == 404
    assert auditor.get(reverse("evaluation:evaluation_list")).status_code == 200
    # every decision is in the audit trail and every saved state in the history
    actions = list(
        AuditEvent.objects.filter(target_id=str(plan.pk), action__startswith="evaluation.").values_list(
            "action", flat=True
        )
    )
    assert actions.count("evaluation.decide") == 1 and actions.count("evaluation.return") == 1
    assert evaluation.history.count() >= 6


# --- the list costs the same queries whatever its length ------------------------------------------------------------


def test_the_list_costs_the_same_queries_for_one_pilot_or_many():
    call = PilotCallFactory()
    first = evaluation_pilot(call=call)
    open_evaluation(first)
    staff = client_for(officer())
    url = reverse("evaluation:evaluation_list")
    staff.get(url)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            page = staff.get(url)
        return len(queries), page.content.decode().count('data-testid="pilot-')

    small = count()
    for _ in range(3):
        other = evaluation_pilot(call=call)
        evaluated(other, "midterm")
    large = count()
    assert (small[1], large[1]) == (1, 4)
    assert small[0] == large[0]


def test_the_evaluation_page_costs_the_same_queries_in_each_round():
    plan = evaluation_pilot()
    evaluation = evaluated(plan, "midterm", {1: "1"})
    staff = client_for(officer())
    url = reverse("evaluation:evaluation_detail", args=[evaluation.pk])
    staff.get(url)
    with CaptureQueriesContext(connection) as first:
        staff.get(url)
    evaluation = rectify(evaluation, {}, confirm=None)
    staff.get(url)
    with CaptureQueriesContext(connection) as second:
        staff.get(url)
    assert len(first) == len(second)


def test_the_list_offers_each_next_step_to_whoever_takes_it():
    failed, done = evaluation_pilot(), evaluation_pilot()
    rectify(evaluated(failed, "midterm", {1: "1"}), {1: "1"})
    evaluated(done, "midterm")
    evaluated(done, "final")
    url = reverse("evaluation:evaluation_list")
    boss = client_for(leader()).get(url).content.decode()
    assert f'href="{reverse("pilots:clawback_decide", args=[failed.pk])}"' in boss
    assert 'data-testid="go-acceptance"' not in boss and 'data-testid="open-midterm"' not in boss
    staff = client_for(officer()).get(url).content.decode()
    assert f'href="{reverse("pilots:acceptance_record", args=[done.pk])}"' in staff
    assert 'data-testid="go-clawback"' not in staff
    assert "期后评价达标，待验收" in staff and "中期评价未达标，限期整改中" in staff  # the phase of each pilot
    auditor = client_for(make_user(Role.AUDITOR)).get(url).content.decode()
    assert 'data-testid="go-' not in auditor and 'data-testid="open-' not in auditor


# --- expert opinions (optional) -------------------------------------------------------------------------------------


def test_the_officer_asks_screened_experts_and_they_answer_on_their_own_page():
    from evaluation.models import ExpertOpinion
    from evaluation.services.evaluation_experts import (
        evaluation_experts_invite,
        evaluation_opinion_decline,
        evaluation_opinion_submit,
    )

    from .factories import ExpertProfileFactory

    plan = evaluation_pilot()
    evaluation = open_evaluation(plan)
    submit_report(evaluation, {17: "3"})
    free, other, local = ExpertProfileFactory(), ExpertProfileFactory(), ExpertProfileFactory(home_region=plan.region)

    staff = client_for(officer())
    page = staff.get(reverse("evaluation:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert f'name="experts" value="{free.pk}"' in page
    assert f'name="experts" value="{local.pk}"' not in page and f"与申报地区相同：{plan.region.name}" in page

    with pytest.raises(ValidationError) as error:
        evaluation_experts_invite(actor=officer(), evaluation=evaluation, expert_ids=[free.pk, local.pk])
    assert error.value.messages == [f"{local.full_name}需回避：与申报地区相同：{plan.region.name}。"]
    assert not ExpertOpinion.objects.exists()
    answer = staff.post(reverse("evaluation:experts_invite", args=[evaluation.pk]), {"experts": [free.pk, other.pk]})
    assert answer.status_code == 302
    mine, theirs = ExpertOpinion.objects.get(expert=free), ExpertOpinion.objects.get(expert=other)
    assert (mine.round, mine.status) == (1, ExpertOpinion.Status.INVITED)

    # each expert sees only the opinion asked of them, and not the officer's ratings
    (item,) = inbox_items(free.user)
    assert item.url == reverse("evaluation:opinion_detail", args=[mine.pk])
    expert = client_for(free.user)
    assert expert.get(reverse("evaluation:opinion_detail", args=[theirs.pk])).status_code == 404
    assert expert.get(reverse("evaluation:evaluation_detail", args=[evaluation.pk])).status_code == 404
    answer = expert.post(
        reverse("evaluation:opinion_detail", args=[mine.pk]), {"suggested_outcome": "met", "text": "基本达到。"}
    )
    assert "请先声明与该试点无利益冲突；如有冲突请申请回避。" in answer.content.decode()
    assert "基本达到。" in answer.content.decode()
    answer = expert.post(
        reverse("evaluation:opinion_detail", args=[mine.pk]),
        {"no_conflict": "on", "suggested_outcome": "not_met", "text": "改造规上企业数量明显不足。"},
    )
    assert answer.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.suggested_outcome) == (ExpertOpinion.Status.SUBMITTED, "not_met")
    assert mine.declared_at is not None
    with pytest.raises(ValidationError):
        evaluation_opinion_submit(actor=free.user, opinion=mine, no_conflict=True, suggested_outcome="met", text="改")
    with pytest.raises(PermissionDenied):
        evaluation_opinion_decline(actor=free.user, opinion=theirs, reason="不是我的")
    evaluation_opinion_decline(actor=other.user, opinion=theirs, reason="近期曾为该市提供咨询服务。")

    # the officer and the leader read the opinions; the officer still rates and proposes
    page = staff.get(reverse("evaluation:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert "改造规上企业数量明显不足。" in page and "近期曾为该市提供咨询服务。" in page
    rate_as_computed(evaluation)
    propose(evaluation)
    assert (
        "改造规上企业数量明显不足。"
        in client_for(leader()).get(reverse("evaluation:evaluation_decide", args=[evaluation.pk])).content.decode()
    )


def test_an_expert_cannot_answer_once_the_evaluation_moved_on():
    from evaluation.models import ExpertOpinion
    from evaluation.services.evaluation_experts import evaluation_experts_invite, evaluation_opinion_submit

    from .factories import ExpertProfileFactory

    evaluation = open_evaluation(evaluation_pilot())
    expert = ExpertProfileFactory()
    with pytest.raises(ValidationError):  # not yet reported: nothing to give an opinion on
        evaluation_experts_invite(actor=officer(), evaluation=evaluation, expert_ids=[expert.pk])
    submit_report(evaluation)
    (opinion,) = evaluation_experts_invite(actor=officer(), evaluation=evaluation, expert_ids=[expert.pk])
    with pytest.raises(ValidationError) as error:
        evaluation_experts_invite(actor=officer(), evaluation=evaluation, expert_ids=[expert.pk])
    assert error.value.messages == [f"{expert.full_name}已受邀提出本轮意见。"]
    rate_as_computed(evaluation)
    propose(evaluation)
    with pytest.raises(ValidationError) as error:
        evaluation_opinion_submit(
            actor=expert.user,
            opinion=ExpertOpinion.objects.get(pk=opinion.pk),
            no_conflict=True,
            suggested_outcome="met",
            text="同意。",
        )
    assert error.value.messages == ["该评价已进入下一环节，不再征求本轮意见。"]
    assert inbox_items(expert.user) == []


def test_a_plan_without_targets_is_not_evaluated():
    from tests.pilots.test_payments import approved_plan

    plan = approved_plan()  # version 1 froze an empty target table
    with pytest.raises(ValidationError) as error:
        open_evaluation(plan)
    assert error.value.messages == ["该方案没有绩效目标表，无法对照目标开展评价。"]
