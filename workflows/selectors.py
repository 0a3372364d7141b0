"""The inbox: open tasks the user may act on, filtered by the same object rules as the pages."""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from viewflow.workflow.models import Task

from accounts.permissions import has_role
from accounts.roles import Role
from pilots.selectors import plans_visible_to

from .flows import PilotPlanFlow
from .services import OPEN

# Which role works on which task of the plan flow.
PLAN_TASK_ROLES = {
    PilotPlanFlow.draft: Role.APPLICANT,
    PilotPlanFlow.cosign: Role.COSIGNER,
    PilotPlanFlow.completeness_check: Role.DEPARTMENT_OFFICER,
}


@dataclass(frozen=True)
class InboxItem:
    task_id: int
    title: str
    subject: str
    status: str
    created: datetime
    url: str


def inbox(user, *, limit: int = 50) -> list[InboxItem]:
    nodes = [node for node, role in PLAN_TASK_ROLES.items() if has_role(user, role)]
    if not nodes:
        return []
    tasks = (
        Task.objects.filter(
            flow_task__in=nodes,
            status__in=OPEN,
            process__pilotplanprocess__plan__in=plans_visible_to(user).values("pk"),
        )
        .select_related("process__pilotplanprocess__plan__region", "process__pilotplanprocess__plan__call")
        .order_by("created")[:limit]
    )
    items = []
    for task in tasks:
        plan = task.process.pilotplanprocess.plan
        items.append(
            InboxItem(
                task_id=task.pk,
                title=str(task.flow_task.task_title),
                subject=f"{plan.region.name} · {plan.title}（{plan.get_status_display()}）",
                status=plan.status,
                created=task.created,
                url=reverse("workflows:task", kwargs={"task_pk": task.pk}),
            )
        )
    return items
