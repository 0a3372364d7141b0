from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from audit.services import diff, record_event, snapshot

from ..models import Indicator, PilotCall, ScoreCriterion, TargetTemplate

# The six review points of the 2024 guide (seed 004, step 3), equal weight, 100 points in all.
DEFAULT_CRITERIA = [
    ("authenticity", "真实性", Decimal(15)),
    ("completeness", "完整性", Decimal(15)),
    ("soundness", "科学性", Decimal(20)),
    ("feasibility", "可行性", Decimal(20)),
    ("fit", "符合国家产业方向和地区产业布局", Decimal(15)),
    ("realism", "目标和保障措施的合理性", Decimal(15)),
]
CALL_FIELDS = (
    "kind",
    "year",
    "title",
    "guide_text",
    "deadline",
    "pilots_sought",
    "period_months",
    "notice_working_days",
    "share_at_approval",
    "share_after_midterm",
    "share_after_acceptance",
    "min_retrofit_enterprises",
    "experts_per_plan",
    "pass_threshold",
    "spread_threshold",
    "approval_number_pattern",
    "target_template_id",
    "status",
)


@transaction.atomic
def call_create(*, actor, target_template: TargetTemplate, criteria=None, **fields) -> PilotCall:
    call = PilotCall(target_template=target_template, created_by=actor, **fields)
    call.full_clean()
    call.save()
    ScoreCriterion.objects.bulk_create(
        ScoreCriterion(call=call, order=order, code=code, name=name, max_points=points)
        for order, (code, name, points) in enumerate(criteria or DEFAULT_CRITERIA, start=1)
    )
    record_event(actor=actor, action="call.create", target=call, changes=snapshot(call, CALL_FIELDS))
    return call


@transaction.atomic
def call_update(*, actor, call: PilotCall, **fields) -> PilotCall:
    call = PilotCall.objects.select_for_update().get(pk=call.pk)
    before = snapshot(call, CALL_FIELDS)
    for name, value in fields.items():
        setattr(call, name, value)
    call.full_clean()
    call.save()
    record_event(actor=actor, action="call.update", target=call, changes=diff(before, snapshot(call, CALL_FIELDS)))
    return call


@transaction.atomic
def call_open(*, actor, call: PilotCall) -> PilotCall:
    call = PilotCall.objects.select_for_update().get(pk=call.pk)
    if call.status != PilotCall.Status.DRAFT:
        raise ValueError("only a draft call can be opened")
    call.status = PilotCall.Status.OPEN
    call.save(update_fields=["status"])
    record_event(actor=actor, action="call.open", target=call, changes={"status": ["draft", "open"]})
    return call


@transaction.atomic
def call_close(*, actor, call: PilotCall) -> PilotCall:
    call = PilotCall.objects.select_for_update().get(pk=call.pk)
    if call.status == PilotCall.Status.OPEN:
        call.status = PilotCall.Status.CLOSED
        call.save(update_fields=["status"])
        record_event(actor=actor, action="call.close", target=call, changes={"status": ["open", "closed"]})
    return call


def close_due_calls(*, now=None) -> list[PilotCall]:
    """Close every open call whose deadline has passed (run by the scheduler; submissions check the
    deadline themselves, so a late run of this job lets nothing through)."""
    now = now or timezone.now()
    due = PilotCall.objects.filter(status=PilotCall.Status.OPEN, deadline__lte=now)
    return [call_close(actor=None, call=call) for call in due]


@transaction.atomic
def target_template_copy(*, actor, template: TargetTemplate, name: str) -> TargetTemplate:
    """A new, editable copy of a template for a later call; the original stays as it is."""
    copy = TargetTemplate(name=name, copied_from=template)
    copy.full_clean()
    copy.save()
    Indicator.objects.bulk_create(
        Indicator(
            template=copy,
            order=indicator.order,
            level1=indicator.level1,
            level2=indicator.level2,
            name=indicator.name,
            unit=indicator.unit,
            kind=indicator.kind,
            is_key=indicator.is_key,
            counts_as_retrofit=indicator.counts_as_retrofit,
        )
        for indicator in template.indicators.all()
    )
    record_event(actor=actor, action="target_template.copy", target=copy, changes={"copied_from": template.name})
    return copy
