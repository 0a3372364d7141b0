"""Clawback (收回专项资金) of a pilot still not met after rectification: the leader decides the amount, the
Finance Department records the recovery.

The money invariants, both checked under the row lock of the plan's approval (which ``payment_record``
takes too, before the instalment):

- a clawback takes at most what was paid less what was already clawed back;
- a payment keeps the total paid within the approved amount less every decided clawback.

So a payment and a clawback, or two clawbacks, at the same moment are serialised on the approval row, and
whoever comes second sees the first one's money. Lock order: plan, approval, instalments (the evaluation
services lock plan, evaluation, instalment; ``payment_record`` approval, instalment): never a circle.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event

from ..models import Approval, Clawback, Instalment, PilotPlan
from ..pdf import format_money
from ..selectors_money import (
    can_decide_clawback,
    can_record_clawback,
    clawed_back_total,
    failed_evaluation_id,
    paid_total,
)

CENTS = Decimal("0.01")


def clean_clawback_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("请输入正确的收回金额（元）。"), code="invalid_amount") from None
    if not amount.is_finite():
        raise ValidationError(_("请输入正确的收回金额（元）。"), code="invalid_amount")
    if amount <= 0:
        raise ValidationError(_("收回金额必须大于0元。"), code="amount_not_positive")
    if amount != amount.quantize(CENTS):
        raise ValidationError(_("收回金额最多保留两位小数（精确到分）。"), code="amount_places")
    return amount.quantize(CENTS)


def _lock_plan(plan_id: int) -> PilotPlan:
    return PilotPlan.objects.select_for_update(of=("self",)).select_related("region").get(pk=plan_id)


def _lock_approval(plan_id: int) -> Approval:
    approval = Approval.objects.select_for_update(of=("self",)).filter(plan_id=plan_id).first()
    if approval is None or approval.status != Approval.Status.APPROVED:
        raise ValidationError(_("该方案尚未批复，没有可收回的资金。"), code="not_approved")
    return approval


@transaction.atomic
def clawback_decide(
    *, actor, plan: PilotPlan, amount: Decimal, reason: str, evaluation_id: int | None = None
) -> Clawback:
    """The leader decides to claw back ``amount`` (at most paid less already clawed back). Instalments not yet
    paid are cancelled and the pilot's phase becomes clawed back. A further clawback of the same pilot may
    follow (within what is left)."""
    if not can_decide_clawback(actor):
        raise PermissionDenied(_("只有工信厅领导可以决定收回专项资金。"))
    plan = _lock_plan(plan.pk)
    approval = _lock_approval(plan.pk)
    failed = failed_evaluation_id(plan)
    if failed is None:
        raise ValidationError(
            _("只有整改后经评价仍未达标的试点才能收回专项资金（当前阶段：%(phase)s）。")
            % {"phase": plan.get_phase_display() or "—"},
            code="not_failed",
        )
    if evaluation_id is not None and int(evaluation_id) != failed:
        raise ValidationError(_("所依据的评价不是该试点整改后未达标的评价。"), code="wrong_evaluation")
    amount = clean_clawback_amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请写明收回理由。"), code="reason_required")
    paid = paid_total(plan.pk)
    clawed = clawed_back_total(plan.pk)
    maximum = max(paid - clawed, Decimal("0.00"))
    if maximum <= 0:
        raise ValidationError(
            _("该试点已拨付%(paid)s元，已决定收回%(clawed)s元，没有可再收回的资金。")
            % {"paid": format_money(paid), "clawed": format_money(clawed)},
            code="nothing_to_claw_back",
        )
    if amount > maximum:
        raise ValidationError(
            _("收回金额（%(amount)s元）不能超过已拨付金额减去已决定收回金额（%(paid)s − %(clawed)s = %(max)s元）。")
            % {
                "amount": format_money(amount),
                "paid": format_money(paid),
                "clawed": format_money(clawed),
                "max": format_money(maximum),
            },
            code="amount_above_paid",
        )
    clawback = Clawback(
        plan=plan,
        amount=amount,
        reason=reason,
        evaluation_id=failed,
        status=Clawback.Status.DECIDED,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    clawback.full_clean()
    clawback.save(force_insert=True)
    cancelled = list(
        Instalment.objects.select_for_update(of=("self",))
        .filter(plan=plan, status__in=(Instalment.Status.SCHEDULED, Instalment.Status.DUE))
        .order_by("order", "pk")
    )
    for instalment in cancelled:
        instalment.status = Instalment.Status.CANCELLED
        instalment.save(update_fields=["status"])
    phase = [plan.phase, PilotPlan.Phase.CLAWED_BACK]
    plan.phase = PilotPlan.Phase.CLAWED_BACK
    plan.save(update_fields=["phase"])
    record_event(
        actor=actor,
        action="plan.clawback_decide",
        target=plan,
        changes={
            "clawback": clawback.pk,
            "amount": amount,
            "reason": reason,
            "evaluation": failed,
            "approved": approval.approved_amount,
            "paid": paid,
            "clawed_back_before": clawed,
            "cancelled_instalments": [[i.stage, i.amount] for i in cancelled],
            "phase": phase,
        },
    )
    return clawback


@transaction.atomic
def clawback_record(*, actor, clawback: Clawback, recovered_on: date, voucher_number: str) -> Clawback:
    """The Finance Department records that the decided amount was recovered (once, with a unique voucher)."""
    if not can_record_clawback(actor):
        raise PermissionDenied(_("只有自治区财政厅可以登记收回资金。"))
    _lock_approval(clawback.plan_id)
    clawback = Clawback.objects.select_for_update(of=("self",)).select_related("plan").get(pk=clawback.pk)
    if clawback.status != Clawback.Status.DECIDED:
        raise ValidationError(_("该笔收回资金已经登记，不能重复登记。"), code="already_recorded")
    if not isinstance(recovered_on, date):
        raise ValidationError(_("请填写收回日期。"), code="date_required")
    if recovered_on > timezone.localdate():
        raise ValidationError(_("收回日期不能晚于今天。"), code="future_date")
    decided_on = timezone.localdate(clawback.decided_at)
    if recovered_on < decided_on:
        raise ValidationError(
            _("收回日期不能早于决定收回的日期（%(date)s）。") % {"date": decided_on.isoformat()},
            code="before_decision",
        )
    voucher_number = (voucher_number or "").strip()
    if not voucher_number:
        raise ValidationError(_("请填写收回凭证号。"), code="voucher_required")
    if Clawback.objects.filter(voucher_number=voucher_number).exists():
        raise ValidationError(
            _("收回凭证号“%(voucher)s”已经登记过，请核对。") % {"voucher": voucher_number}, code="voucher_used"
        )
    clawback.status = Clawback.Status.RECOVERED
    clawback.recovered_on = recovered_on
    clawback.voucher_number = voucher_number
    clawback.recorded_by = actor
    clawback.recorded_at = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin voucher is turned into a message
            clawback.save(update_fields=["status", "recovered_on", "voucher_number", "recorded_by", "recorded_at"])
    except IntegrityError:
        raise ValidationError(
            _("收回凭证号“%(voucher)s”已经登记过，请核对。") % {"voucher": voucher_number}, code="voucher_used"
        ) from None
    record_event(
        actor=actor,
        action="plan.clawback_record",
        target=clawback.plan,
        changes={
            "clawback": clawback.pk,
            "amount": clawback.amount,
            "recovered_on": recovered_on,
            "voucher_number": voucher_number,
        },
    )
    return clawback
