"""Demo pilots after approval, one in each state a pilot can be in, made through the same services as real
ones: a newcomer sees the whole life of a pilot (self-assessments, a plan change, mid-term and final
evaluations, rectification, clawback, acceptance, the instalments) in five minutes.

The 2022 call's pilots were approved through review, ranking, notice and approval like any other; then:

| region | where it stands |
|---|---|
| 150100 呼和浩特 | implementing; a plan change approved (version 2); year-1 self-assessment returned, then accepted |
| 150200 包头 | mid-term evaluation opened, the bureau's report to fill (its year-1 self-assessment is overdue) |
| 150300 乌海 | mid-term evaluation rated and proposed as met, waiting for the leader |
| 150400 赤峰 | mid-term not met, rectification by a deadline; a plan change waiting for the officer |
| 150500 通辽 | mid-term met, second instalment due; final evaluation report submitted, to be rated |
| 150600 鄂尔多斯 | final evaluation met, waiting for acceptance |
| 152200 兴安盟 | accepted, every instalment paid |
| 152500 锡林郭勒盟 | still not met after rectification: part of the paid subsidy clawed back and recovered |
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from evaluation.models import Evaluation, Report
from evaluation.selectors.evaluations import evaluation_page, report_kind, stage_targets
from evaluation.services.evaluations import (
    RatingInput,
    evaluation_decide,
    evaluation_open,
    evaluation_propose,
    evaluation_rate,
    rectification_require,
)
from evaluation.services.reports import report_accept, report_return, report_save, report_submit
from pilots import services as pilot_services
from pilots.demo import blank_pdf
from pilots.models import FundLine, Instalment, PilotCall, PilotPlan
from pilots.proposals import only_parts, values_in_force
from pilots.selectors import version_in_force

from .demo import _approve_and_pay, _closed_call, _review_and_rank, _select_publish_and_finalise

AFTERCARE_CALL_TITLE = "2022年自治区制造业数字化转型试点申报（演示批次：批复后的实施、评价、整改与验收）"
AFTERCARE_REGIONS = ["150100", "150200", "150300", "150400", "150500", "150600", "152200", "152500"]
APPROVED_AMOUNT = Decimal("20000000.00")
# Indicators (by 附2 order) a pilot misses in the demo: 5 key indicators, so the rule says "not met".
MISSED = (1, 2, 6, 10, 13)


@transaction.atomic
def load_demo_aftercare() -> PilotCall | None:
    if PilotCall.objects.filter(title=AFTERCARE_CALL_TITLE).exists():
        return None
    names = ["dept", "dept_leader", "finance", "agency"]
    names += [f"{prefix}_{code}" for code in AFTERCARE_REGIONS for prefix in ("bureau", "finbureau")]
    users = get_user_model().objects.in_bulk(names, field_name="username")
    call = _closed_call(title=AFTERCARE_CALL_TITLE, year=2022, regions=AFTERCARE_REGIONS, users=users, pilots_sought=8)
    _review_and_rank(call, users["agency"], regions=AFTERCARE_REGIONS, step="0.03")
    _select_publish_and_finalise(call, users)
    _approve_and_pay(call, users, count=len(AFTERCARE_REGIONS), amount=APPROVED_AMOUNT, pay_first=True)
    demo = _Demo(call, users)
    demo.implementing_with_change("150100")
    demo.midterm_reporting("150200")
    demo.midterm_deciding("150300")
    demo.midterm_rectifying("150400")
    demo.final_rating("150500")
    demo.awaiting_acceptance("150600")
    demo.completed("152200")
    demo.clawed_back("152500")
    return call


class _Demo:
    def __init__(self, call: PilotCall, users: dict):
        self.plans = {plan.region.code: plan for plan in call.plans.select_related("region")}
        self.officer, self.leader, self.finance = users["dept"], users["dept_leader"], users["finance"]
        self.users = users
        self.today = timezone.localdate()

    # --- the bureau's reports ---------------------------------------------------------------------------------

    def bureau(self, plan: PilotPlan):
        return self.users[f"bureau_{plan.region.code}"]

    def fill(self, report: Report, *, stage: str, missed=(), narrative: str) -> Report:
        """The bureau types every actual: the stage's target, or a little under it for the ``missed`` orders."""
        plan = report.plan
        orders = dict(plan.target_values.values_list("indicator_id", "indicator__order"))
        actuals = {}
        for target in stage_targets(version_in_force(plan), stage):
            value = target.target
            if orders[target.indicator_id] in missed:
                value = max(target.baseline or Decimal(0), value - max(value / 5, Decimal(1))).quantize(Decimal(1))
            actuals[target.indicator_id] = str(value)
        spending = {
            line.direction: {"subsidy_requested": str((line.subsidy_requested / 2).quantize(Decimal("0.01")))}
            for line in plan.fund_lines.all()
        }
        report_save(
            actor=self.bureau(plan), report=report, actuals=actuals, narrative=narrative, fund_spending=spending
        )
        return report_submit(actor=self.bureau(plan), report=report)

    def self_assessment(self, plan: PilotPlan, year: int) -> Report:
        return Report.objects.get(plan=plan, kind=Report.Kind.SELF_ASSESSMENT, year=year)

    # --- evaluations ------------------------------------------------------------------------------------------

    def open(self, plan: PilotPlan, stage: str) -> Evaluation:
        return evaluation_open(
            actor=self.officer, plan=plan, stage=stage, report_due_on=self.today + timedelta(days=30)
        )

    def report(self, evaluation: Evaluation, *, missed=()) -> Evaluation:
        report = Report.objects.get(evaluation=evaluation, kind=report_kind(evaluation.round))
        self.fill(
            report,
            stage=evaluation.stage,
            missed=missed,
            narrative="按批复的总体方案推进实施，各项指标完成情况如下，佐证材料另附。",
        )
        evaluation.refresh_from_db()
        return evaluation

    def rate_and_propose(self, evaluation: Evaluation) -> Evaluation:
        ratings = [
            RatingInput(indicator_id=row.target.indicator_id, met=bool(row.computed_met))
            for row in evaluation_page(evaluation).rows
        ]
        evaluation_rate(actor=self.officer, evaluation=evaluation, ratings=ratings)
        return evaluation_propose(
            actor=self.officer, evaluation=evaluation, opinion="经对照目标值逐项评定，形成评价意见如上。"
        )

    def decide(self, evaluation: Evaluation) -> Evaluation:
        return evaluation_decide(actor=self.leader, evaluation=evaluation, confirm=True, comment="同意评价意见。")

    def evaluated(self, plan: PilotPlan, stage: str, *, missed=()) -> Evaluation:
        evaluation = self.report(self.open(plan, stage), missed=missed)
        return self.decide(self.rate_and_propose(evaluation))

    def rectification(self, evaluation: Evaluation) -> Evaluation:
        return rectification_require(
            actor=self.officer,
            evaluation=evaluation,
            deadline=self.today + timedelta(days=90),
            items="1. 加快规上、规下企业数字化改造进度；2. 补齐平台建设和上云用数赋智指标差距；"
            "3. 报送整改报告及佐证材料。",
        )

    def pay(self, plan: PilotPlan, stage: str) -> None:
        instalment = Instalment.objects.get(plan=plan, stage=stage)
        pilot_services.payment_record(
            actor=self.finance,
            instalment=instalment,
            amount=instalment.amount,
            paid_on=self.today,
            voucher_number=f"演示-2022-{plan.region.code}-{instalment.order}",
        )

    def submit_change(self, plan: PilotPlan, *, parts: list[str], values: dict, reason: str, evidence: str):
        bureau = self.bureau(plan)
        change, _problems = pilot_services.change_save_draft(
            actor=bureau, plan=plan, parts=parts, proposed=only_parts(values, parts), reason=reason
        )
        pilot_services.change_evidence_attach(actor=bureau, change=change, uploaded=blank_pdf(evidence))
        return pilot_services.change_submit(actor=bureau, change=change)

    # --- one pilot per state ----------------------------------------------------------------------------------

    def implementing_with_change(self, code: str) -> None:
        plan = self.plans[code]
        report = self.self_assessment(plan, 1)
        self.fill(report, stage=Evaluation.Stage.FINAL, missed=MISSED, narrative="第一年度推进情况。")
        report_return(
            actor=self.officer, report=report, reasons="请补充改造企业名单及对应的验收佐证材料，并核对上云率口径。"
        )
        self.fill(report, stage=Evaluation.Stage.FINAL, missed=MISSED, narrative="第一年度推进情况（已补充佐证材料）。")
        report_accept(actor=self.officer, report=report)
        values = values_in_force(version_in_force(plan).snapshot)
        retrofit = next(row for row in version_in_force(plan).snapshot["targets"] if "改造规上" in row["name"])
        values["targets"][str(retrofit["indicator_id"])]["target"] = "70"
        change = self.submit_change(
            plan,
            parts=["targets"],
            values=values,
            reason="部分规上企业因产能调整推迟改造，经与企业逐户核实，拟将改造规上企业目标由80家调整为70家。",
            evidence="企业产能调整情况核实说明.pdf",
        )
        pilot_services.change_forward(actor=self.officer, change=change, opinion="理由充分，建议同意。")
        pilot_services.change_approve(actor=self.leader, change=change, comment="同意。")

    def midterm_reporting(self, code: str) -> None:
        plan = self.plans[code]
        self.open(plan, Evaluation.Stage.MIDTERM)
        # Its first self-assessment was due a week ago and has not come in.
        Report.objects.filter(pk=self.self_assessment(plan, 1).pk).update(due_on=self.today - timedelta(days=7))

    def midterm_deciding(self, code: str) -> None:
        plan = self.plans[code]
        self.rate_and_propose(self.report(self.open(plan, Evaluation.Stage.MIDTERM)))

    def midterm_rectifying(self, code: str) -> None:
        plan = self.plans[code]
        self.rectification(self.evaluated(plan, Evaluation.Stage.MIDTERM, missed=MISSED))
        values = values_in_force(version_in_force(plan).snapshot)
        retrofit = values["fund_lines"][FundLine.Direction.RETROFIT]
        retrofit["enterprise"] = str(Decimal(retrofit["enterprise"]) + 10_000_000)
        retrofit["subsidy_requested"] = str(Decimal(retrofit["subsidy_requested"]) - 10_000_000)
        self.submit_change(
            plan,
            parts=["funds"],
            values=values,
            reason="按批复金额调整资金计划：企业数字化改造申请的自治区奖补调减1000万元，由企业自筹补足。",
            evidence="资金计划调整说明（盖章）.pdf",
        )

    def final_rating(self, code: str) -> None:
        plan = self.plans[code]
        self.evaluated(plan, Evaluation.Stage.MIDTERM)
        self.report(self.open(plan, Evaluation.Stage.FINAL))

    def awaiting_acceptance(self, code: str) -> None:
        plan = self.plans[code]
        self.evaluated(plan, Evaluation.Stage.MIDTERM)
        self.pay(plan, Instalment.Stage.MIDTERM)
        self.evaluated(plan, Evaluation.Stage.FINAL)

    def completed(self, code: str) -> None:
        plan = self.plans[code]
        self.awaiting_acceptance(code)
        pilot_services.acceptance_record(
            actor=self.officer,
            plan=plan,
            summary="试点目标全面完成，产业链数字化改造成效明显，同意通过验收。",
            lessons="以链主企业带动上下游协同改造；“揭榜挂帅”遴选服务商；按改造成效分档奖补。",
        )
        self.pay(plan, Instalment.Stage.ACCEPTANCE)

    def clawed_back(self, code: str) -> None:
        plan = self.plans[code]
        evaluation = self.rectification(self.evaluated(plan, Evaluation.Stage.MIDTERM, missed=MISSED))
        evaluation = self.decide(self.rate_and_propose(self.report(evaluation, missed=MISSED)))
        clawback = pilot_services.clawback_decide(
            actor=self.leader,
            plan=plan,
            amount=Decimal("3000000.00"),
            reason="整改后关键指标仍未达标，按规定收回部分已拨付的专项资金。",
            evaluation_id=evaluation.pk,
        )
        pilot_services.clawback_record(
            actor=self.finance, clawback=clawback, recovered_on=self.today, voucher_number="演示-收回-2022-152500"
        )
