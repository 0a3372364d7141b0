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
