"""Reads. Each selector applies the viewer's permissions and fetches what its page needs in fixed queries."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from accounts.inbox import InboxItem
from accounts.permissions import has_role, is_province_wide_reader, organisation_of
from accounts.roles import Role
from audit.models import AuditEvent
from documents.models import Document

from .models import FundLine, Instalment, PilotCall, PilotPlan, PlanVersion, TargetValue


def plans_visible_to(user) -> QuerySet[PilotPlan]:
    plans = PilotPlan.objects.select_related("call", "region", "applicant")
    if is_province_wide_reader(user):
        return plans
    organisation = organisation_of(user)
    if organisation is None:
        return plans.none()
    if has_role(user, Role.APPLICANT, Role.COSIGNER):
        return plans.filter(region_id=organisation.region_id)
    if has_role(user, Role.AGENCY_COORDINATOR):
        from .permissions import REVIEWABLE

        return plans.filter(status__in=REVIEWABLE, call__kind=PilotCall.Kind.PILOT)
    if has_role(user, Role.EXPERT):
        return plans.filter(
            pilotplanuserobjectpermission__user=user,
            pilotplanuserobjectpermission__permission__codename="view_pilotplan",
        )
    return plans.none()


def plan_list(user, *, call: PilotCall | None = None, status: str | None = None) -> QuerySet[PilotPlan]:
    plans = plans_visible_to(user).annotate(
        enterprise_count=Count("enterprises", distinct=True), chain_count=Count("chains", distinct=True)
    )
    if call is not None:
        plans = plans.filter(call=call)
    if status:
        plans = plans.filter(status=status)
    return plans.order_by("call__year", "region__code")


def plan_detail(user, pk) -> PilotPlan:
    """The plan with everything its page shows, in a fixed number of queries (the approval with its version,
    and the instalments with their payments, included: one query for all instalments, not one each)."""
    from .permissions import get_plan_for_user_or_404

    queryset = (
        plans_visible_to(user)
        .select_related("stamped_pdf", "call__target_template", "approval__version")
        .prefetch_related(
            "chains",
            "phased_tasks",
            Prefetch("fund_lines", queryset=FundLine.objects.order_by("id")),
            Prefetch("target_values", queryset=TargetValue.objects.select_related("indicator")),
            "versions",
            Prefetch("instalments", queryset=Instalment.objects.select_related("payment").order_by("order")),
        )
    )
    return get_plan_for_user_or_404(user, pk, queryset=queryset)


def version_in_force(plan: PilotPlan) -> PlanVersion | None:
    """The version whose targets and fund plan count now: the approved one, or the newest approved change.

    After approval a plan's content changes only through an approved plan change, which freezes a new
    version; so the newest version of an approved plan is the one in force. Before approval it is the
    last submitted version (the one under review)."""
    return plan.versions.order_by("-number").first()


def calls_visible_to(user) -> QuerySet[PilotCall]:
    calls = PilotCall.objects.select_related("target_template")
    if has_role(user, Role.DEPARTMENT_OFFICER) or is_province_wide_reader(user):
        return calls
    if has_role(user, Role.APPLICANT, Role.COSIGNER):
        return calls.exclude(status=PilotCall.Status.DRAFT)
    return calls.none()


def fund_totals(plan: PilotPlan) -> dict[str, Decimal]:
    """Totals per source and overall, from the (prefetched) fund lines."""
    lines = list(plan.fund_lines.all())
    totals = {source: sum((getattr(line, source) for line in lines), Decimal("0.00")) for source in FundLine.SOURCES}
    totals["total"] = sum(totals.values(), Decimal("0.00"))
    return totals


def fund_totals_query(plan: PilotPlan) -> dict[str, Decimal]:
    sums = FundLine.objects.filter(plan=plan).aggregate(**{source: Sum(source) for source in FundLine.SOURCES})
    totals = {source: sums[source] or Decimal("0.00") for source in FundLine.SOURCES}
    totals["total"] = sum(totals.values(), Decimal("0.00"))
    return totals


def plan_timeline(plan: PilotPlan) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(target_type="pilots.pilotplan", target_id=str(plan.pk))
        .select_related("actor", "organisation")
        .order_by("created_at", "id")
    )


def retrofit_target_total(plan: PilotPlan) -> Decimal:
    return sum(
        (value.target or Decimal(0) for value in plan.target_values.all() if value.indicator.counts_as_retrofit),
        Decimal(0),
    )


def enterprise_summary(plan: PilotPlan) -> dict:
    return plan.enterprises.aggregate(
        count=Count("id"), to_retrofit=Count("id", filter=Q(to_retrofit=True)), srdi=Count("id", filter=Q(is_srdi=True))
    )


def plan_documents(plan: PilotPlan) -> QuerySet[Document]:
    return Document.objects.filter(
        owner_type=ContentType.objects.get_for_model(PilotPlan), owner_id=plan.pk
    ).select_related("uploaded_by")


# --- the inbox: the preliminary list, the approval's aftermath, the money --------------------------------


def inbox_items(user) -> list[InboxItem]:
    """What waits for the user after the expert review (the viewflow tasks come from workflows): the leader
    decides proposed lists; the officer proposes, publishes and makes lists final; the Finance Department
    pays due instalments. A fixed number of queries, whatever the number of items."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from .pdf import format_money
    from .selectors_money import waiting_for

    titles = {
        "decide_selection": _("审批初步名单"),
        "propose": _("拟定初步名单"),
        "publish": _("发布初步名单公示"),
        "pay": _("拨付试点奖补资金"),
        "recover": _("登记收回专项资金"),
    }
    items = []
    for waiting in waiting_for(user):
        if waiting.kind == "pay":
            instalment = waiting.instalment
            plan = instalment.plan
            amount = format_money(instalment.amount)
            subject = f"{plan.region.name} · {plan.title} · {instalment.get_stage_display()} {amount}元"
            url = reverse("pilots:payment_record", kwargs={"pk": instalment.pk})
        elif waiting.kind == "recover":
            clawback = waiting.clawback
            plan = clawback.plan
            subject = f"{plan.region.name} · {plan.title} · {format_money(clawback.amount)}元"
            url = reverse("pilots:clawback_record", kwargs={"pk": clawback.pk})
        else:
            subject = waiting.call.title
            if waiting.kind == "decide_selection":
                url = reverse("pilots:selection_decide", kwargs={"pk": waiting.selection.pk})
            else:
                url = reverse("pilots:selection", kwargs={"call_pk": waiting.call.pk})
        items.append(InboxItem(title=str(titles[waiting.kind]), subject=subject, created=waiting.since, url=url))
    from .selectors_changes import change_inbox_items

    return items + change_inbox_items(user)


def plan_field_history(plan: PilotPlan) -> list[dict]:
    """Every saved version of the plan row, newest first, with the fields that changed from the one before
    (django-simple-history): who, when, which field, old and new value."""
    records = list(plan.history.select_related("history_user").order_by("-history_date", "-history_id"))
    versions = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = (
            [(change.field, change.old, change.new) for change in record.diff_against(previous).changes]
            if previous
            else []
        )
        versions.append({"record": record, "changes": changes})
    return versions
