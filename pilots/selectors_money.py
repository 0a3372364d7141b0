"""After the expert review: who may handle the preliminary list, the approval (批复) and the money, and the
reads of their pages. Every list here costs a fixed number of queries, whatever the number of rows.

The checks belong with the other ``can_*`` of pilots.permissions; they live here for now so that the
modules of this stage stay together (one check per object type, not found and not allowed look alike).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, Exists, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.permissions import has_role, is_province_wide_reader
from accounts.roles import Role

from .models import (
    Acceptance,
    Approval,
    Clawback,
    Instalment,
    Payment,
    PilotCall,
    PilotPlan,
    Selection,
    SelectionEntry,
)

# --- access checks ------------------------------------------------------------------------------------


def can_view_selection(user) -> bool:
    """The preliminary list before it is public: the Department and the auditors."""
    return has_role(user, Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR)


def can_propose_selection(user) -> bool:
    """Propose the list, publish it once approved, make it final after the notice: the officer."""
    return has_role(user, Role.DEPARTMENT_OFFICER)


def can_decide_selection(user, selection: Selection | None = None) -> bool:
    """Approve or return a proposed list: the leader only."""
    allowed = has_role(user, Role.DEPARTMENT_LEADER)
    return allowed and (selection is None or selection.status == Selection.Status.PROPOSED)


def can_draft_approval(user, plan: PilotPlan | None = None) -> bool:
    allowed = has_role(user, Role.DEPARTMENT_OFFICER)
    return allowed and (plan is None or plan.status == PilotPlan.Status.SELECTED)


def can_decide_approval(user, approval: Approval | None = None) -> bool:
    allowed = has_role(user, Role.DEPARTMENT_LEADER)
    return allowed and (approval is None or approval.status == Approval.Status.DRAFT)


def can_see_approval(user, approval: Approval) -> bool:
    """Whoever sees the plan sees its approval once issued; a draft stays inside the Department."""
    if approval.status == Approval.Status.APPROVED:
        return True
    return has_role(user, Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR)


def can_record_payment(user) -> bool:
    return has_role(user, Role.FINANCE_DEPARTMENT)


def can_view_payments_list(user) -> bool:
    """The province-wide list of instalments: the Finance Department, the Department, the auditors."""
    return is_province_wide_reader(user)


def can_decide_clawback(user, plan: PilotPlan | None = None) -> bool:
    """Decide to claw funds back (收回专项资金) from a pilot still not met after rectification: the leader."""
    allowed = has_role(user, Role.DEPARTMENT_LEADER)
    return allowed and (plan is None or plan.status == PilotPlan.Status.APPROVED)


def can_record_clawback(user, clawback: Clawback | None = None) -> bool:
    """Record that decided funds were recovered: the Finance Department."""
    allowed = has_role(user, Role.FINANCE_DEPARTMENT)
    return allowed and (clawback is None or clawback.status == Clawback.Status.DECIDED)


def can_record_acceptance(user, plan: PilotPlan | None = None) -> bool:
    """Record the acceptance (验收) of a pilot whose final evaluation was met: the officer."""
    allowed = has_role(user, Role.DEPARTMENT_OFFICER)
    return allowed and (plan is None or plan.phase == PilotPlan.Phase.AWAITING_ACCEPTANCE)


# --- the preliminary list ------------------------------------------------------------------------------


class RankedPlan(Protocol):
    """One line of the expert review's ranking (``evaluation.selectors.ranked_plans``)."""

    plan: PilotPlan
    rank: int | None
    mean: Decimal | None
    eligible: bool


# The expert review (evaluation, which depends on pilots) registers how to rank a call and what its
# experts suggested, in its AppConfig.ready(); pilots never imports evaluation.
_review = {"ranking": None, "suggestions": None}


def register_review(*, ranking, suggestions) -> None:
    _review.update(ranking=ranking, suggestions=suggestions)


# The evaluation (mid-term and final) registers how to find the evaluation a clawback rests on: the one
# confirmed not met after rectification (``plan -> evaluation id or None``). Registered in
# evaluation's AppConfig.ready(), like the ranking above.
_evaluation = {"failed": None}


def register_evaluation(*, failed) -> None:
    _evaluation.update(failed=failed)


def failed_evaluation_id(plan: PilotPlan) -> int | None:
    """The evaluation of ``plan`` confirmed not met after rectification, or None."""
    return _evaluation["failed"](plan) if _evaluation["failed"] else None


def ranked_plans(call: PilotCall) -> list[RankedPlan]:
    """The expert review's ranking of the call, best first."""
    return list(_review["ranking"](call)) if _review["ranking"] else []


def selections_of(call: PilotCall) -> list[Selection]:
    """The call's lists, newest first, each with its entries (plan and region) in two queries."""
    entries = SelectionEntry.objects.select_related("plan__region").order_by("rank", "plan__region__code")
    return list(
        Selection.objects.filter(call=call)
        .select_related("proposed_by", "decided_by")
        .prefetch_related(Prefetch("entries", queryset=entries))
        .order_by("-proposed_at", "-pk")
    )


def get_selection_for_user_or_404(user, pk) -> Selection:
    selection = Selection.objects.select_related("call", "proposed_by", "decided_by").filter(pk=pk).first()
    if selection is None or not can_view_selection(user):
        raise Http404
    return selection


def selection_entries(selection: Selection) -> QuerySet[SelectionEntry]:
    return selection.entries.select_related("plan__region").order_by("rank", "plan__region__code")


def call_notice(call: PilotCall):
    """The call's public notice of the preliminary list, or None."""
    from notices.models import PublicNotice

    return (
        PublicNotice.objects.filter(subject_type=ContentType.objects.get_for_model(PilotCall), subject_id=call.pk)
        .order_by("pk")
        .first()
    )


# --- the approval -----------------------------------------------------------------------------------------


def plan_approval(plan: PilotPlan) -> Approval | None:
    """The plan's approval with its version and PDF, in one query."""
    return Approval.objects.select_related("version", "pdf", "plan__region").filter(plan=plan).first()


def plan_instalments(plan: PilotPlan) -> list[Instalment]:
    """The plan's instalments with their payments, in one query."""
    return list(Instalment.objects.filter(plan=plan).select_related("payment__recorded_by").order_by("order", "pk"))


def revision_suggestions(plan: PilotPlan) -> str:
    """The experts' suggestions for revising the plan, to prefill the approval's revision requests."""
    return (_review["suggestions"](plan) or "") if _review["suggestions"] else ""


def requested_subsidy(snapshot: dict) -> Decimal:
    """The subsidy a frozen version asks for: the sum of its fund lines' ``subsidy_requested``."""
    return sum((Decimal(line["subsidy_requested"]) for line in snapshot.get("fund_lines", [])), Decimal("0.00"))


# --- the money -------------------------------------------------------------------------------------------


def instalments_due() -> QuerySet[Instalment]:
    """Every instalment waiting to be paid, oldest first, with what its row shows: one query."""
    return (
        Instalment.objects.filter(status=Instalment.Status.DUE)
        .select_related("plan__region", "plan__call", "plan__approval")
        .order_by("due_since", "pk")
    )


def recent_payments(limit: int = 50) -> QuerySet[Payment]:
    return Payment.objects.select_related(
        "instalment__plan__region", "instalment__plan__approval", "recorded_by"
    ).order_by("-recorded_at", "-pk")[:limit]


def get_instalment_for_user_or_404(user, pk) -> Instalment:
    instalment = (
        Instalment.objects.select_related("plan__region", "plan__call", "plan__approval", "payment")
        .filter(pk=pk)
        .first()
    )
    if instalment is None or not can_view_payments_list(user):
        raise Http404
    return instalment


# --- money of a pilot: approved, paid, clawed back, remaining ------------------------------------------

MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Money:
    """A pilot's money in yuan. ``clawed_back`` counts every decided clawback (recovered or not): a decided
    clawback counts against the approved amount at once."""

    approved: Decimal
    paid: Decimal
    clawed_back: Decimal
    recovered: Decimal

    @property
    def payable(self) -> Decimal:
        """The most that may ever be paid in total now: approved less clawed back."""
        return max(self.approved - self.clawed_back, ZERO)

    @property
    def remaining(self) -> Decimal:
        """What may still be paid: approved less clawed back less paid (never below 0)."""
        return max(self.approved - self.clawed_back - self.paid, ZERO)

    @property
    def max_clawback(self) -> Decimal:
        """The most a new clawback may take: paid less already clawed back."""
        return max(self.paid - self.clawed_back, ZERO)

    @property
    def awaiting_recovery(self) -> Decimal:
        return self.clawed_back - self.recovered


def _sum_of(model, *, plan_field: str, amount: str = "amount", **filters) -> Coalesce:
    rows = (
        model.objects.filter(**{plan_field: OuterRef("pk")}, **filters)
        .order_by()
        .values(plan_field)
        .annotate(total=Sum(amount))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def with_money(plans: QuerySet[PilotPlan]) -> QuerySet[PilotPlan]:
    """Annotate each plan with ``money_approved``, ``money_paid``, ``money_clawed_back`` and
    ``money_recovered`` (subqueries: still one query for the whole list)."""
    return plans.annotate(
        money_approved=_sum_of(Approval, plan_field="plan", amount="approved_amount", status=Approval.Status.APPROVED),
        money_paid=_sum_of(Payment, plan_field="instalment__plan"),
        money_clawed_back=_sum_of(Clawback, plan_field="plan"),
        money_recovered=_sum_of(Clawback, plan_field="plan", status=Clawback.Status.RECOVERED),
    )


def money_of(plan: PilotPlan) -> Money:
    """The money of a plan annotated by ``with_money``."""
    return Money(
        approved=plan.money_approved,
        paid=plan.money_paid,
        clawed_back=plan.money_clawed_back,
        recovered=plan.money_recovered,
    )


def plan_money(plan: PilotPlan) -> Money:
    """The money of one plan, in one query."""
    return money_of(with_money(PilotPlan.objects.filter(pk=plan.pk)).get())


def paid_total(plan_id: int) -> Decimal:
    """Paid so far (for the services, under the approval's lock)."""
    return Payment.objects.filter(instalment__plan_id=plan_id).aggregate(total=Sum("amount"))["total"] or ZERO


def clawed_back_total(plan_id: int) -> Decimal:
    """Every decided clawback, recovered or not (for the services, under the approval's lock)."""
    return Clawback.objects.filter(plan_id=plan_id).aggregate(total=Sum("amount"))["total"] or ZERO


# --- clawbacks and acceptance ---------------------------------------------------------------------------


def clawbacks_to_record() -> QuerySet[Clawback]:
    """Decided clawbacks waiting for the Finance Department, oldest first: one query."""
    return (
        Clawback.objects.filter(status=Clawback.Status.DECIDED)
        .select_related("plan__region", "plan__approval", "decided_by")
        .order_by("decided_at", "pk")
    )


def recent_recoveries(limit: int = 50) -> QuerySet[Clawback]:
    return (
        Clawback.objects.filter(status=Clawback.Status.RECOVERED)
        .select_related("plan__region", "plan__approval", "recorded_by")
        .order_by("-recorded_at", "-pk")[:limit]
    )


def plan_clawbacks(plan: PilotPlan) -> list[Clawback]:
    return list(
        Clawback.objects.filter(plan=plan).select_related("decided_by", "recorded_by").order_by("decided_at", "pk")
    )


def plan_acceptance(plan: PilotPlan) -> Acceptance | None:
    return Acceptance.objects.select_related("accepted_by").filter(plan=plan).first()


def get_clawback_for_user_or_404(user, pk) -> Clawback:
    clawback = (
        Clawback.objects.select_related("plan__region", "plan__call", "plan__approval", "decided_by", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if clawback is None or not can_view_payments_list(user):
        raise Http404
    return clawback


def get_approved_plan_for_user_or_404(user, pk) -> PilotPlan:
    """An approved pilot for the Department's and the Finance Department's money pages (the bureaus see
    their money on the plan page)."""
    plan = (
        with_money(PilotPlan.objects.filter(status=PilotPlan.Status.APPROVED))
        .select_related("region", "call", "approval")
        .filter(pk=pk)
        .first()
    )
    if plan is None or not can_view_payments_list(user):
        raise Http404
    return plan


# --- the inbox ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """Something of this stage waiting for someone: the inbox turns it into an InboxItem."""

    kind: str
    call: PilotCall | None = None
    selection: Selection | None = None
    instalment: Instalment | None = None
    clawback: Clawback | None = None
    since: object = None


def waiting_for(user) -> list[Waiting]:
    """What waits for the user at this stage: one query per kind of thing, whatever their number."""
    waiting = []
    if has_role(user, Role.DEPARTMENT_LEADER):
        for selection in Selection.objects.filter(status=Selection.Status.PROPOSED).select_related("call"):
            waiting.append(
                Waiting("decide_selection", call=selection.call, selection=selection, since=selection.proposed_at)
            )
    if has_role(user, Role.DEPARTMENT_OFFICER):
        waiting += _officer_waiting()
    if has_role(user, Role.FINANCE_DEPARTMENT):
        for instalment in instalments_due():
            waiting.append(Waiting("pay", instalment=instalment, since=instalment.due_since))
        for clawback in clawbacks_to_record():
            waiting.append(Waiting("recover", clawback=clawback, since=clawback.decided_at))
    return waiting


def _officer_waiting() -> list[Waiting]:
    waiting = []
    live = Selection.objects.filter(
        call=OuterRef("pk"), status__in=[Selection.Status.PROPOSED, Selection.Status.APPROVED]
    )
    # A ranked call without a list under way (none yet, or the last one returned): propose one.
    for call in (
        PilotCall.objects.filter(status=PilotCall.Status.RANKED).exclude(Exists(live)).select_related("ranking_report")
    ):
        report = getattr(call, "ranking_report", None)
        waiting.append(Waiting("propose", call=call, since=report.submitted_at if report else call.deadline))
    # An approved list of a call still ranked: publish it.
    for selection in Selection.objects.filter(
        status=Selection.Status.APPROVED, call__status=PilotCall.Status.RANKED
    ).select_related("call"):
        waiting.append(Waiting("publish", call=selection.call, selection=selection, since=selection.decided_at))
    # A notice whose period is over is offered by the notices inbox ("确定公示结果"); finalising it there
    # makes the list final too (apply_final_list is the notices finalise hook of pilots.pilotcall).
    return waiting
