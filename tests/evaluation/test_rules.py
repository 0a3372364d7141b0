"""The evaluation rule (evaluation/rules.py) on its own: key indicators, the share met (inclusive, exact), the
rule of the call, and the reasons in Chinese. Together with evaluation.completion.is_met for the edge cases of
one indicator (exactly at target, percentages, target equal to baseline)."""

from decimal import Decimal

import pytest

from evaluation.completion import is_met
from evaluation.rules import RatedIndicator, evaluation_outcome, format_share

EIGHTY = Decimal(80)


def rated(met: int, failed: int, *, key_failed: int = 0, key_met: int = 0) -> list[RatedIndicator]:
    """``met`` ordinary indicators met, ``failed`` ordinary not met, plus key indicators met and not met."""
    return (
        [RatedIndicator(name=f"指标{i}", is_key=False, met=True) for i in range(met)]
        + [RatedIndicator(name=f"未达标指标{i}", is_key=False, met=False) for i in range(failed)]
        + [RatedIndicator(name=f"关键指标{i}", is_key=True, met=True) for i in range(key_met)]
        + [RatedIndicator(name=f"未达标关键指标{i}", is_key=True, met=False) for i in range(key_failed)]
    )


def outcome(ratings, all_key_met=True, share=EIGHTY):
    return evaluation_outcome(ratings, all_key_met=all_key_met, min_met_share=Decimal(share))


# --- the share met ------------------------------------------------------------------------------------------


def test_exactly_80_percent_is_met():
    met, reasons = outcome(rated(16, 4, key_met=0))  # 16/20 = 80 %
    assert met is True
    assert reasons == ["达标指标占比80%（16/20），不低于要求的80%。"]


def test_just_below_80_percent_is_not_met_even_when_rounding_would_say_80():
    # 3999/5000 = 79.98 %; shown cut to two decimals, never rounded up to 80
    met, reasons = outcome(rated(3999, 1001))
    assert met is False
    assert reasons == ["达标指标占比79.98%（3999/5000），低于要求的80%。"]
    # 7/9 = 77.77… % (a repeating decimal): cut, not rounded
    assert outcome(rated(7, 2))[1] == ["达标指标占比77.77%（7/9），低于要求的80%。"]


def test_the_23_indicators_of_attachment_2():
    # 19/23 = 82.6 % is met, 18/23 = 78.3 % is not
    assert outcome(rated(19, 4))[0] is True
    met, reasons = outcome(rated(18, 5))
    assert met is False
    assert reasons == ["达标指标占比78.26%（18/23），低于要求的80%。"]


def test_a_share_with_decimals_is_compared_exactly():
    # required 66.67 %: 2/3 = 66.666… % is below it; 2/3 against 66.66 % passes
    assert outcome(rated(2, 1), share="66.67")[0] is False
    assert outcome(rated(2, 1), share="66.66")[0] is True
    assert outcome(rated(2, 1), share="66.66")[1] == ["达标指标占比66.66%（2/3），不低于要求的66.66%。"]


@pytest.mark.parametrize(("share", "met"), [("0", True), ("100", False)])
def test_the_extremes_of_the_share(share, met):
    assert outcome(rated(9, 1), share=share)[0] is met
    assert outcome(rated(10, 0), share="100")[0] is True


# --- key indicators -------------------------------------------------------------------------------------------


def test_a_failed_key_indicator_fails_the_evaluation_even_with_everything_else_met():
    ratings = rated(22, 0, key_failed=1)  # 22/23 = 95.6 % met
    met, reasons = outcome(ratings)
    assert met is False
    assert reasons == [
        "关键指标未全部达标：未达标关键指标0（共1项）。",
        "达标指标占比95.65%（22/23），不低于要求的80%。",
    ]


def test_every_failed_key_indicator_is_named():
    met, reasons = outcome(rated(10, 0, key_failed=2, key_met=3))
    assert met is False
    assert reasons[0] == "关键指标未全部达标：未达标关键指标0、未达标关键指标1（共2项）。"


def test_key_indicators_all_met_are_said_so():
    met, reasons = outcome(rated(4, 1, key_met=3))  # 7/8 = 87.5 %
    assert met is True
    assert reasons == ["关键指标全部达标。", "达标指标占比87.5%（7/8），不低于要求的80%。"]


def test_a_call_without_the_key_rule_counts_only_the_share():
    ratings = rated(16, 3, key_failed=1)  # 16/20 = 80 %, one key indicator failed
    assert outcome(ratings, all_key_met=True)[0] is False
    met, reasons = outcome(ratings, all_key_met=False)
    assert met is True
    assert reasons == ["达标指标占比80%（16/20），不低于要求的80%。"]


def test_both_conditions_fail_together():
    met, reasons = outcome(rated(1, 3, key_failed=1))
    assert met is False
    assert len(reasons) == 2 and "低于要求的80%" in reasons[1]


def test_nothing_rated_is_not_met():
    assert outcome([]) == (False, ["没有已评定的指标，不能得出评价结论。"])


# --- one indicator (evaluation.completion.is_met, the formula the ratings are computed with) ------------------------


@pytest.mark.parametrize(
    ("target", "actual", "met"),
    [
        ("20", "20", True),  # exactly at target
        ("20", "19", False),
        ("80.5", "80.5", True),  # percentage exactly at target
        ("80.5", "80.4", False),  # percentage just short
        ("0", "0", True),  # target zero (nothing asked), kept
        (None, "5", None),  # no target
        ("20", None, None),  # not reported
    ],
)
def test_an_indicator_is_met_at_or_above_its_target(target, actual, met):
    value = None if actual is None else Decimal(actual)
    assert is_met(None if target is None else Decimal(target), value) is met


def test_target_equal_to_baseline_is_met_when_the_level_is_kept():
    baseline = target = Decimal(5)
    assert is_met(target, Decimal(5)) is True
    assert is_met(target, Decimal(9)) is True
    assert is_met(target, Decimal(4)) is False
    assert baseline == target


def test_format_share():
    assert [format_share(Decimal(v)) for v in ("80", "80.00", "66.666", "0", "99.999", "100")] == [
        "80",
        "80",
        "66.66",
        "0",
        "99.99",
        "100",
    ]
