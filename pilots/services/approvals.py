"""The Department's approval (批复) of a selected plan (domain.md, pilot process step 5): the officer drafts
it, the leader approves or returns it. Approving takes the next document number of the year, without gaps,
schedules the subsidy in instalments and, after commit, prints the approval and tells the bureau.

Gapless numbers: the sequence row of the pattern and year is locked (``select_for_update``) until the
approving transaction ends, so a number is taken only by an approval that commits; drafts and returns take
none. Lock order: the plan, its approval, the sequence row (then the audit chain).
"""

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import organisation_of
from audit.services import record_event
from documents.pdf import render_pdf
from documents.services import document_store_generated
from documents.validation import PDF

from ..models import Approval, DocumentNumberSequence, Instalment, PilotCall, PilotPlan
from ..pdf import chinese_date, format_money
from ..selectors_money import can_decide_approval, can_draft_approval, requested_subsidy
from .selection import bureau_addresses
from .status import move_plan, require_status

CHINA = ZoneInfo("Asia/Shanghai")
CENTS = Decimal("0.01")
Status = PilotPlan.Status


def _lock_plan(plan: PilotPlan) -> PilotPlan:
    # of=("self",): lock the plan row only, not the call and region rows it is read with.
    return PilotPlan.objects.select_for_update(of=("self",)).select_related("call", "region").get(pk=plan.pk)


def _lock_approval(approval: Approval) -> Approval:
    return Approval.objects.select_for_update(of=("self",)).get(pk=approval.pk)


def clean_amount(value, *, requested: Decimal) -> Decimal:
    """The approved amount as Decimal yuan with two places, more than 0 and not above the request."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("请输入正确的批复金额（元）。"), code="invalid_amount") from None
    if not amount.is_finite():
        raise ValidationError(_("请输入正确的批复金额（元）。"), code="invalid_amount")
    if amount <= 0:
        raise ValidationError(_("批复金额必须大于0元。"), code="amount_not_positive")
    if amount != amount.quantize(CENTS):
        raise ValidationError(_("批复金额最多保留两位小数（精确到分）。"), code="amount_places")
    if requested <= 0:
        raise ValidationError(_("该版本方案未申请自治区奖补资金，不能批复奖补金额。"), code="nothing_requested")
    if amount > requested:
        raise ValidationError(
            _("批复金额（%(amount)s元）不能超过申请的奖补金额（%(requested)s元）。")
            % {"amount": format_money(amount), "requested": format_money(requested)},
            code="amount_above_request",
        )
    return amount.quantize(CENTS)


@transaction.atomic
def approval_draft(
    *, actor, plan: PilotPlan, approved_amount: Decimal, conditions: str, revision_requests: str
) -> Approval:
    """Draft (or re-draft, after a return) the approval of a selected plan, on its latest version."""
    if not can_draft_approval(actor):
        raise PermissionDenied(_("只有工信厅经办人可以起草批复。"))
    plan = _lock_plan(plan)
    require_status(plan, Status.SELECTED)
    version = plan.versions.order_by("-number").first()
    if version is None:
        raise ValidationError(_("该方案没有已提交的版本，不能起草批复。"), code="no_version")
    requested = requested_subsidy(version.snapshot)
    amount = clean_amount(approved_amount, requested=requested)
    approval = Approval.objects.select_for_update(of=("self",)).filter(plan=plan).first()
    if approval is not None and approval.status == Approval.Status.APPROVED:
        raise ValidationError(_("该方案已经批复，不能再修改批复。"), code="approved")
    redraft = approval is not None
    approval = approval or Approval(plan=plan)
    approval.version = version
    approval.requested_amount = requested
    approval.approved_amount = amount
    approval.conditions = conditions.strip()
    approval.revision_requests = revision_requests.strip()
    approval.status = Approval.Status.DRAFT
    approval.drafted_by = actor
    approval.full_clean()
    approval.save()
    record_event(
        actor=actor,
        action="plan.approval_draft",
        target=plan,
        changes={
            "approval": approval.pk,
            "version": version.number,
            "requested_amount": requested,
            "approved_amount": amount,
            "redraft": redraft,
        },
    )
    return approval


def number_key(pattern: str, year: int) -> str:
    """The sequence of a number pattern in one year: the pattern with the year filled in, e.g.
    ``内工信数字〔2025〕{number}号``. Calls that share a pattern share the sequence."""
    return pattern.format(year=year, number="{number}")


def take_document_number(pattern: str, year: int) -> str:
    """The next number of the pattern's sequence for ``year``. Must run inside the transaction that uses
    the number: the sequence row stays locked until it ends, so a rolled-back approval frees its number."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_document_number must run inside the transaction that uses the number")
    try:
        if "{number}" not in pattern:
            raise KeyError("number")
        key = number_key(pattern, year)
        pattern.format(year=year, number=1)
    except (KeyError, IndexError, ValueError):
        raise ValidationError(
            _("批复文号格式“%(pattern)s”有误：应包含 {year} 和 {number}，例如“内工信数字〔{year}〕{number}号”。")
            % {"pattern": pattern},
            code="bad_pattern",
        ) from None
    # Made once, by whoever comes first; a concurrent insert waits for that one and then does nothing.
    DocumentNumberSequence.objects.bulk_create([DocumentNumberSequence(key=key)], ignore_conflicts=True)
    sequence = DocumentNumberSequence.objects.select_for_update().get(key=key)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return pattern.format(year=year, number=sequence.last_number)


def instalment_schedule(call: PilotCall, approved: Decimal) -> list[tuple[str, Decimal, Decimal]]:
    """(stage, share, amount) for each instalment of the call's plan: each amount is the approved amount
    times the share, cut to cents (never rounded up, so nothing is paid ahead of its stage), and the last
    instalment takes the remainder, so the amounts add up to the approved amount exactly. A stage whose
    share is 0 % (or whose amount comes to 0.00) gets no instalment: there would be nothing to pay."""
    stages = [
        (Instalment.Stage.APPROVAL, call.share_at_approval),
        (Instalment.Stage.MIDTERM, call.share_after_midterm),
        (Instalment.Stage.ACCEPTANCE, call.share_after_acceptance),
    ]
    stages = [(stage, Decimal(share)) for stage, share in stages if Decimal(share) > 0]
    schedule = []
    paid_before = Decimal("0.00")
    for index, (stage, share) in enumerate(stages):
        if index == len(stages) - 1:
            amount = approved - paid_before
        else:
            amount = (approved * share / 100).quantize(CENTS, rounding=ROUND_DOWN)
        paid_before += amount
        schedule.append((stage, share, amount))
    return [(stage, share, amount) for stage, share, amount in schedule if amount > 0]


def _create_instalments(plan: PilotPlan, approved: Decimal) -> list[Instalment]:
    now = timezone.now()
    instalments = [
        Instalment(
            plan=plan,
            stage=stage,
            order=order,
            share=share,
            amount=amount,
            # The approval's own instalment is due at once; the others wait for the mid-term evaluation
            # and the acceptance (payments.instalment_make_due).
            status=Instalment.Status.DUE if stage == Instalment.Stage.APPROVAL else Instalment.Status.SCHEDULED,
            due_since=now if stage == Instalment.Stage.APPROVAL else None,
        )
        for order, (stage, share, amount) in enumerate(instalment_schedule(plan.call, approved), start=1)
    ]
    for instalment in instalments:
        instalment.full_clean()
    return Instalment.objects.bulk_create(instalments)


def _require_leader(actor) -> None:
    if not can_decide_approval(actor):
        raise PermissionDenied(_("只有工信厅领导可以审批批复。"))


def _require_draft(approval: Approval) -> None:
    if approval.status != Approval.Status.DRAFT:
        raise ValidationError(
            _("该批复当前状态为“%(status)s”，不能审批（可能已被处理，请刷新页面）。")
            % {"status": approval.get_status_display()},
            code="wrong_status",
        )


@transaction.atomic
def approval_approve(*, actor, approval: Approval) -> Approval:
    """Issue the approval: the next number of the year, today's date (Beijing time), the plan APPROVED,
    the instalments scheduled with the first one due. The PDF and the e-mail follow after commit."""
    _require_leader(actor)
    plan = _lock_plan(approval.plan)
    approval = _lock_approval(approval)
    _require_draft(approval)
    require_status(plan, Status.SELECTED)
    issued_on = timezone.localdate(timezone=CHINA)
    approval.number = take_document_number(plan.call.approval_number_pattern, issued_on.year)
    approval.issued_on = issued_on
    approval.status = Approval.Status.APPROVED
    approval.approved_by = actor
    approval.approved_at = timezone.now()
    approval.full_clean()
    approval.save()
    instalments = _create_instalments(plan, approval.approved_amount)
    plan.phase = PilotPlan.Phase.IMPLEMENTING
    move_plan(
        plan,
        actor=actor,
        action="plan.approve",
        to=Status.APPROVED,
        extra={
            "approval": approval.pk,
            "number": approval.number,
            "approved_amount": approval.approved_amount,
            "instalments": [[i.stage, i.share, i.amount] for i in instalments],
            "phase": plan.phase,
        },
        fields=["phase"],
    )
    mails = approval_mails(approval, plan, instalments)
    approval_id = approval.pk
    from ..tasks import render_approval_pdf

    transaction.on_commit(lambda: render_approval_pdf.delay(approval_id), robust=True)
    transaction.on_commit(lambda: send_approval_mails(mails), robust=True)
    return approval


@transaction.atomic
def approval_return(*, actor, approval: Approval, comment: str) -> Approval:
    """Back to the officer with the leader's comment; no number is taken."""
    _require_leader(actor)
    if not comment.strip():
        raise ValidationError(_("退回时请写明意见。"), code="comment_required")
    plan = _lock_plan(approval.plan)
    approval = _lock_approval(approval)
    _require_draft(approval)
    approval.status = Approval.Status.RETURNED
    approval.leader_comment = comment.strip()
    approval.save(update_fields=["status", "leader_comment"])
    record_event(
        actor=actor,
        action="plan.approval_return",
        target=plan,
        changes={"approval": approval.pk, "comment": approval.leader_comment},
    )
    return approval


# --- after commit: the e-mail and the PDF ------------------------------------------------------------------


def approval_mails(approval: Approval, plan: PilotPlan, instalments: list[Instalment]) -> list:
    recipients = bureau_addresses([plan.applicant_id]).get(plan.applicant_id)
    if not recipients:
        return []
    first = next((i for i in instalments if i.status == Instalment.Status.DUE), None)
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "region": plan.region.name,
            "title": plan.title,
            "number": approval.number,
            "amount": format_money(approval.approved_amount),
        }
        subject = _("【智改数转】《%(title)s》已批复（%(number)s）") % values
        message = (
            _(
                "%(region)s工业和信息化局：\n\n贵单位的《%(title)s》已经自治区工业和信息化厅批复，批复文号%(number)s，"
                "批复奖补资金%(amount)s元，按批复、中期评价达标、验收三个阶段分期拨付。"
            )
            % values
        )
        if first is not None:
            message += _("首期%(amount)s元已通知自治区财政厅拨付。") % {"amount": format_money(first.amount)}
        message += _("\n批复文件可在平台的方案页面下载。")
    return [(subject, message, recipients)]


def send_approval_mails(mails: list) -> None:
    for subject, message, recipients in mails:
        send_mail(subject, message, None, recipients)


DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")


def _four_digits(number: int) -> str:
    """1–9999 in capital numerals, one 零 for a run of zeros inside, none at the end."""
    text, zero = "", False
    for power in range(3, -1, -1):
        digit = number // 10**power % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[digit] + PLACES[power]
    return text


def _capital_integer(number: int) -> str:
    for scale, unit in ((10**8, "亿"), (10**4, "万")):
        if number >= scale:
            high, low = divmod(number, scale)
            rest = ""
            if low:
                rest = ("零" if low < scale // 10 else "") + _capital_integer(low)
            return _capital_integer(high) + unit + rest
    return _four_digits(number)


def chinese_capital_amount(amount: Decimal) -> str:
    """An amount in yuan as written on financial documents (大写金额): 1000000.01 → 壹佰万元零壹分."""
    cents = int((Decimal(amount).quantize(CENTS) * 100).to_integral_value())
    if cents < 0:
        raise ValueError("a negative amount has no capital form here")
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    text = _capital_integer(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return text


def approval_pdf_context(approval: Approval) -> dict:
    plan = approval.plan
    department = organisation_of(approval.approved_by) if approval.approved_by_id else None
    instalments = list(plan.instalments.order_by("order"))
    return {
        "approval": approval,
        "plan": plan,
        "region": plan.region.name,
        "recipient": plan.applicant.name,
        "department": department.name if department else _("内蒙古自治区工业和信息化厅"),
        "issued_on": chinese_date(approval.issued_on),
        "version": approval.version.number,
        "version_date": chinese_date(timezone.localtime(approval.version.created_at, CHINA).date()),
        "call": plan.call,
        "requested": format_money(approval.requested_amount),
        "amount": format_money(approval.approved_amount),
        "amount_capital": chinese_capital_amount(approval.approved_amount),
        "instalments": [
            {
                "stage": instalment.get_stage_display(),
                "share": f"{instalment.share.normalize():f}",
                "amount": format_money(instalment.amount),
                "amount_capital": chinese_capital_amount(instalment.amount),
            }
            for instalment in instalments
        ],
        "period_months": plan.call.period_months,
        "national": plan.call.kind == PilotCall.Kind.NATIONAL_SME_CITY,
    }


def approval_pdf_name(approval: Approval) -> str:
    return f"{approval.number}（{approval.plan.region.name}试点总体方案批复）.pdf"[:200]


def render_approval_pdf_now(approval_id: int):
    """Print an issued approval and keep the PDF with the plan (idempotent: the approval row is locked,
    and an approval that has its PDF already is returned as it is)."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        approval = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("plan__region", "plan__call", "plan__applicant", "version", "approved_by")
            .get(pk=approval_id)
        )
        if approval.pdf_id or approval.status != Approval.Status.APPROVED:
            return approval.pdf
        data = render_pdf("pdf/approval.html", approval_pdf_context(approval))
        document = document_store_generated(
            actor=None,
            data=data,
            name=approval_pdf_name(approval),
            content_type=PDF,
            organisation=approval.plan.applicant,
            purpose="approval_pdf",
            owner=approval.plan,
        )
        approval.pdf = document
        approval.save(update_fields=["pdf"])
        return document
