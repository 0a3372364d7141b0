"""The expert review through its services, on PostgreSQL: starting the review, screening and assigning,
the assignment's states, scores, reopening, aggregation, spread, ranking and the ranking report."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission
from pypdf import PdfReader

from audit.models import AuditEvent
from evaluation import selectors, services
from evaluation.models import Assignment, CallReview, ConsensusNote, CriterionScore
from pilots import services as pilot_services
from pilots.models import PilotCall, PilotPlan, PilotPlanUserObjectPermission
from pilots.permissions import can_view_plan
from tests.factories import CountyFactory, LeagueCityFactory
from tests.pilots.factories import PilotCallFactory, PilotPlanFactory

from .factories import (
    ExpertProfileFactory,
    accepted_plan,
    assign,
    declare,
    review_setup,
    reviewed,
    scorecard,
    submit,
)

pytestmark = pytest.mark.django_db

FULL = [15, 15, 20, 20, 15, 15]  # the default scorecard's maximum: 100


def messages_of(error) -> list[str]:
    """The messages of a ``pytest.raises(ValidationError)`` result."""
    return error.value.messages


# --- starting the review ---------------------------------------------------------------------------


def test_review_start_moves_the_call_and_every_accepted_plan():
    setup = review_setup(plans=2, start=False)
    services.review_start(actor=setup.coordinator, call=setup.call)
    setup.refresh()
    assert setup.call.status == PilotCall.Status.IN_REVIEW
    assert [plan.status for plan in setup.plans] == [PilotPlan.Status.IN_REVIEW] * 2
    assert CallReview.objects.get(call=setup.call).agency == setup.agency
    assert AuditEvent.objects.filter(action="call.review_start", target_id=str(setup.call.pk)).count() == 1
    for plan in setup.plans:
        event = AuditEvent.objects.get(action="plan.review_start", target_id=str(plan.pk))
        assert event.changes["status"] == ["accepted", "in_review"]


def test_review_start_wakes_the_plan_process_waiting_for_the_review():
    from tests.pilots.factories import make_department_officer
    from tests.workflows.helpers import submitted_flow_plan
    from workflows import services as flow
    from workflows.flows import PilotPlanFlow

    plan = submitted_flow_plan()
    flow.plan_accept(actor=make_department_officer(), plan=plan)
    pilot_services.call_close(actor=None, call=plan.call)
    setup = review_setup(plans=0, start=False)
    assert flow.open_task(plan, PilotPlanFlow.awaiting_review) is not None
    services.review_start(actor=setup.coordinator, call=plan.call)
    assert flow.open_task(plan, PilotPlanFlow.awaiting_review) is None
    assert flow.open_task(plan, PilotPlanFlow.awaiting_list) is not None


def test_review_start_works_on_an_open_call_past_its_deadline():
    call = PilotCallFactory()
    accepted_plan(call)
    PilotCall.objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    setup = review_setup(plans=0, start=False)
    services.review_start(actor=setup.coordinator, call=call)
    call.refresh_from_db()
    assert call.status == PilotCall.Status.IN_REVIEW


def test_review_start_refused_before_the_deadline_and_twice():
    call = PilotCallFactory()
    accepted_plan(call)
    setup = review_setup(plans=0, start=False)
    with pytest.raises(ValidationError) as error:
        services.review_start(actor=setup.coordinator, call=call)
    assert messages_of(error) == ["本批次尚未截止申报，不能启动专家评审。"]
    pilot_services.call_close(actor=None, call=call)
    services.review_start(actor=setup.coordinator, call=call)
    with pytest.raises(ValidationError) as error:
        services.review_start(actor=setup.coordinator, call=call)
    assert messages_of(error) == ["本批次的专家评审已经启动。"]


def test_review_start_waits_for_pending_completeness_checks():
    call = PilotCallFactory()
    accepted_plan(call)
    waiting = accepted_plan(call)
    PilotPlan.objects.filter(pk=waiting.pk).update(status=PilotPlan.Status.SUBMITTED)
    pilot_services.call_close(actor=None, call=call)
    setup = review_setup(plans=0, start=False)
    with pytest.raises(ValidationError) as error:
        services.review_start(actor=setup.coordinator, call=call)
    assert "尚有1份方案未完成形式审查" in messages_of(error)[0]
    call.refresh_from_db()
    assert call.status == PilotCall.Status.CLOSED
    assert not CallReview.objects.filter(call=call).exists()


def test_review_start_needs_a_coordinator():
    setup = review_setup(start=False)
    with pytest.raises(ValidationError, match="只有第三方评审机构的协调人"):
        services.review_start(actor=setup.experts[0].user, call=setup.call)


# --- assigning and screening -----------------------------------------------------------------------


def test_assignment_starts_pending_and_is_audited():
    setup = review_setup()
    assignment = assign(setup, setup.plans[0], setup.experts[0])
    assert assignment.status == Assignment.Status.PENDING
    event = AuditEvent.objects.get(action="assignment.create", target_id=str(assignment.pk))
    assert event.changes["status"] == [None, "pending"]
    assert not can_view_plan(setup.experts[0].user, setup.plans[0])


def test_no_more_than_experts_per_plan_active_assignments():
    setup = review_setup(experts=3, experts_per_plan=2)
    plan = setup.plans[0]
    assign(setup, plan, setup.experts[0])
    assign(setup, plan, setup.experts[1])
    with pytest.raises(ValidationError) as error:
        assign(setup, plan, setup.experts[2])
    assert messages_of(error) == ["本方案已有2位评审专家，达到每份方案2位的要求，无需再分配。"]


def test_inactive_and_other_agency_experts_are_refused():
    setup = review_setup()
    inactive = ExpertProfileFactory(agency=setup.agency, is_active=False, full_name="停用专家")
    with pytest.raises(ValidationError, match="停用专家已停用，不能分配。"):
        assign(setup, setup.plans[0], inactive)
    with pytest.raises(ValidationError, match="该专家不在本机构的专家库中。"):
        assign(setup, setup.plans[0], ExpertProfileFactory())


def conflict_setup():
    """One plan; experts: clean, same region, county under the region, tied to the applicant by name,
    tied to an enterprise on the plan's list by USCC."""
    setup = review_setup(experts=1, experts_per_plan=1)
    plan = setup.plans[0]
    enterprise = plan.enterprises.order_by("row").first()
    county = CountyFactory(parent=plan.region, name="测试旗")
    agency = setup.agency
    setup.experts += [
        ExpertProfileFactory(agency=agency, full_name="同地区专家", home_region=plan.region),
        ExpertProfileFactory(agency=agency, full_name="下辖旗县专家", home_region=county),
        ExpertProfileFactory(agency=agency, full_name="申报单位关联专家", declared_ties=[plan.applicant.name]),
        ExpertProfileFactory(
            agency=agency, full_name="企业关联专家", declared_ties=["某律所", enterprise.uscc.lower()]
        ),
    ]
    reasons = {
        "同地区专家": [f"与申报地区相同：{plan.region.name}"],
        "下辖旗县专家": [f"所在地区隶属申报地区：测试旗（{plan.region.name}）"],
        "申报单位关联专家": [f"申报的关联关系包含申报单位：{plan.applicant.name}"],
        "企业关联专家": [f"申报的关联关系包含方案名单中的企业：{enterprise.uscc}（{enterprise.name}）"],
    }
    return setup, reasons


def test_suggestion_screens_out_conflicts_with_reasons():
    setup, reasons = conflict_setup()
    [proposal] = selectors.review_suggestions(setup.coordinator, selectors.call_plan_reviews(setup.call))
    assert [candidate.expert for candidate in proposal.chosen] == [setup.experts[0]]
    assert {item.expert.full_name: item.reasons for item in proposal.excluded} == reasons


def test_manual_assignment_of_a_screened_out_expert_is_refused_with_the_reason():
    setup, reasons = conflict_setup()
    for expert in setup.experts[1:]:
        with pytest.raises(ValidationError) as error:
            assign(setup, setup.plans[0], expert)
        assert messages_of(error) == [f"{expert.full_name}存在利益冲突，不能分配：", *reasons[expert.full_name]]
    assert not Assignment.objects.exists()


def test_suggestion_balances_load_then_matches_expertise():
    setup = review_setup(plans=2, experts=0, experts_per_plan=1)
    busy = ExpertProfileFactory(agency=setup.agency, full_name="甲", fields_of_expertise=["稀土新材料"])
    other_plan = accepted_plan(PilotCallFactory())
    Assignment.objects.create(
        plan=other_plan, expert=busy, assigned_by=setup.coordinator, assigned_at=timezone.now()
    )  # one open assignment elsewhere
    matching = ExpertProfileFactory(agency=setup.agency, full_name="乙", fields_of_expertise=["装备制造"])
    plain = ExpertProfileFactory(agency=setup.agency, full_name="丙", fields_of_expertise=["财务"])
    proposals = selectors.review_suggestions(setup.coordinator, selectors.call_plan_reviews(setup.call))
    chosen = [[(c.expert, c.load, c.matches) for c in proposal.chosen] for proposal in proposals]
    # Plan 1: 乙 and 丙 have no open assignment; 乙 matches a chain. Plan 2: 丙 (still 0) before 甲 and 乙 (1 each).
    assert chosen == [[(matching, 0, ["装备制造"])], [(plain, 0, [])]]
    assert busy.assignments.count() == 1


def test_suggested_pairs_are_created_all_or_none():
    setup, _reasons = conflict_setup()
    plan = setup.plans[0]
    with pytest.raises(ValidationError) as error:
        services.assignments_create_many(
            actor=setup.coordinator,
            call=setup.call,
            pairs=[(plan.pk, setup.experts[0].pk), (plan.pk, setup.experts[1].pk)],
        )
    assert messages_of(error)[0].startswith(f"{plan.region.name}：")
    assert not Assignment.objects.exists()
    [created] = services.assignments_create_many(
        actor=setup.coordinator, call=setup.call, pairs=[(plan.pk, setup.experts[0].pk)]
    )
    assert created.expert == setup.experts[0]


# --- the expert's declaration and decline -------------------------------------------------------------


def test_declaring_no_conflict_grants_the_plan_in_its_own_table():
    setup = review_setup()
    assignment = assign(setup, setup.plans[0], setup.experts[0])
    user = setup.experts[0].user
    with pytest.raises(ValidationError) as error:
        services.assignment_declare_no_conflict(actor=user, assignment=assignment, confirmed=False)
    assert error.value.message_dict == {"confirm": ["请勾选确认无利益冲突的声明。"]}
    declare(assignment)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SCORING
    assert assignment.declared_at is not None
    assert PilotPlanUserObjectPermission.objects.filter(user=user, content_object=setup.plans[0]).count() == 1
    assert can_view_plan(user, setup.plans[0])
    assert AuditEvent.objects.filter(action="assignment.declare", target_id=str(assignment.pk)).exists()
    assert AuditEvent.objects.get(action="plan.grant_view").changes["reason"] == "专家声明无利益冲突"


def test_only_the_assigned_expert_may_declare():
    setup = review_setup()
    assignment = assign(setup, setup.plans[0], setup.experts[0])
    with pytest.raises(ValidationError, match="只能处理本人的评审任务。"):
        services.assignment_declare_no_conflict(actor=setup.experts[1].user, assignment=assignment, confirmed=True)


def test_decline_with_reason_revokes_access_and_asks_for_reassignment():
    setup = review_setup(experts=3, experts_per_plan=2)
    plan = setup.plans[0]
    first = assign(setup, plan, setup.experts[0])
    assign(setup, plan, setup.experts[1])
    declare(first)
    user = setup.experts[0].user
    with pytest.raises(ValidationError) as error:
        services.assignment_decline(actor=user, assignment=first, reason=Assignment.DeclineReason.OTHER, note=" ")
    assert error.value.message_dict == {"note": ["选择“其他原因”时，请写明回避说明。"]}
    services.assignment_decline(
        actor=user, assignment=first, reason=Assignment.DeclineReason.EMPLOYER, note="曾在申报单位挂职"
    )
    first.refresh_from_db()
    assert (first.status, first.decline_reason, first.decline_note) == ("declined", "employer", "曾在申报单位挂职")
    assert not can_view_plan(user, plan)
    review = selectors.plan_review(plan)
    assert review.needed == 1 and review.declined == [first]
    [proposal] = selectors.review_suggestions(setup.coordinator, [review])
    assert [c.expert for c in proposal.chosen] == [setup.experts[2]]
    with pytest.raises(ValidationError, match="已对本方案申请回避"):
        assign(setup, plan, setup.experts[0])
    assign(setup, plan, setup.experts[2])


# --- scores ----------------------------------------------------------------------------------------


def scoring_assignment():
    setup = review_setup()
    assignment = assign(setup, setup.plans[0], setup.experts[0])
    declare(assignment)
    return setup, assignment


def test_draft_keeps_partial_input_and_half_points():
    _setup, assignment = scoring_assignment()
    user = assignment.expert.user
    draft = scorecard(assignment, [12.5, None, None, None, None, 0], comment="", complete=False)
    services.scorecard_save_draft(actor=user, assignment=assignment, scorecard=draft)
    saved = {s.criterion.code: (s.score, s.comment) for s in CriterionScore.objects.filter(assignment=assignment)}
    assert saved == {"authenticity": (D("12.5"), ""), "realism": (D("0.0"), "")}
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SCORING


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.3", "得分须为0.5分的整数倍（如 12 或 12.5）。"),
        ("15.5", "得分不能超过该项满分15分。"),
        ("-0.5", "得分不能为负数。"),
    ],
)
def test_invalid_scores_are_refused_at_their_field(value, message):
    _setup, assignment = scoring_assignment()
    criterion = assignment.plan.call.criteria.get(code="authenticity")
    draft = scorecard(assignment, [value, None, None, None, None, None], complete=False)
    with pytest.raises(ValidationError) as error:
        services.scorecard_save_draft(actor=assignment.expert.user, assignment=assignment, scorecard=draft)
    assert error.value.message_dict == {services.score_field(criterion.pk): [message]}
    assert not CriterionScore.objects.exists()


def test_submit_requires_every_score_comment_and_opinion():
    _setup, assignment = scoring_assignment()
    user = assignment.expert.user
    criteria = list(assignment.plan.call.criteria.order_by("order"))
    card = scorecard(assignment, [15, 15, 20, 20, 15, None], comment="", complete=False)
    with pytest.raises(ValidationError) as error:
        services.assignment_submit(actor=user, assignment=assignment, scorecard=card)
    errors = error.value.message_dict
    assert errors[services.comment_field(criteria[0].pk)] == ["请填写该项评语。"]
    assert errors[services.score_field(criteria[5].pk)] == ["请为此项打分。"]
    assert errors["overall_opinion"] == ["请填写总体意见。"]
    assert errors["revision_suggestions"] == ["请填写方案修改完善建议。"]
    assert errors["recommendation"] == ["请选择评审结论。"]
    assert not CriterionScore.objects.exists()  # nothing of a refused submission is kept
    submit(assignment, FULL)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED and assignment.submitted_at
    with pytest.raises(ValidationError, match="评审任务当前状态为“已提交”"):
        services.scorecard_save_draft(actor=user, assignment=assignment, scorecard=scorecard(assignment, FULL))
    assert AuditEvent.objects.get(action="assignment.submit").changes["total"] == "100.00"


def test_every_saved_version_of_a_score_is_kept():
    _setup, assignment = scoring_assignment()
    user = assignment.expert.user
    for first in (10, 12.5):
        card = scorecard(assignment, [first, None, None, None, None, None], complete=False)
        services.scorecard_save_draft(actor=user, assignment=assignment, scorecard=card)
    submit(assignment, [13, 15, 20, 20, 15, 15])
    score = CriterionScore.objects.get(assignment=assignment, criterion__code="authenticity")
    versions = [record.score for record in score.history.order_by("history_date", "history_id")]
    assert versions == [D("10.0"), D("12.5"), D("13.0")]
    assert {record.history_user for record in score.history.all()} == {user}


def test_the_database_refuses_quarter_points():
    _setup, assignment = scoring_assignment()
    criterion = assignment.plan.call.criteria.first()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionScore.objects.create(assignment=assignment, criterion=criterion, score=D("0.3"))


# --- blindness -------------------------------------------------------------------------------------


def test_an_expert_sees_other_scores_only_when_all_are_submitted():
    setup = review_setup(experts_per_plan=2)
    plan = setup.plans[0]
    first, second = assign(setup, plan, setup.experts[0]), assign(setup, plan, setup.experts[1])
    declare(first), declare(second)
    submit(first, FULL)
    draft = scorecard(second, [1, 1, 1, 1, 1, 1], complete=False)
    services.scorecard_save_draft(actor=second.expert.user, assignment=second, scorecard=draft)
    review, own = selectors.assignment_scorecard(first)
    assert selectors.peer_reviews(review, own) is None
    other = next(a for a in review.assignments if a.pk == second.pk)
    assert all(line.score is None for line in other.score_list)  # the other's draft is not even loaded
    submit(second, [10, 10, 10, 10, 10, 10])
    review, own = selectors.assignment_scorecard(first)
    [peer] = selectors.peer_reviews(review, own)
    assert peer.pk == second.pk and peer.total == D("60.00")


# --- reopening -------------------------------------------------------------------------------------


def test_reopen_needs_a_reason_and_is_audited():
    setup, assignment = scoring_assignment()
    submit(assignment, FULL)
    with pytest.raises(ValidationError) as error:
        services.assignment_reopen(actor=setup.coordinator, assignment=assignment, reason="  ")
    assert error.value.message_dict == {"reason": ["请写明退回重评的原因。"]}
    services.assignment_reopen(
        actor=setup.coordinator, assignment=assignment, reason="可行性评语与得分不一致，请复核。"
    )
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SCORING
    assert assignment.reopen_reason == "可行性评语与得分不一致，请复核。"
    event = AuditEvent.objects.get(action="assignment.reopen", target_id=str(assignment.pk))
    assert event.changes == {"status": ["submitted", "scoring"], "reason": "可行性评语与得分不一致，请复核。"}
    assert event.actor == setup.coordinator
    with pytest.raises(ValidationError, match="只有第三方评审机构的协调人"):
        services.assignment_reopen(actor=assignment.expert.user, assignment=assignment, reason="x")


# --- aggregation, spread and ranking ---------------------------------------------------------------


WEIGHTED = [
    ("authenticity", "真实性", D(10)),
    ("feasibility", "可行性", D(20)),
    ("soundness", "科学性", D(30)),
]


def test_totals_and_mean_with_weights():
    setup = review_setup(experts=3, experts_per_plan=3, criteria=WEIGHTED)
    setup.call.criteria.filter(code="feasibility").update(weight=D(2))
    setup.call.criteria.filter(code="soundness").update(weight=D("1.5"))
    plan = setup.plans[0]
    reviewed(setup, plan, [[7.5, 14.5, 22], [10, 20, 30], [5, 10, 20]])
    review = selectors.plan_review(plan)
    # (7.5 + 29 + 33) / 95 × 100 = 73.157… → 73.16; 100.00; (5 + 20 + 30) / 95 × 100 = 57.894… → 57.89
    assert review.totals == [D("73.16"), D("100.00"), D("57.89")]
    assert review.mean == D("77.02")  # 231.05 / 3 = 77.0166…
    assert review.criterion_means == {"authenticity": D("7.50"), "feasibility": D("14.83"), "soundness": D("24.00")}


def test_spread_requires_a_consensus_note_before_ranking():
    setup = review_setup(experts=2, experts_per_plan=2, spread_threshold=D(10))
    plan = setup.plans[0]
    reviewed(setup, plan, [FULL, [10, 10, 10, 10, 10, 10]])  # 100 and 60, mean 80: 20 apart
    review = selectors.plan_review(plan)
    assert review.flagged and review.needs_consensus_note
    problems = selectors.ranking_problems(setup.call, [review])
    assert problems == [f"{plan.region.name}：专家评分差异超过阈值，请先记录合议意见。"]
    with pytest.raises(ValidationError) as error:
        services.ranking_report_submit(actor=setup.coordinator, call=setup.call)
    assert messages_of(error) == problems
    with pytest.raises(ValidationError) as error:
        services.consensus_note_save(actor=setup.coordinator, plan=plan, note="")
    assert error.value.message_dict == {"note": ["请填写合议意见。"]}
    services.consensus_note_save(actor=setup.coordinator, plan=plan, note="经合议，维持各专家评分。")
    assert ConsensusNote.objects.get(plan=plan).author == setup.coordinator
    assert selectors.ranking_problems(setup.call, [selectors.plan_review(plan)]) == []


def test_ranking_needs_enough_submitted_reviews():
    setup = review_setup(experts=2, experts_per_plan=2)
    plan = setup.plans[0]
    reviewed(setup, plan, [FULL])
    assert selectors.ranking_problems(setup.call, [selectors.plan_review(plan)]) == [
        f"{plan.region.name}：已提交评审1份，至少需要2份。"
    ]


def ranking_setup():
    """Four plans, one expert each; criteria authenticity 10, feasibility 20, soundness 30 (weight 1, so
    a total is the sum × 100 / 60). A and B tie on the mean, A is better on feasibility; C and D tie on
    the mean and on feasibility, D is better on soundness. The region codes run the other way (C < D <
    B < A), so the final rule alone would have given the opposite order."""
    codes = {"C": "153100", "D": "153200", "B": "153300", "A": "153400"}
    regions = [LeagueCityFactory(code=code, name=f"{letter}盟") for letter, code in codes.items()]
    setup = review_setup(plans=4, experts=1, experts_per_plan=1, criteria=WEIGHTED, regions=regions)
    plans = {plan.region.name[0]: plan for plan in setup.plans}
    rows = {"A": [10, 20, 24], "B": [10, 18, 26], "C": [5, 16, 24], "D": [4, 16, 25]}  # 54, 54, 45, 45
    for letter, scores in rows.items():
        reviewed(setup, plans[letter], [scores])
    return setup, plans


def test_ranking_breaks_ties_by_feasibility_then_soundness():
    setup, _plans = ranking_setup()
    ranked = selectors.ranked_plans(setup.call)
    assert [(entry.plan.region.name, entry.rank, entry.mean) for entry in ranked] == [
        ("A盟", 1, D("90.00")),
        ("B盟", 2, D("90.00")),
        ("D盟", 3, D("75.00")),
        ("C盟", 4, D("75.00")),
    ]
    means = [(entry.criterion_means["feasibility"], entry.criterion_means["soundness"]) for entry in ranked]
    assert means == [
        (D("20.00"), D("24.00")),
        (D("18.00"), D("26.00")),
        (D("16.00"), D("25.00")),
        (D("16.00"), D("24.00")),
    ]


def test_ranking_eligibility_follows_the_pass_threshold():
    setup, _plans = ranking_setup()
    PilotCall.objects.filter(pk=setup.call.pk).update(pass_threshold=D(80))
    setup.call.refresh_from_db()
    eligible = {entry.plan.region.name: entry.eligible for entry in selectors.ranked_plans(setup.call)}
    assert eligible == {"A盟": True, "B盟": True, "C盟": False, "D盟": False}  # 90.00 and 75.00
    PilotCall.objects.filter(pk=setup.call.pk).update(pass_threshold=D(75))
    setup.call.refresh_from_db()
    assert all(entry.eligible for entry in selectors.ranked_plans(setup.call))  # 75.00 is not below 75


def test_equal_on_everything_the_region_code_decides():
    regions = [LeagueCityFactory(code="153600", name="后盟"), LeagueCityFactory(code="153500", name="前盟")]
    setup = review_setup(plans=2, experts=1, experts_per_plan=1, regions=regions)
    for plan in setup.plans:
        reviewed(setup, plan, [FULL])
    assert [entry.plan.region.name for entry in selectors.ranked_plans(setup.call)] == ["前盟", "后盟"]


# --- the ranking report ----------------------------------------------------------------------------


def test_ranking_report_freezes_renders_and_locks(django_capture_on_commit_callbacks):
    setup = review_setup(plans=2, experts=2, experts_per_plan=2, spread_threshold=D(10))
    first, second = setup.plans
    reviewed(setup, first, [FULL, [14, 14, 19, 19, 14, 14]])  # 100, 94
    reviewed(setup, second, [[10, 10, 10, 10, 10, 10], [12.5, 12.5, 16, 16, 12.5, 12.5]])  # 60, 82 → 71.00, spread
    services.consensus_note_save(actor=setup.coordinator, plan=second, note="经合议，差异源于对资金测算的理解不同。")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.ranking_report_submit(actor=setup.coordinator, call=setup.call)
    setup.refresh()
    report.refresh_from_db()
    assert setup.call.status == PilotCall.Status.RANKED
    assert [(p["region"], p["rank"], p["mean"], p["eligible"], p["flagged"]) for p in report.content["plans"]] == [
        (first.region.name, 1, "97.00", True, False),
        (second.region.name, 2, "71.00", True, True),
    ]
    assert report.content["plans"][1]["consensus_note"]["note"] == "经合议，差异源于对资金测算的理解不同。"
    assert report.content["plans"][0]["reviews"][0]["expert"] == setup.experts[0].full_name
    assert report.pdf is not None
    assert report.pdf.organisation == setup.agency and report.pdf.owner == report
    text = "".join(page.extract_text() for page in PdfReader(report.pdf.file.open("rb")).pages)
    for region, mean in ((first.region.name, "97.00"), (second.region.name, "71.00")):
        assert region in text and mean in text
    assert setup.experts[1].full_name in text
    # Locked: no reopening, no note, no second report.
    assignment = first.assignments.first()
    with pytest.raises(ValidationError, match="评审已结束"):
        services.assignment_reopen(actor=setup.coordinator, assignment=assignment, reason="再看看")
    with pytest.raises(ValidationError, match="评审已结束"):
        services.ranking_report_submit(actor=setup.coordinator, call=setup.call)


def test_a_full_review_leaves_guardian_generic_tables_empty(django_capture_on_commit_callbacks):
    """Plans made the whole way (filled, co-signed, submitted, checked), reviewed, ranked."""
    call = PilotCallFactory(experts_per_plan=2)
    plans = [PilotPlanFactory(call=call, state="accepted", state__enterprises=3) for _ in range(2)]
    pilot_services.call_close(actor=None, call=call)
    setup = review_setup(plans=0, experts=3, start=False)
    setup.call, setup.plans = call, plans
    services.review_start(actor=setup.coordinator, call=call)
    for plan in plans:
        [proposal] = selectors.review_suggestions(setup.coordinator, [selectors.plan_review(plan)])
        pairs = [(plan.pk, candidate.expert.pk) for candidate in proposal.chosen]
        for assignment in services.assignments_create_many(actor=setup.coordinator, call=call, pairs=pairs):
            declare(assignment)
            submit(assignment, FULL)
    with django_capture_on_commit_callbacks(execute=True):
        services.ranking_report_submit(actor=setup.coordinator, call=call)
    assert PilotPlanUserObjectPermission.objects.count() == 4
    assert UserObjectPermission.objects.count() == 0
    assert GroupObjectPermission.objects.count() == 0
