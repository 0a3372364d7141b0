"""Demo pilot call and plans in several states, made through the same services and flow as real ones."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from pilots import services as pilot_services
from pilots.demo import fill_plan
from pilots.models import PilotCall, PilotPlan, TargetTemplate

from . import services

DEMO_CALL_TITLE = "2024年自治区制造业数字化转型试点申报（演示批次）"
GUIDE = (
    "为贯彻落实自治区推进制造业数字化转型的部署，现组织开展2024年制造业数字化转型试点申报工作。"
    "以盟市为单位申报，由盟市工信局会同财政局编制总体方案，试点期2年。"
    "试点须至少选择一条产业链，改造企业数量（规上、规下合计）不少于100家。"
)
# region code → the state its demo plan is left in (呼和浩特 150100 is left for you to apply).
DEMO_PLAN_STATES = {
    "150200": PilotPlan.Status.DRAFT,
    "150300": PilotPlan.Status.COSIGNED,
    "150400": PilotPlan.Status.SUBMITTED,
    "150500": PilotPlan.Status.RETURNED,
    "150600": PilotPlan.Status.ACCEPTED,
}


@transaction.atomic
def load_demo_pilots() -> PilotCall:
    existing = PilotCall.objects.filter(title=DEMO_CALL_TITLE).first()
    if existing:
        return existing
    users = get_user_model().objects.in_bulk(
        ["dept", *(f"{prefix}_{code}" for code in DEMO_PLAN_STATES for prefix in ("bureau", "finbureau"))],
        field_name="username",
    )
    officer = users["dept"]
    call = pilot_services.call_create(
        actor=officer,
        target_template=TargetTemplate.objects.order_by("created_at").first(),
        year=2024,
        title=DEMO_CALL_TITLE,
        guide_text=GUIDE,
        deadline=timezone.now() + timedelta(days=60),
        pilots_sought=4,
    )
    pilot_services.call_open(actor=officer, call=call)
    for code, state in DEMO_PLAN_STATES.items():
        bureau, finance = users[f"bureau_{code}"], users[f"finbureau_{code}"]
        plan = services.plan_start(actor=bureau, call=call)
        fill_plan(plan, actor=bureau)
        if state == PilotPlan.Status.DRAFT:
            continue
        services.plan_send_to_cosign(actor=bureau, plan=plan)
        services.plan_cosign(actor=finance, plan=plan, comment="资金计划与本级预算安排一致，同意。")
        if state == PilotPlan.Status.COSIGNED:
            continue
        services.plan_submit(actor=bureau, plan=plan)
        if state == PilotPlan.Status.RETURNED:
            services.plan_return(actor=officer, plan=plan, reasons="盖章PDF与系统填报内容不一致，请核对后重新上传。")
        elif state == PilotPlan.Status.ACCEPTED:
            services.plan_accept(actor=officer, plan=plan)
    return call


HISTORY_CALL_TITLE = "2023年自治区制造业数字化转型试点申报（演示批次：已完成评审、公示与批复）"
REVIEW_CALL_TITLE = "2025年自治区制造业数字化转型试点申报（演示批次：专家评审中）"
HISTORY_REGIONS = ["150700", "150800", "150900", "152200"]
REVIEW_REGIONS = ["152500", "152900", "150100"]


def _accepted_plans(call: PilotCall, regions: list[str], users: dict, enterprises: int) -> list[PilotPlan]:
    officer, plans = users["dept"], []
    for code in regions:
        bureau, finance = users[f"bureau_{code}"], users[f"finbureau_{code}"]
        plan = services.plan_start(actor=bureau, call=call)
        fill_plan(plan, actor=bureau, enterprises=enterprises)
        services.plan_send_to_cosign(actor=bureau, plan=plan)
        services.plan_cosign(actor=finance, plan=plan, comment="同意。")
        services.plan_submit(actor=bureau, plan=plan)
        services.plan_accept(actor=officer, plan=plan)
        plans.append(plan)
    return plans


def _closed_call(*, title: str, year: int, regions: list[str], users: dict, pilots_sought: int) -> PilotCall:
    """A call of an earlier round: its plans went in before the deadline, which has passed since."""
    officer = users["dept"]
    call = pilot_services.call_create(
        actor=officer,
        target_template=TargetTemplate.objects.order_by("created_at").first(),
        year=year,
        title=title,
        guide_text=GUIDE,
        deadline=timezone.now() + timedelta(days=1),
        pilots_sought=pilots_sought,
    )
    pilot_services.call_open(actor=officer, call=call)
    _accepted_plans(call, regions, users, enterprises=30)
    PilotCall.objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(days=30))
    return pilot_services.call_close(actor=officer, call=call)


@transaction.atomic
def load_demo_history() -> None:
    """Two more demo calls, so a newcomer sees every stage: one in expert review, one carried through
    review, ranking, public notice (with a dismissed objection), approval and a first payment."""
    if PilotCall.objects.filter(title=HISTORY_CALL_TITLE).exists():
        return
    from evaluation.demo import load_demo_review

    names = ["dept", "dept_leader", "finance", "agency"]
    names += [f"{prefix}_{code}" for code in HISTORY_REGIONS + REVIEW_REGIONS for prefix in ("bureau", "finbureau")]
    users = get_user_model().objects.in_bulk(names, field_name="username")

    review_call = _closed_call(title=REVIEW_CALL_TITLE, year=2025, regions=REVIEW_REGIONS, users=users, pilots_sought=2)
    load_demo_review(review_call)

    call = _closed_call(title=HISTORY_CALL_TITLE, year=2023, regions=HISTORY_REGIONS, users=users, pilots_sought=3)
    _review_and_rank(call, users["agency"])
    _select_publish_and_finalise(call, users)
    _approve_and_pay(call, users)


def _review_and_rank(call: PilotCall, coordinator, *, regions: list[str] = HISTORY_REGIONS, step: str = "0.08") -> None:
    """Every expert scores a region's plan at the same share of each criterion's points: 90 % for the first
    region, ``step`` less for each next one."""
    from decimal import Decimal

    from evaluation import selectors as review_selectors
    from evaluation import services as review_services
    from evaluation.models import Assignment

    review_services.review_start(actor=coordinator, call=call)
    proposals = review_selectors.review_suggestions(coordinator, review_selectors.call_plan_reviews(call))
    pairs = [(proposal.plan.pk, candidate.expert.pk) for proposal in proposals for candidate in proposal.chosen]
    assignments = review_services.assignments_create_many(actor=coordinator, call=call, pairs=pairs)
    criteria = list(call.criteria.order_by("order"))
    regions = {code: index for index, code in enumerate(regions)}
    for assignment in assignments:
        expert = assignment.expert.user
        review_services.assignment_declare_no_conflict(actor=expert, assignment=assignment, confirmed=True)
        share = Decimal("0.9") - Decimal(step) * regions[assignment.plan.region.code]
        card = review_services.ScorecardInput(
            scores={c.pk: ((c.max_points * share * 2).to_integral_value() / 2, "符合要求。") for c in criteria},
            overall_opinion="方案目标明确，措施可行。",
            revision_suggestions="建议细化分年度资金安排，明确改造企业清单的遴选标准。",
            recommendation=Assignment.Recommendation.WITH_REVISIONS,
        )
        review_services.assignment_submit(actor=expert, assignment=assignment, scorecard=card)
    review_services.ranking_report_submit(actor=coordinator, call=call)


def _select_publish_and_finalise(call: PilotCall, users: dict) -> None:
    from notices.models import PublicNotice
    from notices.services import objection_confirm, objection_file, objection_propose
    from pilots.selectors_money import ranked_plans
    from pilots.services.selection import default_selection

    officer, leader = users["dept"], users["dept_leader"]
    call.refresh_from_db()
    selection = pilot_services.selection_propose(
        actor=officer, call=call, selected_plan_ids=default_selection(call, ranked_plans(call))
    )
    pilot_services.selection_approve(actor=leader, selection=selection, comment="同意。")
    notice = pilot_services.selection_publish(actor=officer, selection=selection)
    # The notice of an earlier round: it ran a while ago (its objection came in on its last day).
    today = timezone.localdate()
    PublicNotice.objects.filter(pk=notice.pk).update(starts_on=today - timedelta(days=8), ends_on=today)
    notice.refresh_from_db()
    objection = objection_file(
        notice=notice,
        entry=notice.entries.first(),
        name="某企业（演示）",
        contact="0471-0000000",
        grounds="反映该盟市申报的改造企业名单中有企业已停产，请核实。",
    )
    objection = objection_propose(
        actor=officer,
        objection=objection,
        uphold=False,
        investigation="经核实，该企业已于今年复产，名单属实。",
        reason="经调查，所反映情况不属实，异议不成立。",
    )
    objection_confirm(actor=leader, objection=objection, comment="同意。")
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=today - timedelta(days=15), ends_on=today - timedelta(days=7)
    )
    pilot_services.selection_finalise(actor=officer, call=call)


def _approve_and_pay(
    call: PilotCall, users: dict, *, count: int = 2, amount: str = "25000000.00", pay_first: bool = False
) -> None:
    """Approve the first ``count`` selected plans; pay the first instalment of the first (of all: ``pay_first``)."""
    from decimal import Decimal

    from pilots.models import Instalment

    from .flows import PilotPlanFlow

    officer, leader, finance = users["dept"], users["dept_leader"], users["finance"]
    selected = list(call.plans.filter(status=PilotPlan.Status.SELECTED).order_by("region__code"))
    for number, plan in enumerate(selected[:count]):
        services.complete_plan_task(
            actor=officer,
            plan=plan,
            node=PilotPlanFlow.draft_approval,
            decide=lambda plan=plan: pilot_services.approval_draft(
                actor=officer,
                plan=plan,
                approved_amount=Decimal(amount),
                conditions="严格按照批复的总体方案实施，每年报送绩效自评报告。",
                revision_requests="细化分年度资金安排，明确改造企业清单的遴选标准。",
            ),
        )
        services.complete_plan_task(
            actor=leader,
            plan=plan,
            node=PilotPlanFlow.approve,
            decide=lambda plan=plan: pilot_services.approval_approve(actor=leader, approval=plan.approval),
        )
        if number == 0 or pay_first:
            first = Instalment.objects.get(plan=plan, stage=Instalment.Stage.APPROVAL)
            pilot_services.payment_record(
                actor=finance,
                instalment=first,
                amount=first.amount,
                paid_on=timezone.localdate(),
                voucher_number=f"演示-{call.year}-{plan.region.code}-1",
            )
