"""The inbox: open tasks the user may act on, filtered by the same object rules as the pages."""

from django.urls import reverse
from viewflow.workflow.models import Task

from accounts.inbox import InboxItem
from accounts.permissions import has_role
from accounts.roles import Role
from applications.selectors import inbox_items as applications_inbox
from evaluation.selectors import inbox_items as evaluation_inbox
from notices.selectors import inbox_items as notices_inbox
from pilots.selectors import inbox_items as pilots_inbox
from pilots.selectors import plans_visible_to

from .flows import PilotPlanFlow
from .services import OPEN

# Which role works on which task of the plan flow.
PLAN_TASK_ROLES = {
    PilotPlanFlow.draft: Role.APPLICANT,
    PilotPlanFlow.cosign: Role.COSIGNER,
    PilotPlanFlow.completeness_check: Role.DEPARTMENT_OFFICER,
    PilotPlanFlow.draft_approval: Role.DEPARTMENT_OFFICER,
    PilotPlanFlow.approve: Role.DEPARTMENT_LEADER,
}
# Other things waiting for the user, offered by the domain apps: callables user -> list[InboxItem].
DOMAIN_SOURCES = [evaluation_inbox, notices_inbox, pilots_inbox, applications_inbox]


def inbox(user, *, limit: int = 50) -> list[InboxItem]:
    items = plan_task_items(user, limit=limit) + [item for source in DOMAIN_SOURCES for item in source(user)]
    return sorted(items, key=lambda item: item.created)[:limit]


def plan_task_items(user, *, limit: int) -> list[InboxItem]:
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
                title=str(task.flow_task.task_title),
                subject=f"{plan.region.name} · {plan.title}（{plan.get_status_display()}）",
                created=task.created,
                url=reverse("workflows:task", kwargs={"task_pk": task.pk}),
            )
        )
    return items
