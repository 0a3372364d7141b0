"""Acceptance (验收, domain.md step 8): after the final evaluation was met, the officer accepts the pilot with
the Department's opinion and the lessons for replication; the last instalment becomes due."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event

from ..models import Acceptance, Instalment, PilotPlan
from ..selectors_money import can_record_acceptance
from .payments import instalment_make_due


@transaction.atomic
def acceptance_record(*, actor, plan: PilotPlan, summary: str, lessons: str) -> Acceptance:
    if not can_record_acceptance(actor):
        raise PermissionDenied(_("只有工信厅经办人可以组织验收。"))
    plan = PilotPlan.objects.select_for_update(of=("self",)).select_related("region").get(pk=plan.pk)
    if Acceptance.objects.filter(plan=plan).exists():
        raise ValidationError(_("该试点已经验收，不能重复验收。"), code="already_accepted")
    if plan.phase != PilotPlan.Phase.AWAITING_ACCEPTANCE:
        raise ValidationError(
            _("试点当前阶段为“%(phase)s”，期后绩效评价达标后才能验收。") % {"phase": plan.get_phase_display() or "—"},
            code="wrong_phase",
        )
    summary, lessons = (summary or "").strip(), (lessons or "").strip()
    problems = []
    if not summary:
        problems.append(ValidationError(_("请填写验收意见。"), code="summary_required"))
    if not lessons:
        problems.append(ValidationError(_("请填写可复制推广的经验总结。"), code="lessons_required"))
    if problems:
        raise ValidationError(problems)
    acceptance = Acceptance(plan=plan, summary=summary, lessons=lessons, accepted_by=actor, accepted_at=timezone.now())
    acceptance.full_clean(validate_unique=False)
    acceptance.save(force_insert=True)
    plan.phase = PilotPlan.Phase.COMPLETED
    plan.save(update_fields=["phase"])
    record_event(
        actor=actor,
        action="plan.acceptance_record",
        target=plan,
        changes={
            "acceptance": acceptance.pk,
            "summary": summary,
            "lessons": lessons,
            "phase": [PilotPlan.Phase.AWAITING_ACCEPTANCE, PilotPlan.Phase.COMPLETED],
        },
    )
    instalment = (
        Instalment.objects.filter(plan=plan, stage=Instalment.Stage.ACCEPTANCE, status=Instalment.Status.SCHEDULED)
        .order_by("pk")
        .first()
    )
    if instalment is not None:
        instalment_make_due(actor=actor, instalment=instalment, reason=str(_("试点已验收")))
    return acceptance
