"""The application workflow through its services: draft, submit, county and city review, expert review,
the round's notice, approval, the fiscal-cap schedule and payments; bad input and who may do what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications import services
from applications.models import FiscalContribution, SubsidyApplication, SubsidyPayment, SubsidyRound
from applications.selectors import today
from applications.services.cases import project_key
from audit.models import AuditEvent
from notices import services as notice_services
from notices.models import PublicNotice

from .cases import D, city_passed, county_passed, draft, items, make_world, submitted

pytestmark = pytest.mark.django_db
Status = SubsidyApplication.Status


@pytest.fixture
def world(db):
    return make_world()


def messages(error: ValidationError) -> str:
    return " ".join(error.value.messages)


# --- draft and submit --------------------------------------------------------------------------------------


def test_the_quote_is_computed_never_typed(world):
    application = draft(world)
    assert application.status == Status.DRAFT
    assert application.quote_eligible
    assert application.quote_amount == D("3250000.00")
    assert any("13" in reason for reason in application.quote_reasons)
    assert application.facts == {"investment": "25000000"}
    assert application.investments.count() == 2
    assert AuditEvent.objects.filter(action="subsidy_application.create").count() == 1


def test_submit_moves_to_the_county(world):
    application = submitted(world)
    assert application.status == Status.SUBMITTED
    assert application.submitted_at is not None
    assert not application.stacking_flag


def test_an_enterprise_cannot_apply_for_another_enterprise(world):
    with pytest.raises(ValidationError) as error:
        services.application_save(
            actor=world.enterprise_user,
            subsidy_round=world.subsidy_round,
            enterprise=world.other_enterprise,
            project_name="冒名项目",
            category_code="smart_retrofit",
            period_from=today(),
            period_to=today(),
            county=world.county,
            facts={"investment": D("25000000")},
            investments=[],
        )
    assert "只能以本企业名义申报" in messages(error)


def test_nobody_but_the_enterprise_submits(world):
    application = draft(world)
    for user in (world.other_enterprise_user, world.county_user, world.officer):
        with pytest.raises(ValidationError):
            services.application_submit(actor=user, application=application)


def test_a_closed_round_refuses_naming_its_closing_time(world):
    SubsidyRound.objects.filter(pk=world.subsidy_round.pk).update(
        opens_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(days=1)
    )
    world.subsidy_round.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        draft(world)
    assert "不在受理期内" in messages(error)
    closes = timezone.localtime(world.subsidy_round.closes_at, timezone.get_fixed_timezone(480))
    assert closes.strftime("%Y-%m-%d %H:%M") in messages(error)


def test_a_draft_cannot_be_submitted_after_the_round_closed(world):
    application = draft(world)
    SubsidyRound.objects.filter(pk=world.subsidy_round.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=world.enterprise_user, application=application)
    assert "不在受理期内" in messages(error)


def test_below_the_threshold_the_quote_is_not_eligible_and_cannot_be_submitted(world):
    application = draft(world, facts={"investment": D("19999999.99")})
    assert not application.quote_eligible and application.quote_amount == 0
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=world.enterprise_user, application=application)
    assert "不符合奖补条件" in messages(error)
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_missing_facts_cannot_be_submitted_with_the_fact_named(world):
    application = draft(world, facts={})
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=world.enterprise_user, application=application)
    assert "投资额" in messages(error)


def test_an_expired_policy_cannot_be_submitted(world, yangzhou):
    SubsidyRound.objects.filter(pk=world.subsidy_round.pk).update(policy=yangzhou)
    world.subsidy_round.refresh_from_db()
    application = draft(world)
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=world.enterprise_user, application=application)
    assert "不在该政策的有效期" in messages(error)


def test_a_category_outside_the_rounds_policy_is_refused(world):
    with pytest.raises(ValidationError) as error:
        draft(world, category="no_such_category")
    assert "不含此奖补类别" in messages(error)


def test_a_county_outside_the_rounds_regions_is_refused(world):
    world.subsidy_round.regions.remove(world.city)
    with pytest.raises(ValidationError) as error:
        draft(world)
    assert "不受理此地区" in messages(error)


# --- highest only, no stacking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normalised"),
    [(" 智能化 产线改造项目。", "智能化产线改造项目"), ("Smart  Line-1", "smartline1"), ("ＡＢＣ　项目", "abc项目")],
)
def test_project_names_are_compared_normalised(name, normalised):
    assert project_key(name) == normalised


def test_the_same_project_under_another_category_is_flagged_naming_the_first(world):
    first = submitted(world)
    second = submitted(
        world,
        name="智能化 产线改造项目",
        category="industrial_internet_platform",
        facts={"platform_investment": D("10000000"), "recognition": "provincial"},
        investments=items("OTHER-1"),
    )
    assert second.stacking_flag and second.stacking_with == first
    assert first.project_name in second.stacking_note and str(first.pk) in second.stacking_note
    first.refresh_from_db()
    assert not first.stacking_flag


def test_an_identical_invoice_set_is_flagged_whatever_the_name(world):
    first = submitted(world, investments=items("A-1", "A-2"))
    second = submitted(world, name="另一个名字", investments=items("A-2", "A-1", amount="1"))
    assert second.stacking_with == first


def test_a_different_project_is_not_flagged(world):
    submitted(world, investments=items("A-1", "A-2"))
    second = submitted(world, name="另一个项目", investments=items("A-1"))
    assert not second.stacking_flag


def test_another_enterprises_same_project_is_not_flagged(world):
    submitted(world)
    application = services.application_save(
        actor=world.other_enterprise_user,
        subsidy_round=world.subsidy_round,
        enterprise=world.other_enterprise,
        project_name="智能化产线改造项目",
        category_code="smart_retrofit",
        period_from=today(),
        period_to=today(),
        county=world.other_county,
        facts={"investment": D("25000000")},
        investments=items("INV-001", "INV-002"),
    )
    application = services.application_submit(actor=world.other_enterprise_user, application=application)
    assert not application.stacking_flag


# --- county review -----------------------------------------------------------------------------------------


def test_the_county_reduces_the_recognised_investment_and_the_quote_is_recomputed(world):
    application = county_passed(world, investment="24000000")
    assert application.status == Status.COUNTY_PASSED
    assert application.recognised_facts == {"investment": "24000000"}
    assert application.recognised_quote == D("3120000.00")
    assert "厂房装修" in application.recognised_reasons


def test_reducing_facts_needs_a_reason(world):
    with pytest.raises(ValidationError) as error:
        services.county_review(
            actor=world.county_user,
            application=submitted(world),
            passed=True,
            comment="",
            recognised_facts={"investment": D("24000000")},
        )
    assert "理由" in messages(error)


def test_the_county_cannot_raise_the_quote(world):
    with pytest.raises(ValidationError) as error:
        services.county_review(
            actor=world.county_user,
            application=submitted(world),
            passed=True,
            comment="",
            recognised_facts={"investment": D("30000000")},
            reasons="多算",
        )
    assert "不能高于" in messages(error)


def test_the_county_returns_and_the_enterprise_resubmits(world):
    application = services.county_review(
        actor=world.county_user, application=submitted(world), passed=False, comment="缺少发票扫描件"
    )
    assert application.status == Status.COUNTY_RETURNED
    application = services.application_submit(actor=world.enterprise_user, application=application)
    assert application.status == Status.SUBMITTED


def test_returning_needs_a_reason(world):
    with pytest.raises(ValidationError):
        services.county_review(actor=world.county_user, application=submitted(world), passed=False, comment=" ")


def test_only_the_projects_county_reviews_it(world):
    application = submitted(world)
    for user in (world.other_county_user, world.city_user, world.enterprise_user, world.officer):
        with pytest.raises(ValidationError):
            services.county_review(actor=user, application=application, passed=True, comment="")


# --- city review -------------------------------------------------------------------------------------------


def test_the_city_recommends_at_most_the_recognised_quote(world):
    application = county_passed(world)
    with pytest.raises(ValidationError) as error:
        services.city_review(
            actor=world.city_user,
            application=application,
            decision="pass",
            comment="",
            recommended_amount=D("3120000.01"),
        )
    assert "不能超过核定测算金额" in messages(error)


def test_above_the_threshold_the_city_pass_goes_to_expert_review(world):
    assert city_passed(world).status == Status.EXPERT_REVIEW


def test_at_the_threshold_the_city_pass_skips_expert_review(world):
    assert city_passed(world, amount="1000000").status == Status.CITY_PASSED


@pytest.mark.parametrize(("decision", "status"), [("return", Status.CITY_RETURNED), ("reject", Status.REJECTED)])
def test_the_city_returns_or_rejects_with_a_reason(world, decision, status):
    application = county_passed(world)
    with pytest.raises(ValidationError):
        services.city_review(actor=world.city_user, application=application, decision=decision, comment="")
    application = services.city_review(actor=world.city_user, application=application, decision=decision, comment="x")
    assert application.status == status


def test_only_the_countys_city_reviews_it(world):
    application = county_passed(world)
    for user in (world.other_city_user, world.county_user, world.enterprise_user, world.leader):
        with pytest.raises(ValidationError):
            services.city_review(
                actor=user, application=application, decision="pass", comment="", recommended_amount=D(1)
            )


# --- expert review, notice, approval -----------------------------------------------------------------------


def end_notice(notice: PublicNotice) -> PublicNotice:
    start = notice.starts_on
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=start - timedelta(days=14), ends_on=start - timedelta(days=7)
    )
    notice.refresh_from_db()
    return notice


def through_notice(world, *applications):
    for application in applications:
        if application.status == Status.EXPERT_REVIEW:
            services.expert_review_conclude(
                actor=world.officer, application=application, passed=True, conclusion="同意"
            )
    notice = services.round_notice_publish(actor=world.officer, subsidy_round=world.subsidy_round)
    notice_services.notice_finalise(actor=world.officer, notice=end_notice(notice))
    return notice


def test_expert_review_by_the_department_only(world):
    application = city_passed(world)
    with pytest.raises(ValidationError):
        services.expert_review_conclude(actor=world.city_user, application=application, passed=True, conclusion="x")
    with pytest.raises(ValidationError):
        services.expert_review_conclude(actor=world.officer, application=application, passed=True, conclusion="")
    failed = services.expert_review_conclude(
        actor=world.officer, application=application, passed=False, conclusion="投资真实性存疑"
    )
    assert failed.status == Status.REJECTED


def test_the_notice_waits_for_expert_review(world):
    city_passed(world)
    with pytest.raises(ValidationError) as error:
        services.round_notice_publish(actor=world.officer, subsidy_round=world.subsidy_round)
    assert "专家评审" in messages(error)


def test_the_rounds_notice_lists_the_recommended_applications_and_finalising_moves_them(world):
    application = city_passed(world)
    services.expert_review_conclude(actor=world.officer, application=application, passed=True, conclusion="同意")
    notice = services.round_notice_publish(actor=world.officer, subsidy_round=world.subsidy_round)
    entry = notice.entries.get()
    assert (entry.label, entry.title) == (world.enterprise.name, "智能化产线改造项目")
    assert "3,120,000.00" in entry.detail
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE
    notice_services.notice_finalise(actor=world.officer, notice=end_notice(notice))
    application.refresh_from_db()
    world.subsidy_round.refresh_from_db()
    assert application.status == Status.NOTICE_PASSED
    assert world.subsidy_round.status == SubsidyRound.Status.FINAL


def test_a_withdrawn_entry_is_not_approved(world):
    application = city_passed(world)
    services.expert_review_conclude(actor=world.officer, application=application, passed=True, conclusion="同意")
    notice = services.round_notice_publish(actor=world.officer, subsidy_round=world.subsidy_round)
    notice.entries.update(withdrawn=True)
    notice_services.notice_finalise(actor=world.officer, notice=end_notice(notice))
    application.refresh_from_db()
    assert application.status == Status.NOT_APPROVED


def contributions(world, by_year: dict[int, str]):
    for year, amount in by_year.items():
        services.fiscal_contribution_record(
            actor=world.finance, enterprise=world.enterprise, year=year, amount=D(amount)
        )


def test_approval_schedules_payments_under_the_fiscal_cap_over_two_years(world):
    year = today().year
    contributions(world, {year: "2000000", year + 1: "1500000"})
    application = city_passed(world)
    through_notice(world, application)
    application.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.application_approve(actor=world.leader, application=application, approve=True, amount=D("3120000.01"))
    assert "不能超过推荐金额" in messages(error)
    with pytest.raises(ValidationError):
        services.application_approve(actor=world.officer, application=application, approve=True, amount=D("3120000"))
    application = services.application_approve(
        actor=world.leader, application=application, approve=True, amount=D("3120000")
    )
    assert application.status == Status.APPROVED
    schedule = dict(application.payments.values_list("year", "scheduled_amount"))
    assert schedule == {year: D("2000000.00"), year + 1: D("1120000.00")}


def test_a_later_contribution_schedules_the_unpaid_remainder(world):
    year = today().year
    contributions(world, {year: "1000000"})
    application = city_passed(world)
    through_notice(world, application)
    application = services.application_approve(
        actor=world.leader,
        application=SubsidyApplication.objects.get(pk=application.pk),
        approve=True,
        amount=D("3120000"),
    )
    assert dict(application.payments.values_list("year", "scheduled_amount")) == {year: D("1000000.00")}
    contributions(world, {year + 1: "0", year + 2: "5000000"})
    assert dict(application.payments.values_list("year", "scheduled_amount")) == {
        year: D("1000000.00"),
        year + 2: D("2120000.00"),
    }


def test_only_one_of_a_flagged_pair_is_approved(world):
    contributions(world, {today().year: "10000000"})
    first = city_passed(world, amount="900000")
    second = city_passed(
        world,
        amount="900000",
        name="智能化产线改造项目",
        category="smart_retrofit",
        investments=items("X-1"),
    )
    assert second.stacking_with == first
    through_notice(world, first, second)
    services.application_approve(
        actor=world.leader, application=SubsidyApplication.objects.get(pk=second.pk), approve=True, amount=D("900000")
    )
    with pytest.raises(ValidationError) as error:
        services.application_approve(
            actor=world.leader, application=SubsidyApplication.objects.get(pk=first.pk), approve=True, amount=D("1")
        )
    assert "就高不重复" in messages(error) and str(second.pk) in messages(error)
    not_approved = services.application_approve(
        actor=world.leader, application=SubsidyApplication.objects.get(pk=first.pk), approve=False, comment="重复申报"
    )
    assert not_approved.status == Status.NOT_APPROVED


# --- fiscal contributions and payments ---------------------------------------------------------------------


def test_fiscal_contributions_are_entered_by_finance_audited_and_unique_per_year(world):
    with pytest.raises(ValidationError):
        services.fiscal_contribution_record(actor=world.officer, enterprise=world.enterprise, year=2026, amount=D(1))
    with pytest.raises(ValidationError):
        services.fiscal_contribution_record(actor=world.finance, enterprise=world.enterprise, year=2026, amount=D(-1))
    contributions(world, {2026: "100"})
    contributions(world, {2026: "200"})
    assert FiscalContribution.objects.get(enterprise=world.enterprise, year=2026).amount == D(200)
    assert AuditEvent.objects.filter(action="fiscal_contribution.record").count() == 2


def test_finance_records_each_years_payment_once_and_within_the_schedule(world):
    contributions(world, {today().year: "5000000"})
    application = city_passed(world)
    through_notice(world, application)
    services.application_approve(
        actor=world.leader,
        application=SubsidyApplication.objects.get(pk=application.pk),
        approve=True,
        amount=D("3120000"),
    )
    payment = SubsidyPayment.objects.get(application=application)
    with pytest.raises(ValidationError):
        services.payment_record(actor=world.leader, payment=payment, amount=D(1), paid_on=today(), voucher="V1")
    with pytest.raises(ValidationError) as error:
        services.payment_record(
            actor=world.finance, payment=payment, amount=D("3120000.01"), paid_on=today(), voucher="V1"
        )
    assert "不能超过计划兑付" in messages(error)
    services.payment_record(actor=world.finance, payment=payment, amount=D("3120000"), paid_on=today(), voucher="V1")
    with pytest.raises(ValidationError) as error:
        services.payment_record(actor=world.finance, payment=payment, amount=D("1"), paid_on=today(), voucher="V2")
    assert "不能重复登记" in messages(error)
    payment.refresh_from_db()
    assert payment.paid_amount == D("3120000.00") and payment.voucher == "V1"


def test_amount_constraints_hold_in_the_database(world):
    application = draft(world)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyApplication.objects.filter(pk=application.pk).update(recommended_amount=Decimal(1))
