"""applications.rules on plain data: the parameter schemas, fact parsing and the kinds no shipped policy
uses yet (a quantity per unit)."""

from decimal import Decimal

import pytest

from applications import rules
from applications.rules import Fact, Rule, RuleDataError

INVESTMENT = Fact("investment", "投资额（元）", rules.MONEY)
LEVEL = Fact("level", "诊断对象", rules.CHOICE, (("chain", "重点产业链"), ("factory", "工厂")))
COUNT = Fact("factories", "工厂数量", rules.INTEGER)
FACTS = {fact.code: fact for fact in (INVESTMENT, LEVEL, COUNT)}
RATE = {"base_fact": "investment", "rate": "0.13", "cap": "6000000.00", "minimum_base": "20000000.00", "requires": []}


def rule(kind, params, code="r", payee=rules.PAYEE_APPLICANT) -> Rule:
    return Rule(id=None, code=code, name=code, kind=kind, params=rules.parse_params(kind, params, FACTS), payee=payee)


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("percent_of_base", RATE, "未知的规则类型"),
        (rules.RATE_OF_BASE, [], "JSON 对象"),
        (rules.RATE_OF_BASE, {**RATE, "rate": 0.13}, "rate"),
        (rules.RATE_OF_BASE, {**RATE, "rate": "13"}, "rate"),
        (rules.RATE_OF_BASE, {**RATE, "rate": "0"}, "rate"),
        (rules.RATE_OF_BASE, {**RATE, "rate": "0.1234567"}, "rate"),
        (rules.RATE_OF_BASE, {**RATE, "cap": 6000000}, "cap"),
        (rules.RATE_OF_BASE, {**RATE, "cap": "-1"}, "cap"),
        (rules.RATE_OF_BASE, {**RATE, "minimum_base": "1.001"}, "minimum_base"),
        (rules.RATE_OF_BASE, {**RATE, "base_fact": "level"}, "类型不符"),
        (rules.RATE_OF_BASE, {**RATE, "base_fact": "turnover"}, "base_fact"),
        (rules.RATE_OF_BASE, {**RATE, "requires": ["nothing"]}, "requires"),
        (rules.RATE_OF_BASE, {**RATE, "ceiling": "1"}, "多余：ceiling"),
        (rules.RATE_OF_BASE, {"base_fact": "investment"}, "缺少：rate"),
        (rules.FIXED_BY_LEVEL, {"level_fact": "level", "amounts": {}}, "amounts"),
        (rules.FIXED_BY_LEVEL, {"level_fact": "level", "amounts": {"plant": "1.00"}}, "amounts"),
        (rules.FIXED_BY_LEVEL, {"level_fact": "level", "amounts": {"chain": 1}}, "chain"),
        (rules.FIXED_BY_LEVEL, {"level_fact": "investment", "amounts": {"chain": "1.00"}}, "类型不符"),
        (
            rules.FIXED_PER_UNIT,
            {"unit_fact": "level", "amounts": {"chain": "1.00"}, "quantity_fact": "level"},
            "类型不符",
        ),
    ],
)
def test_parameters_that_break_the_schema_are_refused(kind, params, message):
    with pytest.raises(RuleDataError, match=message):
        rules.parse_params(kind, params, FACTS)


@pytest.mark.parametrize(
    ("kind", "choices"),
    [
        (rules.CHOICE, []),
        (rules.CHOICE, [["a"]]),
        (rules.CHOICE, [["a", "A"], ["a", "B"]]),
        (rules.MONEY, [["a", "A"]]),
        ("x", []),
    ],
)
def test_fact_choices_follow_their_schema(kind, choices):
    with pytest.raises(RuleDataError):
        rules.check_choices(kind, choices)


def test_rate_parameters_round_trip():
    parsed = rules.parse_params(rules.RATE_OF_BASE, RATE, FACTS)
    assert parsed.rate == Decimal("0.13") and parsed.cap == Decimal("6000000.00")
    assert rules.parse_params(rules.RATE_OF_BASE, parsed.to_json(), FACTS) == parsed


@pytest.mark.parametrize(
    ("raw", "value"),
    [(Decimal("1.5"), Decimal("1.50")), (7, Decimal("7.00")), ("12.30", Decimal("12.30")), ("-0", Decimal("0.00"))],
)
def test_money_facts(raw, value):
    assert rules.parse_fact(INVESTMENT, raw) == (value, None)


@pytest.mark.parametrize(("raw", "value"), [(3, 3), ("12", 12), (" 4 ", 4)])
def test_integer_facts(raw, value):
    assert rules.parse_fact(COUNT, raw) == (value, None)


@pytest.mark.parametrize(
    "raw", [-1, "-1", "1.5", "three", 1.0, True, "--5", "9" * 50, pytest.param(10**5000, id="huge-int")]
)
def test_bad_integer_facts_name_the_fact(raw):
    value, error = rules.parse_fact(COUNT, raw)
    assert value is None and "factories" in error


def test_fixed_per_unit_with_a_quantity():
    per_factory = rule(
        rules.FIXED_PER_UNIT,
        {"unit_fact": "level", "amounts": {"factory": "200000.00"}, "quantity_fact": "factories", "unit": "家"},
    )
    outcome = rules.evaluate(FACTS, [per_factory], {"level": "factory", "factories": 3})
    assert outcome.eligible and outcome.amount == Decimal("600000.00")
    assert "× 3" in outcome.reasons[0]
    missing = rules.evaluate(FACTS, [per_factory], {"level": "factory"})
    assert not missing.eligible and "factories" in missing.fact_errors
    none = rules.evaluate(FACTS, [per_factory], {"level": "factory", "factories": 0})
    assert not none.eligible and none.amount == 0


def test_a_choice_no_rule_pays_for_is_named():
    per_chain = rule(rules.FIXED_BY_LEVEL, {"level_fact": "level", "amounts": {"chain": "500000.00"}})
    outcome = rules.evaluate(FACTS, [per_chain], {"level": "factory"})
    assert not outcome.eligible
    assert outcome.reasons == ["“诊断对象”（level）为“工厂”，不在本类别的奖补范围内。"]


def test_third_party_rules_are_reported_but_not_counted():
    service = rule(rules.FIXED_BY_LEVEL, {"level_fact": "level", "amounts": {"chain": "500000.00"}}, code="service")
    supervision = rule(
        rules.FIXED_BY_LEVEL, {"level_fact": "level", "amounts": {"chain": "5000.00"}}, "监理", rules.PAYEE_THIRD_PARTY
    )
    outcome = rules.evaluate(FACTS, [service, supervision], {"level": "chain"})
    assert outcome.amount == Decimal("500000.00")
    assert "第三方" in outcome.reasons[-1]
    only_third_party = rules.evaluate(FACTS, [supervision], {"level": "chain"})
    assert not only_third_party.eligible


def test_editable_numbers_and_with_numbers():
    parsed = rules.parse_params(rules.RATE_OF_BASE, RATE, FACTS)
    numbers = {number.key: number.value for number in rules.editable_numbers(rules.RATE_OF_BASE, parsed, FACTS)}
    assert numbers == {"rate": Decimal("13"), "cap": Decimal("6000000.00"), "minimum_base": Decimal("20000000.00")}
    changed = rules.with_numbers(rules.RATE_OF_BASE, RATE, {"rate": Decimal("12.5"), "cap": None})
    assert changed == {**RATE, "rate": "0.125", "cap": None}
    table = {"level_fact": "level", "amounts": {"chain": "500000.00", "factory": "200000.00"}}
    assert rules.with_numbers(rules.FIXED_BY_LEVEL, table, {"amounts.factory": Decimal("250000")})["amounts"] == {
        "chain": "500000.00",
        "factory": "250000.00",
    }
    with pytest.raises(RuleDataError):
        rules.with_numbers(rules.FIXED_BY_LEVEL, table, {"ceiling": Decimal(1)})
