"""The national SME digital-transformation city pilot (国家中小企业数字化转型城市试点, seed 004): a city that won
the national pilot applies with the national approval document and its approved plan; the region grants
special funds. A second, simpler kind of call (``PilotCall.Kind.NATIONAL_SME_CITY``) on the same machinery:

- the plan holds only a title, the national approval PDF (``PilotPlan.national_approval``), the approved plan
  PDF (``PilotPlan.stamped_pdf``) and the grant requested: the ``subsidy_requested`` of its single fund line
  (direction 企业数字化改造), so the approval, its cap and the instalments read it as for any plan;
- no chains, enterprises, target table or co-signing; submission checks only those four things;
- the officer's completeness check accepting it makes it SELECTED at once (no expert review, no notice), and
  the approval and the instalments (the call's shares) follow as for any plan.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from documents.services import document_store
from documents.validation import PDF

from ..models import FundLine, PilotCall, PilotPlan
from ..pdf import format_money
from .plans import _touch, lock_editable_plan

GRANT_DIRECTION = FundLine.Direction.RETROFIT
CENTS = Decimal("0.01")
MONEY_LIMIT = Decimal("1e14")


def is_national(plan: PilotPlan) -> bool:
    return plan.call.kind == PilotCall.Kind.NATIONAL_SME_CITY


def grant_line(plan: PilotPlan) -> FundLine:
    """The fund line that carries the grant requested (made with the plan, see plans.plan_create)."""
    return FundLine(plan=plan, direction=GRANT_DIRECTION, description=_("国家中小企业数字化转型城市试点自治区专项资金"))


def requested_grant(plan: PilotPlan) -> Decimal:
    return sum((line.subsidy_requested for line in plan.fund_lines.all()), Decimal("0.00"))


def _require_national(plan: PilotPlan) -> None:
    if not is_national(plan):
        raise ValidationError(_("只有国家中小企业数字化转型城市试点的方案使用此项。"), code="not_national")


def clean_grant(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("请输入正确的申请金额（元）。"), code="invalid_amount") from None
    if not amount.is_finite():
        raise ValidationError(_("请输入正确的申请金额（元）。"), code="invalid_amount")
    if amount <= 0:
        raise ValidationError(_("申请金额必须大于0元。"), code="amount_not_positive")
    if amount != amount.quantize(CENTS):
        raise ValidationError(_("申请金额最多保留两位小数（精确到分）。"), code="amount_places")
    if amount >= MONEY_LIMIT:
        raise ValidationError(_("申请金额过大。"), code="amount_too_large")
    return amount.quantize(CENTS)


@transaction.atomic
def national_request_save(*, actor, plan: PilotPlan, title: str, amount) -> PilotPlan:
    """The title and the grant requested of a national SME city pilot plan."""
    plan = lock_editable_plan(plan)
    _require_national(plan)
    title = str(title or "").strip()
    if not title:
        raise ValidationError(_("请填写方案名称。"), code="title_required")
    amount = clean_grant(amount)
    line = FundLine.objects.select_for_update().filter(plan=plan, direction=GRANT_DIRECTION).first()
    line = line or grant_line(plan)
    before = {"title": plan.title, "amount": format_money(line.subsidy_requested)}
    plan.title = title
    line.subsidy_requested = amount
    line.full_clean()
    line.save()
    plan.full_clean()
    _touch(plan, "title")
    after = {"title": plan.title, "amount": format_money(amount)}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        record_event(actor=actor, action="plan.national_request_save", target=plan, changes=changes)
    return plan


@transaction.atomic
def national_approval_attach(*, actor, plan: PilotPlan, uploaded) -> PilotPlan:
    """The national approval document (工业和信息化部、财政部的批复), a PDF judged by content."""
    plan = lock_editable_plan(plan)
    _require_national(plan)
    document = document_store(
        actor=actor,
        uploaded=uploaded,
        organisation=plan.applicant,
        allowed=frozenset({PDF}),
        purpose="national_approval",
        owner=plan,
    )
    plan.national_approval = document
    _touch(plan, "national_approval")
    record_event(
        actor=actor,
        action="plan.national_approval_attach",
        target=plan,
        changes={"document": document.original_name, "sha256": document.sha256},
    )
    return plan


def national_submission_problems(plan: PilotPlan, *, now=None) -> list[str]:
    """What a national SME city pilot plan needs before it is submitted, each its own message."""
    problems = []
    if not plan.call.accepts_submissions(now):
        problems.append(
            _("申报批次未开放或已过截止时间（%(deadline)s），不能提交。")
            % {"deadline": timezone.localtime(plan.call.deadline).strftime("%Y-%m-%d %H:%M")}
        )
    if not plan.title.strip():
        problems.append(_("请填写方案名称。"))
    if plan.national_approval_id is None:
        problems.append(_("请上传国家中小企业数字化转型城市试点的批复文件（PDF）。"))
    if plan.stamped_pdf_id is None:
        problems.append(_("请上传经批准的城市试点实施方案（PDF）。"))
    if requested_grant(plan) <= 0:
        problems.append(_("请填写申请的自治区专项资金金额。"))
    return problems
