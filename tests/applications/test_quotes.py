"""quote_subsidy for every category of the shipped policies, at and around every threshold and cap.

The figures are the seed's (扬府发〔2022〕20号 附件1; 射政办发〔2022〕12号): the tests state them so that a data
change that breaks the policy shows up here."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from applications import selectors, services
from applications.services import SubsidyQuote, best_quote, quote_subsidy

from .conftest import DEMO_DAY, IN_YANGZHOU_VALIDITY, SHEYANG, YANGZHOU, yuan

pytestmark = pytest.mark.django_db


def quote(category: str, on_date: date = DEMO_DAY, policy_code: str | None = None, **facts) -> SubsidyQuote:
    return quote_subsidy(category_code=category, facts=facts, policy_code=policy_code, on_date=on_date)


def text(result: SubsidyQuote) -> str:
    return "\n".join(result.reasons)


def assert_quote(result: SubsidyQuote, amount: str | None, *, capped: bool = False) -> None:
    """``amount`` None: not eligible, 0.00."""
    if amount is None:
        assert not result.eligible, text(result)
        assert result.amount == Decimal("0.00")
    else:
        assert result.eligible, text(result)
        assert result.amount == yuan(amount)
        assert result.capped is capped
    assert result.amount.as_tuple().exponent == -2
    assert result.reasons and all(isinstance(reason, str) for reason in result.reasons)


# --- The examples of the issue, on the demo copy ---------------------------------------------------------


@pytest.mark.parametrize(
    ("investment", "amount", "capped"),
    [
        ("25000000", "3,250,000.00", False),
        ("24000000", "3,120,000.00", False),
        ("20000000", "2,600,000.00", False),  # 达到2000万元以上: the threshold itself qualifies
        ("20000000.01", "2,600,000.00", False),  # 2,600,000.0013 rounds down: never above 13%
        ("46153846.15", "5,999,999.99", False),  # 5,999,999.9995: below the cap, rounded down
        ("46153846.16", "6,000,000.00", True),  # 6,000,000.0008: over the cap
        ("50000000", "6,000,000.00", True),
        ("999999999999.99", "6,000,000.00", True),
    ],
)
def test_smart_retrofit_rate_and_cap(demo_policy, investment, amount, capped):
    result = quote("smart_retrofit", investment=Decimal(investment))
    assert_quote(result, amount, capped=capped)
    assert result.policy_code == demo_policy.code and result.is_demo


@pytest.mark.parametrize("investment", ["19999999.99", "0", "0.01", "10000000"])
def test_smart_retrofit_below_threshold_is_not_eligible(demo_policy, investment):
    result = quote("smart_retrofit", investment=Decimal(investment))
    assert_quote(result, None)
    assert "低于起点 20,000,000.00 元" in text(result)
    assert "investment" in text(result)


def test_smart_retrofit_reasons_say_what_was_applied(demo_policy):
    reasons = quote("smart_retrofit", investment=Decimal("25000000")).reasons
    assert "扬府发〔2022〕20号" in reasons[0] and "演示" in reasons[0]
    assert any("达到起点 20,000,000.00 元" in reason for reason in reasons)
    assert any("13%" in reason and "3,250,000.00" in reason for reason in reasons)
    assert not any("上限" in reason for reason in reasons)
    capped = quote("smart_retrofit", investment=Decimal("50000000"))
    assert any("超过上限 6,000,000.00 元" in reason and "封顶" in reason for reason in capped.reasons)


def test_amounts_may_be_given_as_int_or_text(demo_policy):
    assert quote("smart_retrofit", investment=25_000_000).amount == yuan("3,250,000.00")
    assert quote("smart_retrofit", investment=" 25000000.00 ").amount == yuan("3,250,000.00")


# --- Every category on the shipped original, inside its validity ---------------------------------------


def original(category: str, **facts) -> SubsidyQuote:
    return quote(category, on_date=IN_YANGZHOU_VALIDITY, policy_code=YANGZHOU, **facts)


@pytest.mark.parametrize(
    ("investment", "amount", "capped"),
    [
        ("19999999.99", None, False),
        ("20000000", "2,600,000.00", False),
        ("46153846.15", "5,999,999.99", False),
        ("46153846.16", "6,000,000.00", True),
    ],
)
def test_original_smart_retrofit(investment, amount, capped):
    assert_quote(original("smart_retrofit", investment=Decimal(investment)), amount, capped=capped)


@pytest.mark.parametrize("recognition", ["provincial", "national"])
@pytest.mark.parametrize(
    ("platform_investment", "amount", "capped"),
    [
        ("100", "13.00", False),
        ("10000000", "1,300,000.00", False),
        ("38461538.46", "4,999,999.99", False),  # 4,999,999.9998
        ("38461538.47", "5,000,000.00", True),  # 5,000,000.0011
        ("100000000", "5,000,000.00", True),
    ],
)
def test_industrial_internet_platform(recognition, platform_investment, amount, capped):
    result = original(
        "industrial_internet_platform", platform_investment=Decimal(platform_investment), recognition=recognition
    )
    assert_quote(result, amount, capped=capped)


def test_industrial_internet_platform_needs_a_provincial_or_national_platform():
    missing = original("industrial_internet_platform", platform_investment=Decimal("10000000"))
    assert_quote(missing, None)
    assert "recognition" in text(missing) and "缺少" in text(missing)
    wrong = original("industrial_internet_platform", platform_investment=Decimal("10000000"), recognition="municipal")
    assert_quote(wrong, None)
    assert "recognition" in text(wrong) and "municipal" in text(wrong)


def test_a_rate_that_gives_less_than_a_fen_pays_nothing():
    result = original("industrial_internet_platform", platform_investment=Decimal("0.01"), recognition="national")
    assert_quote(result, None)
    assert "0 元" in text(result)


@pytest.mark.parametrize("catalogue", ["provincial", "national"])
@pytest.mark.parametrize(
    ("product_sales", "amount", "capped"),
    [
        ("1000000", "100,000.00", False),
        ("19999999.99", "1,999,999.99", False),  # 1,999,999.999
        ("20000000", "2,000,000.00", False),  # exactly the cap: not over it
        ("20000000.01", "2,000,000.00", True),  # 2,000,000.001: over the cap by a tenth of a fen
    ],
)
def test_first_set_equipment(catalogue, product_sales, amount, capped):
    result = original("first_set_equipment", product_sales=Decimal(product_sales), catalogue=catalogue)
    assert_quote(result, amount, capped=capped)


def test_first_set_equipment_needs_a_catalogue():
    result = original("first_set_equipment", product_sales=Decimal("1000000"), catalogue="city")
    assert_quote(result, None)
    assert "catalogue" in text(result)


@pytest.mark.parametrize(
    ("level", "amount"), [("chain", "500,000.00"), ("factory", "200,000.00"), ("workshop", "50,000.00")]
)
def test_diagnosis_levels(level, amount):
    result = original("diagnosis", level=level)
    assert_quote(result, amount)
    # The supervision fee goes to the supervisor and is reported, not counted.
    assert any("5,000.00" in reason and "第三方" in reason for reason in result.reasons)


def test_diagnosis_needs_a_level():
    assert "level" in text(original("diagnosis"))
    wrong = original("diagnosis", level="plant")
    assert_quote(wrong, None)
    assert "level" in text(wrong) and "plant" in text(wrong)


@pytest.mark.parametrize(
    ("recognition", "amount"),
    [
        ("national_demo", "2,000,000.00"),
        ("provincial_platform", "1,000,000.00"),
        ("provincial_benchmark_factory", "1,000,000.00"),
        ("provincial_smart_factory", "1,000,000.00"),
        ("integration_2a", "150,000.00"),
        ("integration_3a", "200,000.00"),
        ("five_star_cloud", "100,000.00"),
        ("ecommerce_demo", "100,000.00"),
    ],
)
def test_benchmark_award_levels(recognition, amount):
    result = original("benchmark_award", recognition=recognition)
    assert_quote(result, amount)
    assert any("最高" in reason and amount in reason for reason in result.reasons)


@pytest.mark.parametrize("recognition", [None, "municipal_demo", "NATIONAL_DEMO", 1])
def test_benchmark_award_needs_a_known_recognition(recognition):
    result = original("benchmark_award", recognition=recognition)
    assert_quote(result, None)
    assert "recognition" in text(result)


@pytest.mark.parametrize("recognition", ["provincial", "national"])
def test_service_provider_award(recognition):
    assert_quote(original("service_provider_award", recognition=recognition), "500,000.00")


def test_service_provider_award_is_for_provincial_or_above():
    result = original("service_provider_award", recognition="municipal")
    assert_quote(result, None)
    assert "recognition" in text(result)


@pytest.mark.parametrize(
    ("investment", "amount", "capped"),
    [
        ("1000000", "150,000.00", False),
        ("13333333.33", "1,999,999.99", False),  # 1,999,999.9995
        ("13333333.34", "2,000,000.00", True),  # 2,000,000.001: over the cap
        ("50000000", "2,000,000.00", True),
    ],
)
def test_park_digitalisation_investment(investment, amount, capped):
    assert_quote(original("park_digitalisation", investment=Decimal(investment)), amount, capped=capped)


def test_park_digitalisation_base_award():
    assert_quote(original("park_digitalisation", recognition="internet_plus_base"), "200,000.00")


def test_park_digitalisation_both_variants_pay_the_higher_once():
    small = original("park_digitalisation", investment=Decimal("1000000"), recognition="internet_plus_base")
    assert_quote(small, "200,000.00")
    assert "就高不重复" in text(small)
    large = original("park_digitalisation", investment=Decimal("20000000"), recognition="internet_plus_base")
    assert_quote(large, "2,000,000.00", capped=True)


def test_park_digitalisation_needs_one_of_its_facts():
    result = original("park_digitalisation")
    assert_quote(result, None)
    assert "investment" in text(result) and "recognition" in text(result)
    assert "__all__" in result.fact_errors


@pytest.mark.parametrize(("scale", "amount"), [("above_scale", "100,000.00"), ("below_scale", None)])
def test_sheyang_free_diagnosis(scale, amount):
    result = quote("free_diagnosis", on_date=date(2024, 12, 31), enterprise_scale=scale)
    assert result.policy_code == SHEYANG
    assert_quote(result, amount)
    if amount is None:
        assert "不在本类别的奖补范围内" in text(result)


# --- Validity and the choice of policy ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_date", "in_force"),
    [
        (date(2022, 2, 23), False),
        (date(2022, 2, 24), True),
        (date(2025, 2, 23), True),
        (date(2025, 2, 24), False),
        (date(2026, 6, 1), False),
    ],
)
def test_yangzhou_validity_is_three_years_from_issue(on_date, in_force):
    result = quote("smart_retrofit", on_date=on_date, policy_code=YANGZHOU, investment=Decimal("25000000"))
    assert result.eligible is in_force
    if not in_force:
        assert result.amount == 0
        assert "不在该政策的有效期（2022-02-24 — 2025-02-23）内" in text(result)


def test_sheyang_expired_after_2024():
    result = quote("free_diagnosis", on_date=date(2025, 1, 1), enterprise_scale="above_scale")
    assert_quote(result, None)
    assert "2024-12-31" in text(result)


def test_without_a_policy_code_the_policy_in_force_is_used(demo_policy):
    assert quote("smart_retrofit", on_date=IN_YANGZHOU_VALIDITY, investment=25_000_000).policy_code == YANGZHOU
    assert quote("smart_retrofit", on_date=DEMO_DAY, investment=25_000_000).policy_code == demo_policy.code


def test_with_no_policy_in_force_the_latest_explains_its_validity(without_demo):
    result = quote("smart_retrofit", on_date=DEMO_DAY, investment=Decimal("25000000"))
    assert_quote(result, None)
    assert result.policy_code == YANGZHOU
    assert "有效期" in text(result)


def test_the_most_recently_issued_policy_wins(yangzhou):
    later = services.policy_copy(
        actor=None,
        policy=yangzhou,
        code="yangzhou-revised",
        title="修订后的政策措施",
        issued_on=date(2023, 1, 1),
        valid_from=date(2023, 1, 1),
        valid_to=date(2023, 12, 31),
    )
    assert quote("diagnosis", on_date=date(2023, 6, 1), level="chain").policy_code == later.code
    assert quote("diagnosis", on_date=date(2022, 6, 1), level="chain").policy_code == YANGZHOU
    assert quote("diagnosis", on_date=date(2023, 6, 1), policy_code=YANGZHOU, level="chain").policy_code == YANGZHOU


def test_explicit_policy_code(demo_policy):
    on_original = quote("smart_retrofit", policy_code=YANGZHOU, investment=Decimal("25000000"))
    assert on_original.policy_code == YANGZHOU and not on_original.eligible
    on_demo = quote("smart_retrofit", policy_code=demo_policy.code, investment=Decimal("25000000"))
    assert on_demo.eligible and on_demo.amount == yuan("3,250,000.00")


@pytest.mark.parametrize(
    ("category", "policy_code", "expected"),
    [
        ("tax_rebate", None, "未知的奖补类别"),
        ("smart_retrofit", "no-such-policy", "未找到政策"),
        ("smart_retrofit", SHEYANG, "不含奖补类别"),
        ("", None, "请指定奖补类别"),
    ],
)
def test_unknown_category_or_policy(category, policy_code, expected):
    result = quote(category, on_date=IN_YANGZHOU_VALIDITY, policy_code=policy_code, investment=Decimal("25000000"))
    assert_quote(result, None)
    assert expected in text(result)


def test_on_date_defaults_to_today_in_china(settings, monkeypatch, demo_policy):
    settings.TIME_ZONE = "UTC"
    # 17:00 UTC on New Year's Eve is already 1 January in China: the 2026 demo copy no longer applies.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC")))
    assert selectors.today() == date(2027, 1, 1)
    result = quote_subsidy(category_code="smart_retrofit", facts={"investment": Decimal("25000000")})
    assert result.on_date == date(2027, 1, 1)
    assert not result.eligible


def test_on_date_may_be_a_datetime(demo_policy):
    late_evening = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert quote("smart_retrofit", on_date=late_evening, investment=25_000_000).eligible


@pytest.mark.parametrize("on_date", ["2026-06-01", 20260601, object()])
def test_a_bad_date_is_refused_not_raised(on_date):
    result = quote_subsidy(category_code="smart_retrofit", facts={"investment": 25_000_000}, on_date=on_date)
    assert_quote(result, None)
    assert "日期无效" in text(result)


# --- Missing and malformed facts: never raises, the reason names the fact --------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "不是有效的金额"),
        ("25,000,000", "不是有效的金额"),  # the form accepts separators; the service takes plain numbers
        (-1, "不能为负数"),
        (Decimal("-0.01"), "不能为负数"),
        (Decimal("NaN"), "不是有效的金额"),
        (Decimal("Infinity"), "不是有效的金额"),
        (2.5e7, "不是有效的金额"),  # floats are not money
        (True, "不是有效的金额"),
        ([25000000], "不是有效的金额"),
        ({"amount": 1}, "不是有效的金额"),
        ("25000000.001", "最多保留两位小数"),
        ("1e30", "超出可受理的金额范围"),
        (None, "缺少"),
        ("", "缺少"),
        ("   ", "缺少"),
    ],
)
def test_malformed_or_missing_investment(demo_policy, value, expected):
    result = quote("smart_retrofit", investment=value)
    assert_quote(result, None)
    assert expected in text(result)
    assert "investment" in text(result)
    assert "investment" in result.fact_errors


def test_a_missing_fact_is_named(demo_policy):
    result = quote_subsidy(category_code="smart_retrofit", facts={}, on_date=DEMO_DAY)
    assert_quote(result, None)
    assert "缺少“年度智能制造设备、软件和技术服务投资额（元）”（investment）" in text(result)


def test_a_malformed_fact_spoils_the_quote_even_beside_a_good_one():
    result = original("park_digitalisation", investment=Decimal("1000000"), recognition="garden")
    assert_quote(result, None)
    assert "recognition" in result.fact_errors


@pytest.mark.parametrize("facts", [None, [], "investment=25000000", 25000000, {("investment",): 1}])
def test_facts_that_are_not_a_dict_are_refused(demo_policy, facts):
    result = quote_subsidy(category_code="smart_retrofit", facts=facts, on_date=DEMO_DAY)
    assert_quote(result, None)


def test_unknown_facts_are_ignored(demo_policy):
    result = quote("smart_retrofit", investment=Decimal("25000000"), note="hello", level="chain")
    assert_quote(result, "3,250,000.00")


# --- Highest only, no stacking ---------------------------------------------------------------------------


def test_best_quote_picks_the_highest_eligible(demo_policy):
    platform = quote("industrial_internet_platform", platform_investment=Decimal("20000000"), recognition="provincial")
    benchmark = quote("benchmark_award", recognition="provincial_platform")
    refused = quote("smart_retrofit", investment=Decimal("1"))
    assert platform.amount == yuan("2,600,000.00") and benchmark.amount == yuan("1,000,000.00")
    assert best_quote([benchmark, refused, platform]) is platform
    assert best_quote([refused]) is None
    assert best_quote([]) is None


def test_best_quote_keeps_the_first_of_equals(demo_policy):
    first = quote("service_provider_award", recognition="provincial")
    second = quote("service_provider_award", recognition="national")
    assert best_quote([first, second]) is first


def test_a_quote_fetches_in_fixed_queries(demo_policy, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        quote("benchmark_award", recognition="national_demo")
