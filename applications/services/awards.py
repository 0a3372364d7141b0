"""The end of an application's way: the round's public notice (notices), the Department leader's approval
(one of a flagged pair only), the payment schedule under the fiscal-contribution cap, and payments.
Keyword-only, one transaction each, the rows they change locked, an audit event inside."""

from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from accounts.permissions import has_role
from accounts.roles import Role
from audit.services import record_event

from ..models import FiscalContribution, SubsidyApplication, SubsidyPayment, SubsidyRound
from ..selectors import today
from .cases import Status, _expect, _lock, _move
from .payments import schedule_payments

# The round's public notice ------------------------------------------------------------------------------


@transaction.atomic
def round_notice_publish(*, actor, subsidy_round: SubsidyRound, starts_on: date | None = None):
    """Publish the round's list (every application the city passed, after expert review where needed)."""
    from notices.services import EntrySpec, notice_publish

    if not has_role(actor, Role.DEPARTMENT_OFFICER):
        raise ValidationError(_("只有工信厅经办人可以发布公示。"))
    subsidy_round = SubsidyRound.objects.select_for_update(of=("self",)).get(pk=subsidy_round.pk)
    if subsidy_round.status not in (SubsidyRound.Status.OPEN, SubsidyRound.Status.CLOSED):
        raise ValidationError(_("该批次已公示。"))
    if subsidy_round.applications.filter(status=Status.EXPERT_REVIEW).exists():
        raise ValidationError(_("尚有申报在专家评审中，评审结束后再公示。"))
    applications = list(
        SubsidyApplication.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(round=subsidy_round, status=Status.CITY_PASSED)
        .order_by("pk")
    )
    if not applications:
        raise ValidationError(_("没有可公示的申报。"))
    entries = [
        EntrySpec(
            label=app.enterprise.name,
            title=app.project_name,
            detail=_("拟奖补 %(amount)s 元") % {"amount": f"{app.recommended_amount:,.2f}"},
            subject=app,
        )
        for app in applications
    ]
    notice = notice_publish(
        actor=actor,
        subject=subsidy_round,
        title=_("%(round)s拟奖补项目公示") % {"round": subsidy_round.title},
        body=_("根据%(policy)s，经企业申报、旗县区初审、盟市审核和专家评审，现将拟奖补项目名单予以公示。")
        % {"policy": subsidy_round.policy},
        entries=entries,
        working_days=subsidy_round.notice_working_days,
        starts_on=starts_on,
    )
    for app in applications:
        _move(app, actor=actor, action="subsidy_application.notice", to=Status.IN_NOTICE, changes={"notice": notice.pk})
    before = subsidy_round.status
    subsidy_round.status = SubsidyRound.Status.IN_NOTICE
    subsidy_round.save(update_fields=["status"])
    record_event(
        actor=actor,
        action="subsidy_round.notice",
        target=subsidy_round,
        changes={"status": [before, subsidy_round.status], "notice": notice.pk},
    )
    return notice


def apply_round_notice_result(*, actor, notice) -> list[SubsidyApplication]:
    """Finalise hook for ``applications.subsidyround``: an entry kept → NOTICE_PASSED, withdrawn →
    NOT_APPROVED; the round FINAL. Idempotent."""
    from notices.models import NoticeEntry, PublicNotice

    notice = PublicNotice.objects.get(pk=notice.pk)
    if notice.subject_type_id != ContentType.objects.get_for_model(SubsidyRound).pk:
        raise ValueError("not the notice of a subsidy round")
    subsidy_round = SubsidyRound.objects.select_for_update(of=("self",)).get(pk=notice.subject_id)
    if subsidy_round.status != SubsidyRound.Status.IN_NOTICE or notice.status != PublicNotice.Status.FINAL:
        return []
    app_type = ContentType.objects.get_for_model(SubsidyApplication)
    withdrawn = set(
        NoticeEntry.objects.filter(notice=notice, subject_type=app_type, withdrawn=True).values_list(
            "subject_id", flat=True
        )
    )
    moved = []
    for app in (
        SubsidyApplication.objects.select_for_update(of=("self",))
        .filter(round=subsidy_round, status=Status.IN_NOTICE)
        .order_by("pk")
    ):
        to = Status.NOT_APPROVED if app.pk in withdrawn else Status.NOTICE_PASSED
        _move(app, actor=actor, action="subsidy_application.notice_result", to=to, changes={"notice": notice.pk})
        moved.append(app)
    subsidy_round.status = SubsidyRound.Status.FINAL
    subsidy_round.save(update_fields=["status"])
    record_event(
        actor=actor,
        action="subsidy_round.final",
        target=subsidy_round,
        changes={"status": [SubsidyRound.Status.IN_NOTICE, SubsidyRound.Status.FINAL]},
    )
    return moved


# Approval and payments ----------------------------------------------------------------------------------


def stacking_partner_approved(application: SubsidyApplication) -> SubsidyApplication | None:
    """The approved other half of a flagged pair, if any (就高不重复: only one of them may be approved)."""
    partners = SubsidyApplication.objects.filter(status=Status.APPROVED).exclude(pk=application.pk)
    if application.stacking_with_id:
        partner = partners.filter(pk=application.stacking_with_id).first()
        if partner:
            return partner
    return partners.filter(stacking_with_id=application.pk).first()


def _contributions(enterprise_id: int) -> dict[int, Decimal]:
    return dict(FiscalContribution.objects.filter(enterprise_id=enterprise_id).values_list("year", "amount"))


def _other_awards(application: SubsidyApplication) -> dict[int, Decimal]:
    other: dict[int, Decimal] = {}
    for year, amount in (
        SubsidyPayment.objects.filter(application__enterprise_id=application.enterprise_id)
        .exclude(application_id=application.pk)
        .values_list("year", "scheduled_amount")
    ):
        other[year] = other.get(year, Decimal(0)) + amount
    return other


def _reschedule(application: SubsidyApplication) -> None:
    """Schedule rows from the approval year under the fiscal cap; rows already paid stay as they are."""
    paid = {p.year: p for p in application.payments.select_for_update() if p.paid_amount is not None}
    remaining = application.approved_amount - sum((p.paid_amount for p in paid.values()), Decimal(0))
    contributions = {
        year: amount for year, amount in _contributions(application.enterprise_id).items() if year not in paid
    }
    schedule = schedule_payments(
        amount=remaining,
        fiscal_contribution_by_year=contributions,
        first_year=application.approved_on.year,
        other_awards_by_year=_other_awards(application),
    )
    application.payments.filter(paid_amount__isnull=True).delete()
    SubsidyPayment.objects.bulk_create(
        [
            SubsidyPayment(application=application, year=year, scheduled_amount=amount)
            for year, amount in schedule.items()
            if amount > 0
        ]
    )


@transaction.atomic
def application_approve(
    *, actor, application: SubsidyApplication, approve: bool, amount: Decimal | None = None, comment: str = ""
) -> SubsidyApplication:
    """The Department leader approves (amount ≤ recommended) or not; the payment schedule follows."""
    # The flagged pair is locked together (in id order): two leaders approving both halves at once cannot
    # both pass the "only one" check.
    list(
        SubsidyApplication.objects.select_for_update(of=("self",))
        .filter(Q(pk=application.pk) | Q(pk=application.stacking_with_id) | Q(stacking_with_id=application.pk))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    application = _lock(application)
    if not has_role(actor, Role.DEPARTMENT_LEADER):
        raise ValidationError(_("只有工信厅领导可以批准。"))
    _expect(application, Status.NOTICE_PASSED)
    if not approve:
        if not comment.strip():
            raise ValidationError({"comment": _("不予批准时请写明理由。")})
        application.review_comment = comment.strip()
        _move(
            application,
            actor=actor,
            action="subsidy_application.not_approve",
            to=Status.NOT_APPROVED,
            changes={"comment": comment.strip()},
        )
        return application
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("请填写大于0的批准金额。")})
    if amount > application.recommended_amount:
        raise ValidationError(
            {"amount": _("批准金额不能超过推荐金额 %(amount)s 元。") % {"amount": application.recommended_amount}}
        )
    partner = stacking_partner_approved(application)
    if partner is not None:
        raise ValidationError(
            _("按就高不重复原则，同一项目只能批准一项：已批准“%(name)s”（编号 %(pk)s）。")
            % {"name": partner.project_name, "pk": partner.pk},
            code="stacking",
        )
    application.approved_amount = amount
    application.approved_on = today()
    application.review_comment = comment.strip()
    _move(
        application,
        actor=actor,
        action="subsidy_application.approve",
        to=Status.APPROVED,
        changes={"approved_amount": str(amount)},
    )
    _reschedule(application)
    return application


@transaction.atomic
def fiscal_contribution_record(*, actor, enterprise: Organisation, year: int, amount: Decimal) -> FiscalContribution:
    """The finance side enters (or corrects) an enterprise's contribution for a year; the unpaid part of
    its approved awards is rescheduled."""
    if not has_role(actor, Role.FINANCE_DEPARTMENT):
        raise ValidationError(_("只有财政厅可以录入地方财政贡献。"))
    if enterprise.kind != Organisation.Kind.ENTERPRISE:
        raise ValidationError(_("只能为企业录入地方财政贡献。"))
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("金额不能为负数。")})
    row = FiscalContribution.objects.select_for_update(of=("self",)).filter(enterprise=enterprise, year=year).first()
    before = str(row.amount) if row else None
    if row is None:
        row = FiscalContribution(enterprise=enterprise, year=year, amount=amount, entered_by=actor)
    else:
        row.amount, row.entered_by, row.entered_at = amount, actor, timezone.now()
    row.full_clean(validate_constraints=False)
    row.save()
    record_event(
        actor=actor,
        action="fiscal_contribution.record",
        target=row,
        changes={"enterprise": enterprise.pk, "year": year, "amount": [before, str(amount)]},
    )
    for application in (
        SubsidyApplication.objects.select_for_update(of=("self",))
        .filter(enterprise=enterprise, status=Status.APPROVED)
        .order_by("approved_on", "pk")
    ):
        _reschedule(application)
    return row


@transaction.atomic
def payment_record(*, actor, payment: SubsidyPayment, amount: Decimal, paid_on: date, voucher: str) -> SubsidyPayment:
    """The Finance Department records the payment of one year's row (once; paid ≤ scheduled)."""
    if not has_role(actor, Role.FINANCE_DEPARTMENT):
        raise ValidationError(_("只有财政厅可以登记兑付。"))
    payment = SubsidyPayment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    if payment.paid_amount is not None:
        raise ValidationError(_("该年度已登记兑付，不能重复登记。"))
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("请填写大于0的兑付金额。")})
    if amount > payment.scheduled_amount:
        raise ValidationError(
            {"amount": _("兑付金额不能超过计划兑付 %(amount)s 元。") % {"amount": payment.scheduled_amount}}
        )
    if not voucher.strip():
        raise ValidationError({"voucher": _("请填写凭证号。")})
    payment.paid_amount, payment.paid_on, payment.voucher, payment.recorded_by = amount, paid_on, voucher.strip(), actor
    payment.save()
    record_event(
        actor=actor,
        action="subsidy_payment.record",
        target=payment,
        changes={"year": payment.year, "paid_amount": str(amount), "voucher": payment.voucher},
    )
    return payment
