"""The shipped policies, the catalogue's write services (copy, revise) and the demo data."""

import importlib
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.roles import Role
from applications import rules, selectors, services
from applications.demo import SHIPPED_MIGRATION, load_demo_policies
from applications.models import CategoryRule, FactDefinition, Policy, PolicyCategory
from audit.models import AuditEvent
from tests.factories import make_user

from .conftest import DEMO_DAY, SHEYANG, YANGZHOU, yuan

pytestmark = pytest.mark.django_db

YANGZHOU_CATEGORIES = [
    "smart_retrofit",
    "industrial_internet_platform",
    "first_set_equipment",
    "diagnosis",
    "benchmark_award",
    "service_provider_award",
    "park_digitalisation",
]


def shipped():
    return importlib.import_module(SHIPPED_MIGRATION)


def smart_retrofit_rule(policy: Policy) -> CategoryRule:
    return CategoryRule.objects.get(category__policy=policy, category__code="smart_retrofit", version=1)


@pytest.fixture
def officer(db):
    return make_user(Role.DEPARTMENT_OFFICER)


# --- What the data migration ships ----------------------------------------------------------------------


def test_yangzhou_measures_are_shipped_with_their_validity(yangzhou):
    assert (yangzhou.document_number, yangzhou.issuing_authority) == ("扬府发〔2022〕20号", "扬州市人民政府")
    assert (yangzhou.issued_on, yangzhou.valid_from, yangzhou.valid_to) == (
        date(2022, 2, 24),
        date(2022, 2, 24),
        date(2025, 2, 23),
    )
    assert not yangzhou.is_demo and yangzhou.region is None
    assert list(yangzhou.categories.values_list("code", flat=True)) == YANGZHOU_CATEGORIES


def test_every_sub_item_of_the_measures_is_a_rule(yangzhou):
    sub_items = {
        category.code: [rule.code for rule in category.rules.order_by("order")]
        for category in yangzhou.categories.prefetch_related("rules")
    }
    assert sub_items == {
        "smart_retrofit": ["smart_retrofit"],
        "industrial_internet_platform": ["industrial_internet_platform"],
        "first_set_equipment": ["first_set_equipment"],
        "diagnosis": ["diagnosis_service", "diagnosis_supervision"],
        "benchmark_award": [
            "national_demo",
            "provincial_recognition",
            "integration_certificate",
            "cloud_and_ecommerce",
        ],
        "service_provider_award": ["service_provider_award"],
        "park_digitalisation": ["park_investment", "internet_plus_base"],
    }


def test_sheyang_free_diagnosis_is_shipped(sheyang):
    assert (sheyang.document_number, sheyang.valid_from, sheyang.valid_to) == (
        "射政办发〔2022〕12号",
        date(2022, 3, 16),
        date(2024, 12, 31),
    )
    rule = CategoryRule.objects.get(category__policy=sheyang)
    assert (rule.category.code, rule.kind, rule.params["amounts"]) == (
        "free_diagnosis",
        rules.FIXED_BY_LEVEL,
        {"above_scale": "100000.00"},
    )


def test_every_shipped_rule_and_fact_follows_its_schema():
    for rule in CategoryRule.objects.select_related("category__policy"):
        rule.full_clean()
    for fact in FactDefinition.objects.all():
        fact.full_clean()
    assert CategoryRule.objects.filter(category__policy__code__in=[YANGZHOU, SHEYANG]).count() == 13


def test_facts_and_choices_are_those_of_the_public_interface(yangzhou):
    facts = {
        (fact.category.code, fact.code): [value for value, _label in fact.choices]
        for fact in FactDefinition.objects.filter(category__policy=yangzhou).select_related("category")
    }
    assert facts == {
        ("smart_retrofit", "investment"): [],
        ("industrial_internet_platform", "platform_investment"): [],
        ("industrial_internet_platform", "recognition"): ["provincial", "national"],
        ("first_set_equipment", "product_sales"): [],
        ("first_set_equipment", "catalogue"): ["provincial", "national"],
        ("diagnosis", "level"): ["chain", "factory", "workshop"],
        ("benchmark_award", "recognition"): [
            "national_demo",
            "provincial_platform",
            "provincial_benchmark_factory",
            "provincial_smart_factory",
            "integration_2a",
            "integration_3a",
            "five_star_cloud",
            "ecommerce_demo",
        ],
        ("service_provider_award", "recognition"): ["provincial", "national"],
        ("park_digitalisation", "investment"): [],
        ("park_digitalisation", "recognition"): ["internet_plus_base"],
    }


def test_the_data_migration_reverses_and_reapplies(yangzhou, officer):
    services.rule_revise(
        actor=officer,
        rule=smart_retrofit_rule(yangzhou),
        numbers={"rate": Decimal(12)},
        effective_from=date(2024, 1, 1),
        reason="测试",
    )
    shipped().remove_policies(apps, None)
    assert not Policy.objects.filter(code__in=[YANGZHOU, SHEYANG]).exists()
    assert not CategoryRule.objects.filter(category__policy__code__in=[YANGZHOU, SHEYANG]).exists()
    shipped().ship_policies(apps, None)
    shipped().ship_policies(apps, None)  # idempotent
    assert Policy.objects.filter(code__in=[YANGZHOU, SHEYANG]).count() == 2
    assert PolicyCategory.objects.filter(policy__code=YANGZHOU).count() == 7


# --- Copying a policy and the demo copy -----------------------------------------------------------------


def test_load_demo_policies_is_idempotent_and_clearly_labelled(without_demo):
    first = load_demo_policies(year=2026)
    again = load_demo_policies(year=2026)
    assert first.pk == again.pk and Policy.objects.filter(is_demo=True).count() == 1
    assert first.is_demo and first.title.startswith("【演示】") and "演示" in first.document_number
    assert (first.valid_from, first.valid_to) == (date(2026, 1, 1), date(2026, 12, 31))
    assert first.copied_from.code == YANGZHOU
    original = Policy.objects.get(code=YANGZHOU)
    assert original.valid_to == date(2025, 2, 23) and not original.is_demo  # stays historical
    assert first.categories.count() == 7
    assert CategoryRule.objects.filter(category__policy=first).count() == 12
    assert set(CategoryRule.objects.filter(category__policy=first).values_list("version", flat=True)) == {1}


def test_load_demo_policies_defaults_to_this_year_in_china(without_demo):
    assert load_demo_policies().valid_from == date(selectors.today().year, 1, 1)


def test_load_demo_policies_ships_the_originals_again_after_a_flush(without_demo):
    shipped().remove_policies(apps, None)
    demo = load_demo_policies(year=2026)
    assert demo.copied_from.code == YANGZHOU
    assert Policy.objects.filter(code=SHEYANG).exists()


def test_policy_copy_takes_the_newest_versions_and_is_audited(yangzhou, officer):
    revised = services.rule_revise(
        actor=officer,
        rule=smart_retrofit_rule(yangzhou),
        numbers={"cap": Decimal("7000000")},
        effective_from=date(2024, 1, 1),
        reason="测试",
    )
    copy = services.policy_copy(
        actor=officer,
        policy=yangzhou,
        code="copy-2030",
        title="副本",
        issued_on=date(2030, 1, 1),
        valid_from=date(2030, 1, 1),
        valid_to=None,
    )
    rule = CategoryRule.objects.get(category__policy=copy, code="smart_retrofit")
    assert (rule.version, rule.params, rule.effective_from) == (1, revised.params, date(2030, 1, 1))
    assert rule.history.count() == 1  # history from the start
    assert (
        AuditEvent.objects.filter(action="policy.copy", target_id=str(copy.pk)).get().changes["copied_from"] == YANGZHOU
    )
    assert CategoryRule.objects.filter(category__policy=yangzhou, code="smart_retrofit").count() == 2


def test_policy_copy_refuses_a_duplicate_code(yangzhou):
    with pytest.raises(ValidationError):
        services.policy_copy(
            actor=None,
            policy=yangzhou,
            code=SHEYANG,
            title="x",
            issued_on=date(2030, 1, 1),
            valid_from=date(2030, 1, 1),
            valid_to=None,
        )


# --- Revising a rule: a new version from a date ---------------------------------------------------------


def test_revision_is_a_new_version_and_old_dates_keep_the_old_numbers(demo_policy, officer):
    rule = smart_retrofit_rule(demo_policy)
    revised = services.rule_revise(
        actor=officer,
        rule=rule,
        numbers={"rate": Decimal("15"), "cap": Decimal("8000000")},
        effective_from=date(2026, 7, 1),
        reason="市工信局会同市财政局调整（演示）",
    )
    rule.refresh_from_db()
    assert rule.params["rate"] == "0.13" and rule.version == 1  # history is not rewritten
    assert (revised.version, revised.supersedes, revised.created_by) == (2, rule, officer)
    assert revised.params == {**rule.params, "rate": "0.15", "cap": "8000000.00"}

    def quote(day):
        return services.quote_subsidy(category_code="smart_retrofit", facts={"investment": 25_000_000}, on_date=day)

    assert quote(date(2026, 6, 30)).amount == yuan("3,250,000.00")
    assert quote(date(2026, 7, 1)).amount == yuan("3,750,000.00")
    assert quote(date(2026, 7, 1)).rule_ids == (revised.pk,)


def test_revision_is_audited_inside_its_transaction(demo_policy, officer):
    revised = services.rule_revise(
        actor=officer,
        rule=smart_retrofit_rule(demo_policy),
        numbers={"minimum_base": Decimal("10000000")},
        effective_from=DEMO_DAY,
        reason="降低起点",
    )
    event = AuditEvent.objects.get(action="policy_rule.revise", target_id=str(revised.pk))
    assert event.actor == officer
    assert event.changes["params"][0]["minimum_base"] == "20000000.00"
    assert event.changes["params"][1]["minimum_base"] == "10000000.00"
    assert event.changes["version"] == [1, 2]


def test_a_failed_revision_leaves_no_version_and_no_event(demo_policy, officer):
    with pytest.raises(ValidationError):
        services.rule_revise(
            actor=officer,
            rule=smart_retrofit_rule(demo_policy),
            numbers={"rate": Decimal("15")},
            effective_from=date(2027, 1, 1),  # after the policy's validity
            reason="x",
        )
    assert CategoryRule.objects.filter(category__policy=demo_policy, code="smart_retrofit").count() == 1
    assert not AuditEvent.objects.filter(action="policy_rule.revise").exists()


@pytest.mark.parametrize(
    ("numbers", "effective_from", "reason", "message"),
    [
        ({"rate": Decimal("13")}, DEMO_DAY, "x", "数值没有变化"),
        ({"rate": Decimal("15")}, DEMO_DAY, "  ", "请填写修订说明"),
        ({"rate": Decimal("15")}, date(2025, 12, 31), "x", "生效日期须在政策有效期"),
        ({"rate": Decimal("150")}, DEMO_DAY, "x", "rate"),
        ({"ceiling": Decimal("1")}, DEMO_DAY, "x", "未知的参数"),
    ],
)
def test_bad_revisions_are_refused_in_chinese(demo_policy, officer, numbers, effective_from, reason, message):
    with pytest.raises(ValidationError) as error:
        services.rule_revise(
            actor=officer,
            rule=smart_retrofit_rule(demo_policy),
            numbers=numbers,
            effective_from=effective_from,
            reason=reason,
        )
    assert message in " ".join(error.value.messages)


def test_only_the_newest_version_can_be_revised(demo_policy, officer):
    old = smart_retrofit_rule(demo_policy)
    services.rule_revise(actor=officer, rule=old, numbers={"rate": Decimal(14)}, effective_from=DEMO_DAY, reason="x")
    with pytest.raises(ValidationError, match="第 2 版"):
        services.rule_revise(
            actor=officer, rule=old, numbers={"rate": Decimal(15)}, effective_from=DEMO_DAY, reason="y"
        )


def test_a_new_version_may_not_start_before_the_one_it_supersedes(demo_policy, officer):
    v2 = services.rule_revise(
        actor=officer,
        rule=smart_retrofit_rule(demo_policy),
        numbers={"rate": Decimal(14)},
        effective_from=date(2026, 8, 1),
        reason="x",
    )
    with pytest.raises(ValidationError, match="不能早于上一版本"):
        services.rule_revise(actor=officer, rule=v2, numbers={"rate": Decimal(15)}, effective_from=DEMO_DAY, reason="y")


def test_amount_tables_are_revised_level_by_level(demo_policy, officer):
    rule = CategoryRule.objects.get(category__policy=demo_policy, code="integration_certificate")
    services.rule_revise(
        actor=officer,
        rule=rule,
        numbers={"amounts.integration_3a": Decimal("250000")},
        effective_from=DEMO_DAY,
        reason="x",
    )
    result = services.quote_subsidy(
        category_code="benchmark_award", facts={"recognition": "integration_3a"}, on_date=DEMO_DAY
    )
    assert result.amount == yuan("250,000.00")
    result = services.quote_subsidy(
        category_code="benchmark_award", facts={"recognition": "integration_2a"}, on_date=DEMO_DAY
    )
    assert result.amount == yuan("150,000.00")


def test_broken_rule_data_gives_a_refusal_not_an_error(demo_policy):
    CategoryRule.objects.filter(category__policy=demo_policy, code="smart_retrofit").update(params={"rate": "x"})
    result = services.quote_subsidy(category_code="smart_retrofit", facts={"investment": 1}, on_date=DEMO_DAY)
    assert not result.eligible and "规则数据有误" in result.reasons[-1]


@pytest.mark.django_db(transaction=True)
def test_two_officers_revising_at_once_make_one_version(officer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    policy = load_demo_policies(year=2026)
    rule = smart_retrofit_rule(policy)
    barrier = threading.Barrier(2)
    outcomes = []

    def revise(rate):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.rule_revise(
                actor=officer, rule=rule, numbers={"rate": Decimal(rate)}, effective_from=DEMO_DAY, reason="并发"
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=revise, args=(rate,)) for rate in (14, 15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert CategoryRule.objects.filter(category__policy=policy, code="smart_retrofit").count() == 2
    assert AuditEvent.objects.filter(action="policy_rule.revise").count() == 1
