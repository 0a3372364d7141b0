"""Writes of subsidy applications: draft, submit, county and city review, expert review, the round's
public notice, approval, the payment schedule and payments. Keyword-only, one transaction each, the rows
they change locked, an audit event inside. Raise ValidationError with Chinese messages."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from accounts.permissions import has_role, organisation_of
from accounts.roles import Role
from audit.services import record_event

from ..models import (
    ApplicationExpertReview,
    FiscalContribution,
    InvestmentItem,
    SubsidyApplication,
    SubsidyPayment,
    SubsidyRound,
)
from ..selectors import CHINA, today
from .payments import schedule_payments
from .quotes import quote_subsidy

Status = SubsidyApplication.Status
# Applications that count for 就高不重复: everything submitted and not turned down.
LIVE = [s for s in Status.values if s not in (Status.DRAFT, Status.REJECTED, Status.NOT_APPROVED)]
PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class InvestmentSpec:
    kind: str
    description: str
    amount: Decimal
    invoice_number: str


def project_key(name: str) -> str:
    """The project name as compared for stacking: width-folded, lower case, without spaces or punctuation."""
    return PUNCTUATION.sub("", unicodedata.normalize("NFKC", name or "")).lower()


def _facts_as_json(facts: dict) -> dict:
    return {code: str(value) for code, value in facts.items() if value not in (None, "")}


def _lock(application: SubsidyApplication) -> SubsidyApplication:
    return (
        SubsidyApplication.objects.select_for_update(of=("self",))
        .select_related("round__policy", "enterprise", "county__parent")
        .get(pk=application.pk)
    )


def _move(application, *, actor, action: str, to: str, changes: dict | None = None) -> None:
    before = application.status
    application.status = to
    application.save()
    record_event(
        actor=actor,
        action=action,
        target=application,
        changes={"status": [before, to], **(changes or {})},
    )


def _expect(application, *statuses) -> None:
    if application.status not in statuses:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”，不能进行此操作。") % {"status": application.get_status_display()}
        )


def round_closed_message(subsidy_round: SubsidyRound) -> str:
    closes = timezone.localtime(subsidy_round.closes_at, CHINA).strftime("%Y-%m-%d %H:%M")
    opens = timezone.localtime(subsidy_round.opens_at, CHINA).strftime("%Y-%m-%d %H:%M")
    return _("“%(round)s”不在受理期内（%(opens)s 至 %(closes)s，北京时间），不能申报。") % {
        "round": subsidy_round.title,
        "opens": opens,
        "closes": closes,
    }


def _check_round_open(subsidy_round: SubsidyRound) -> None:
    if not subsidy_round.accepts_on(timezone.now()):
        raise ValidationError(round_closed_message(subsidy_round), code="round_closed")


def _quote(application: SubsidyApplication, facts: dict):
    return quote_subsidy(
        category_code=application.category_code,
        facts=facts,
        policy_code=application.round.policy.code,
        on_date=today(),
    )


# Enterprise ---------------------------------------------------------------------------------------------


@transaction.atomic
def application_save(
    *,
    actor,
    subsidy_round: SubsidyRound,
    enterprise: Organisation,
    project_name: str,
    category_code: str,
    period_from: date,
    period_to: date,
    county,
    facts: dict,
    investments: list[InvestmentSpec],
    application: SubsidyApplication | None = None,
) -> SubsidyApplication:
    """Create or change a draft (or a returned application). The quote is computed here, never typed."""
    own = organisation_of(actor)
    if not has_role(actor, Role.ENTERPRISE) or own is None or own.pk != enterprise.pk:
        raise ValidationError(_("只能以本企业名义申报。"), code="not_own_enterprise")
    if enterprise.kind != Organisation.Kind.ENTERPRISE:
        raise ValidationError(_("只有企业可以申报。"))
    _check_round_open(subsidy_round)
    if county.level != county.Level.COUNTY:
        raise ValidationError({"county": _("请选择项目所在旗县区。")})
    if subsidy_round.regions.exists() and not subsidy_round.regions.filter(pk=county.parent_id).exists():
        raise ValidationError({"county": _("该批次不受理此地区的项目。")})
    if not subsidy_round.policy.categories.filter(code=category_code).exists():
        raise ValidationError({"category_code": _("该批次的政策不含此奖补类别。")})
    if application is None:
        application = SubsidyApplication(round=subsidy_round, enterprise=enterprise, created_by=actor)
        action = "subsidy_application.create"
    else:
        application = _lock(application)
        if application.enterprise_id != enterprise.pk:
            raise ValidationError(_("只能以本企业名义申报。"), code="not_own_enterprise")
        _expect(application, *SubsidyApplication.EDITABLE)
        action = "subsidy_application.update"
    application.project_name = project_name.strip()
    application.project_key = project_key(project_name)
    application.category_code = category_code
    application.period_from = period_from
    application.period_to = period_to
    application.county = county
    application.facts = _facts_as_json(facts)
    quote = _quote(application, application.facts)
    application.quote_eligible = quote.eligible
    application.quote_amount = quote.amount
    application.quote_reasons = list(quote.reasons)
    application.full_clean(exclude=["created_by", "round", "enterprise"])
    application.save()
    application.investments.all().delete()
    InvestmentItem.objects.bulk_create(
        [
            InvestmentItem(
                application=application,
                kind=item.kind,
                description=item.description,
                amount=item.amount,
                invoice_number=item.invoice_number.strip(),
            )
            for item in investments
        ]
    )
    record_event(
        actor=actor,
        action=action,
        target=application,
        changes={
            "project_name": application.project_name,
            "category_code": category_code,
            "facts": application.facts,
            "quote_amount": str(application.quote_amount),
            "investments": [f"{i.kind} {i.amount} {i.invoice_number}" for i in investments],
        },
    )
    return application


def find_stacking(application: SubsidyApplication) -> SubsidyApplication | None:
    """The first other live application of the same enterprise for the same project (normalised name) or
    with the identical invoice set, under any category or policy."""
    invoices = {item.invoice_number for item in application.investments.all() if item.invoice_number}
    others = (
        SubsidyApplication.objects.filter(enterprise_id=application.enterprise_id, status__in=LIVE)
        .exclude(pk=application.pk)
        .prefetch_related("investments")
        .order_by("submitted_at", "pk")
    )
    for other in others:
        if other.project_key == application.project_key:
            return other
        other_invoices = {item.invoice_number for item in other.investments.all() if item.invoice_number}
        if invoices and other_invoices == invoices:
            return other
    return None


@transaction.atomic
def application_submit(*, actor, application: SubsidyApplication) -> SubsidyApplication:
    """Submit to the county bureau. Not eligible → refused with the quote's reasons; the same project
    already applied for → submitted with a stacking warning naming the first application."""
    application = _lock(application)
    own = organisation_of(actor)
    if own is None or own.pk != application.enterprise_id or not has_role(actor, Role.ENTERPRISE):
        raise ValidationError(_("只能以本企业名义申报。"), code="not_own_enterprise")
    _expect(application, *SubsidyApplication.EDITABLE)
    _check_round_open(application.round)
    # Submissions of one enterprise one at a time: two copies of a project submitted together must still
    # see each other for the stacking check.
    Organisation.objects.select_for_update().filter(pk=application.enterprise_id).first()
    quote = _quote(application, application.facts)
    application.quote_eligible, application.quote_amount = quote.eligible, quote.amount
    application.quote_reasons = list(quote.reasons)
    if not quote.eligible:
        application.save()
        raise ValidationError([_("测算结果不符合奖补条件，不能提交："), *quote.reasons], code="not_eligible")
    first = find_stacking(application)
    application.stacking_flag = first is not None
    application.stacking_with = first
    application.stacking_note = (
        _("与本企业已提交的申报“%(name)s”（编号 %(pk)s）为同一项目或发票相同，按就高不重复原则只能批准其中一项。")
        % {"name": first.project_name, "pk": first.pk}
        if first
        else ""
    )
    application.submitted_at = timezone.now()
    _move(
        application,
        actor=actor,
        action="subsidy_application.submit",
        to=Status.SUBMITTED,
        changes={"quote_amount": str(quote.amount), "stacking_with": first.pk if first else None},
    )
    return application


# Reviews ------------------------------------------------------------------------------------------------


@transaction.atomic
def county_review(
    *,
    actor,
    application: SubsidyApplication,
    passed: bool,
    comment: str,
    recognised_facts: dict | None = None,
    reasons: str = "",
) -> SubsidyApplication:
    """The county bureau's first review: pass (optionally with reduced recognised facts, the recognised
    quote recomputed) or return to the enterprise."""
    from ..permissions import can_county_review

    application = _lock(application)
    if not can_county_review(actor, application):
        raise ValidationError(_("您无权初审该申报。"))
    _expect(application, Status.SUBMITTED)
    if not passed:
        if not comment.strip():
            raise ValidationError({"comment": _("退回时请写明退回理由。")})
        application.review_comment = comment.strip()
        _move(
            application,
            actor=actor,
            action="subsidy_application.county_return",
            to=Status.COUNTY_RETURNED,
            changes={"comment": comment.strip()},
        )
        return application
    recognised = dict(application.facts)
    if recognised_facts:
        recognised.update(_facts_as_json(recognised_facts))
    changed = recognised != application.facts
    if changed and not reasons.strip():
        raise ValidationError({"reasons": _("核减申报事实时请写明理由。")})
    quote = _quote(application, recognised)
    if not quote.eligible:
        raise ValidationError([_("按核定事实测算不符合奖补条件，请退回或调整："), *quote.reasons])
    if quote.amount > application.quote_amount:
        raise ValidationError(_("核定测算金额不能高于企业申报的测算金额。"))
    application.recognised_facts = recognised
    application.recognised_reasons = reasons.strip()
    application.recognised_quote = quote.amount
    application.recognised_quote_reasons = list(quote.reasons)
    application.review_comment = comment.strip()
    _move(
        application,
        actor=actor,
        action="subsidy_application.county_pass",
        to=Status.COUNTY_PASSED,
        changes={"recognised_facts": recognised, "recognised_quote": str(quote.amount), "reasons": reasons.strip()},
    )
    return application


CITY_DECISIONS = ("pass", "return", "reject")


@transaction.atomic
def city_review(
    *,
    actor,
    application: SubsidyApplication,
    decision: str,
    comment: str,
    recommended_amount: Decimal | None = None,
) -> SubsidyApplication:
    """The city bureau's review: pass with a recommended amount (≤ the recognised quote), return or reject.
    A recommended amount above the round's threshold goes to expert review."""
    from ..permissions import can_city_review

    application = _lock(application)
    if not can_city_review(actor, application):
        raise ValidationError(_("您无权审核该申报。"))
    _expect(application, Status.COUNTY_PASSED)
    if decision not in CITY_DECISIONS:
        raise ValidationError(_("未知的审核结论。"))
    application.review_comment = comment.strip()
    if decision in ("return", "reject"):
        if not comment.strip():
            raise ValidationError({"comment": _("退回或不予通过时请写明理由。")})
        to = Status.CITY_RETURNED if decision == "return" else Status.REJECTED
        _move(
            application,
            actor=actor,
            action=f"subsidy_application.city_{decision}",
            to=to,
            changes={"comment": comment.strip()},
        )
        return application
    if recommended_amount is None or recommended_amount <= 0:
        raise ValidationError({"recommended_amount": _("请填写大于0的推荐金额。")})
    if recommended_amount > application.recognised_quote:
        raise ValidationError(
            {
                "recommended_amount": _("推荐金额不能超过核定测算金额 %(quote)s 元。")
                % {"quote": application.recognised_quote}
            }
        )
    application.recommended_amount = recommended_amount
    to = Status.EXPERT_REVIEW if recommended_amount > application.round.expert_review_threshold else Status.CITY_PASSED
    _move(
        application,
        actor=actor,
        action="subsidy_application.city_pass",
        to=to,
        changes={"recommended_amount": str(recommended_amount)},
    )
    return application


@transaction.atomic
def expert_review_conclude(
    *, actor, application: SubsidyApplication, passed: bool, conclusion: str
) -> SubsidyApplication:
    """The Department concludes the expert review from the assigned experts' opinions (all submitted; with
    no expert assigned, the conclusion of a panel held outside the system): pass → ready for the round's
    notice; fail → rejected."""
    application = _lock(application)
    if not has_role(actor, Role.DEPARTMENT_OFFICER):
        raise ValidationError(_("只有工信厅经办人可以录入专家评审结论。"))
    _expect(application, Status.EXPERT_REVIEW)
    if not conclusion.strip():
        raise ValidationError({"conclusion": _("请填写专家评审结论。")})
    pending = application.expert_reviews.filter(submitted_at__isnull=True).count()
    if pending:
        raise ValidationError(_("尚有%(count)d位专家未提交评审意见。") % {"count": pending})
    application.review_comment = conclusion.strip()
    _move(
        application,
        actor=actor,
        action="subsidy_application.expert_review",
        to=Status.CITY_PASSED if passed else Status.REJECTED,
        changes={"passed": passed, "conclusion": conclusion.strip()},
    )
    return application


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


# Expert review (the evaluation app's expert pool and its conflict screening) ------------------------------


def _conflicts(expert, application: SubsidyApplication) -> list[str]:
    from evaluation.matching import PlanFacts, conflict_reasons, expert_facts

    city = application.county.parent
    facts = PlanFacts(
        plan_id=application.pk,
        region_id=city.pk,
        region_name=city.name,
        applicant_name=application.enterprise.name,
        applicant_uscc=application.enterprise.uscc,
        enterprises=((application.enterprise.name, application.enterprise.uscc),),
        text=application.project_name,
    )
    return conflict_reasons(expert_facts(expert), facts)


@transaction.atomic
def expert_assign(*, actor, application: SubsidyApplication, expert) -> ApplicationExpertReview:
    """The Department assigns an expert of the pool; one screened out for a conflict is refused with why."""
    if not has_role(actor, Role.DEPARTMENT_OFFICER, Role.AGENCY_COORDINATOR):
        raise ValidationError(_("只有工信厅经办人或第三方机构协调人可以分配专家。"))
    application = _lock(application)
    _expect(application, Status.EXPERT_REVIEW)
    if not expert.is_active:
        raise ValidationError(_("该专家不在库。"))
    reasons = _conflicts(expert, application)
    if reasons:
        raise ValidationError([_("该专家须回避："), *reasons], code="conflict")
    if application.expert_reviews.filter(expert=expert).exists():
        raise ValidationError(_("该专家已分配评审此申报。"))
    review = ApplicationExpertReview.objects.create(application=application, expert=expert, assigned_by=actor)
    record_event(
        actor=actor,
        action="subsidy_expert_review.assign",
        target=review,
        changes={"application": application.pk, "expert": expert.pk},
    )
    return review


@transaction.atomic
def expert_review_submit(
    *, actor, review: ApplicationExpertReview, no_conflict: bool, recommend: bool, comment: str
) -> ApplicationExpertReview:
    """The assigned expert declares no conflict and recommends or not (once)."""
    review = ApplicationExpertReview.objects.select_for_update(of=("self",)).select_related("expert").get(pk=review.pk)
    if review.expert.user_id != getattr(actor, "pk", None):
        raise ValidationError(_("只能提交分配给本人的评审。"))
    if review.submitted_at is not None:
        raise ValidationError(_("评审意见已提交，不能重复提交。"))
    if not no_conflict:
        raise ValidationError(_("请先声明与该申报无利益冲突；有冲突的，请联系工信厅另行分配。"))
    if not comment.strip():
        raise ValidationError({"comment": _("请填写评审意见。")})
    now = timezone.now()
    review.no_conflict_declared_at = now
    review.recommend = recommend
    review.comment = comment.strip()
    review.submitted_at = now
    review.save()
    record_event(
        actor=actor,
        action="subsidy_expert_review.submit",
        target=review,
        changes={"recommend": recommend, "comment": review.comment},
    )
    return review
