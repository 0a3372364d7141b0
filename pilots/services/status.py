from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event

from ..models import PilotPlan
from ..signals import plan_status_changed


def require_status(plan: PilotPlan, *allowed: str) -> None:
    if plan.status not in allowed:
        raise ValidationError(
            _("方案当前状态为“%(status)s”，不能执行此操作（可能已被他人处理，请刷新页面）。")
            % {"status": plan.get_status_display()},
            code="wrong_status",
        )


def move_plan(plan: PilotPlan, *, actor, action: str, to: str, extra: dict | None = None, fields=()) -> PilotPlan:
    """Change a (locked) plan's status, audit it and announce it, all in the caller's transaction."""
    before = plan.status
    plan.status = to
    plan.updated_at = timezone.now()
    plan.save(update_fields=["status", "updated_at", *fields])
    record_event(actor=actor, action=action, target=plan, changes={"status": [before, to], **(extra or {})})
    plan_status_changed.send(sender=PilotPlan, plan=plan, old=before, new=to, actor=actor)
    return plan
