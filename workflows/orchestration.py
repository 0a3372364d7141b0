"""Moving plan processes along when the domain says so. The call-level steps (experts assigned, list
final) change plan statuses in pilots/evaluation services; this receiver wakes the plan's waiting
Handle node in the same transaction."""

from django.dispatch import receiver

from pilots.models import PilotPlan
from pilots.signals import plan_status_changed

from .flows import PilotPlanFlow
from .services import open_task

WAKES = {
    PilotPlan.Status.IN_REVIEW: "awaiting_review",
    PilotPlan.Status.SELECTED: "awaiting_list",
    PilotPlan.Status.NOT_SELECTED: "awaiting_list",
}


@receiver(plan_status_changed, sender=PilotPlan)
def advance_plan_process(sender, plan: PilotPlan, old: str, new: str, **kwargs) -> None:
    node_name = WAKES.get(new)
    if node_name is None:
        return
    node = getattr(PilotPlanFlow, node_name)
    task = open_task(plan, node)
    if task is not None:  # plans made outside the flow (fixtures, imports) have no process to move
        node.run(task)
