"""The subsidy paid in instalments (分期拨付): the Finance Department records each payment once.

The plan's approval row is locked first, then the instalment row (the approval first, like a clawback, so
that a payment and a clawback never wait for each other in a circle): two instalments of one plan are never
paid past the approved amount less what was clawed back, and a clawback sees every payment made before it.
A payment recorded twice finds the instalment paid and is refused, and the one-to-one
``Payment.instalment`` stops it in the database anyway.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event

from ..models import Approval, Instalment, Payment
from ..pdf import format_money
from ..selectors_money import can_record_payment, clawed_back_total, paid_total

CENTS = Decimal("0.01")


def _clean_payment_amount(value, instalment: Instalment) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("请输入正确的拨付金额（元）。"), code="invalid_amount") from None
    if not amount.is_finite():
        raise ValidationError(_("请输入正确的拨付金额（元）。"), code="invalid_amount")
    if amount <= 0:
        raise ValidationError(_("拨付金额必须大于0元。"), code="amount_not_positive")
    if amount != amount.quantize(CENTS):
        raise ValidationError(_("拨付金额最多保留两位小数（精确到分）。"), code="amount_places")
    if amount > instalment.amount:
        raise ValidationError(
            _("拨付金额（%(amount)s元）不能超过本期应拨付金额（%(due)s元）。")
            % {"amount": format_money(amount), "due": format_money(instalment.amount)},
            code="amount_above_instalment",
        )
    return amount.quantize(CENTS)


@transaction.atomic
def payment_record(*, actor, instalment: Instalment, amount: Decimal, paid_on: date, voucher_number: str) -> Payment:
    """Record the payment of a due instalment; the instalment becomes PAID."""
    if not can_record_payment(actor):
        raise PermissionDenied(_("只有自治区财政厅可以登记拨付。"))
    plan_id = Instalment.objects.values_list("plan_id", flat=True).get(pk=instalment.pk)
    approval = Approval.objects.select_for_update(of=("self",)).filter(plan_id=plan_id).first()
    instalment = Instalment.objects.select_for_update(of=("self",)).select_related("plan__region").get(pk=instalment.pk)
    if instalment.status == Instalment.Status.PAID or Payment.objects.filter(instalment=instalment).exists():
        raise ValidationError(_("该期资金已经登记拨付，不能重复登记。"), code="already_paid")
    if instalment.status == Instalment.Status.CANCELLED:
        raise ValidationError(_("该试点已决定收回专项资金，该期资金不再拨付。"), code="cancelled")
    if instalment.status != Instalment.Status.DUE:
        raise ValidationError(
            _("该期资金尚未到拨付条件（%(stage)s），不能登记拨付。") % {"stage": instalment.get_stage_display()},
            code="not_due",
        )
    if approval is None or approval.status != Approval.Status.APPROVED:
        raise ValidationError(_("该方案尚未批复，不能拨付。"), code="not_approved")
    amount = _clean_payment_amount(amount, instalment)
    if paid_on > timezone.localdate():
        raise ValidationError(_("拨付日期不能晚于今天。"), code="future_date")
    if approval.issued_on and paid_on < approval.issued_on:
        raise ValidationError(
            _("拨付日期不能早于批复日期（%(date)s）。") % {"date": approval.issued_on.isoformat()},
            code="before_approval",
        )
    paid = paid_total(instalment.plan_id)
    if paid + amount > approval.approved_amount:
        raise ValidationError(
            _("累计拨付金额（%(total)s元）将超过批复金额（%(approved)s元）。")
            % {"total": format_money(paid + amount), "approved": format_money(approval.approved_amount)},
            code="above_approved",
        )
    clawed = clawed_back_total(instalment.plan_id)
    if clawed and paid + amount > approval.approved_amount - clawed:
        raise ValidationError(
            _("累计拨付金额（%(total)s元）将超过批复金额减去已决定收回的金额（%(approved)s − %(clawed)s元）。")
            % {
                "total": format_money(paid + amount),
                "approved": format_money(approval.approved_amount),
                "clawed": format_money(clawed),
            },
            code="above_approved_less_clawed_back",
        )
    voucher_number = voucher_number.strip()
    if not voucher_number:
        raise ValidationError(_("请填写凭证号。"), code="voucher_required")
    if Payment.objects.filter(voucher_number=voucher_number).exists():
        raise ValidationError(
            _("凭证号“%(voucher)s”已经登记过，请核对。") % {"voucher": voucher_number}, code="voucher_used"
        )
    payment = Payment(
        instalment=instalment,
        amount=amount,
        paid_on=paid_on,
        voucher_number=voucher_number,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    payment.full_clean(validate_unique=False)
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin is turned into a message
            payment.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(
            _("凭证号“%(voucher)s”已经登记过，请核对。") % {"voucher": voucher_number}, code="voucher_used"
        ) from None
    instalment.status = Instalment.Status.PAID
    instalment.save(update_fields=["status"])
    record_event(
        actor=actor,
        action="plan.payment_record",
        target=instalment.plan,
        changes={
            "instalment": instalment.pk,
            "stage": instalment.stage,
            "amount": amount,
            "due": instalment.amount,
            "paid_on": paid_on,
            "voucher_number": voucher_number,
        },
    )
    return payment


@transaction.atomic
def instalment_make_due(*, actor, instalment: Instalment, reason: str = "") -> Instalment:
    """A later instalment becomes payable (the mid-term evaluation is passed, the pilot accepted)."""
    instalment = Instalment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=instalment.pk)
    if instalment.status != Instalment.Status.SCHEDULED:
        raise ValidationError(
            _("该期资金当前状态为“%(status)s”，不能再设为待拨付。") % {"status": instalment.get_status_display()},
            code="wrong_status",
        )
    instalment.status = Instalment.Status.DUE
    instalment.due_since = timezone.now()
    instalment.save(update_fields=["status", "due_since"])
    record_event(
        actor=actor,
        action="plan.instalment_due",
        target=instalment.plan,
        changes={
            "instalment": instalment.pk,
            "stage": instalment.stage,
            "amount": instalment.amount,
            "reasons": reason,
        },
    )
    return instalment
