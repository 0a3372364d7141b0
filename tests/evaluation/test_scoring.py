"""The arithmetic of evaluation/scoring.py and the screening of evaluation/matching.py, without a database."""

from decimal import Decimal as D

import pytest

from evaluation import matching, scoring
from evaluation.scoring import Line, RankKey


def test_weighted_total_is_normalised_to_100_with_weights():
    lines = [Line(D("7.5"), D(10), D(1)), Line(D("14.5"), D(20), D(2)), Line(D(22), D(30), D("1.5"))]
    # (7.5 + 29 + 33) / (10 + 40 + 45) × 100 = 69.5 / 95 × 100 = 73.157894…
    assert scoring.weighted_total(lines) == D("73.16")


def test_weighted_total_full_and_zero_marks():
    assert scoring.weighted_total([Line(D(15), D(15), D(1)), Line(D(20), D(20), D(3))]) == D("100.00")
    assert scoring.weighted_total([Line(D(0), D(15), D(1))]) == D("0.00")
    assert scoring.weighted_total([]) == D("0.00")


def test_rounding_is_half_up_not_to_even():
    # 0.5 / 16 × 100 = 3.125 → 3.13 (banker's rounding would give 3.12)
    assert scoring.weighted_total([Line(D("0.5"), D(16), D(1))]) == D("3.13")
    # (70.01 + 70.00) / 2 = 70.005 → 70.01
    assert scoring.mean([D("70.01"), D("70.00")]) == D("70.01")


def test_mean_of_totals():
    assert scoring.mean([D("73.16"), D("80.00"), D("66.67")]) == D("73.28")  # 219.83 / 3 = 73.2766…
    assert scoring.mean([]) is None


def test_spread_is_strictly_more_than_the_threshold():
    assert not scoring.is_spread([D(60), D(80)], D(10))  # both exactly 10 from the mean 70
    assert scoring.is_spread([D(60), D(80)], D("9.9"))
    assert not scoring.is_spread([D(60)], D(0))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("12.5", None),
        ("0", None),
        ("15", None),
        ("0.3", "得分须为0.5分的整数倍（如 12 或 12.5）。"),
        ("-1", "得分不能为负数。"),
        ("15.5", "得分不能超过该项满分15分。"),
    ],
)
def test_score_problems(text, problem):
    assert scoring.score_problem(scoring.parse_score(text), D("15.0")) == problem


@pytest.mark.parametrize("text", ["abc", "十二", "1,5", "nan", "inf"])
def test_text_is_not_a_score(text):
    with pytest.raises(ValueError, match="请输入数字"):
        scoring.parse_score(text)


def test_full_width_decimal_point_is_read():
    assert scoring.parse_score("12。5") == D("12.5")


def test_rank_order_mean_then_feasibility_then_soundness_then_region_code():
    keys = {
        "low": RankKey(D("70.00"), (D(18), D(18)), "150100"),
        "feasible": RankKey(D("80.00"), (D("17.5"), D(10)), "150900"),
        "sound": RankKey(D("80.00"), (D(16), D(19)), "150200"),
        "less_sound": RankKey(D("80.00"), (D(16), D(18)), "150100"),
        "same_b": RankKey(D("75.00"), (D(15), D(15)), "150600"),
        "same_a": RankKey(D("75.00"), (D(15), D(15)), "150500"),
    }
    assert scoring.rank_order(keys) == ["feasible", "sound", "less_sound", "same_a", "same_b", "low"]


def test_tie_break_values_default_to_zero_without_those_criteria():
    assert scoring.tie_break_values({"feasibility": D("17.50")}) == (D("17.50"), D(0))


# --- screening -------------------------------------------------------------------------------------

PLAN = matching.PlanFacts(
    plan_id=1,
    region_id=10,
    region_name="包头市",
    applicant_name="包头市工业和信息化局",
    applicant_uscc="",
    enterprises=(
        ("内蒙古草原稀土新材料有限公司", "91150200MA0000001X"),
        ("北疆装备制造（包头）有限公司", "91150200MA00000028"),
    ),
    text="包头市制造业数字化转型试点 稀土新材料产业链 装备制造产业链",
)


def expert(**overrides) -> matching.ExpertFacts:
    values = {
        "expert_id": 1,
        "home_region_id": 99,
        "home_region_parent_id": 1,
        "home_region_name": "呼和浩特市",
        "ties": (),
        "fields_of_expertise": (),
    }
    return matching.ExpertFacts(**{**values, **overrides})


def test_no_conflict():
    assert matching.conflict_reasons(expert(), PLAN) == []


def test_same_region():
    assert matching.conflict_reasons(expert(home_region_id=10, home_region_name="包头市"), PLAN) == [
        "与申报地区相同：包头市"
    ]


def test_county_under_the_region():
    reasons = matching.conflict_reasons(
        expert(home_region_id=11, home_region_parent_id=10, home_region_name="青山区"), PLAN
    )
    assert reasons == ["所在地区隶属申报地区：青山区（包头市）"]


def test_ties_to_applicant_region_and_enterprises():
    ties = ("包头市工业和信息化局", "包头市", "91150200ma0000001x", "北疆装备制造(包头)有限公司")
    assert matching.conflict_reasons(expert(ties=ties), PLAN) == [
        "申报的关联关系包含申报单位：包头市工业和信息化局",
        "申报的关联关系包含申报地区：包头市",
        "申报的关联关系包含方案名单中的企业：91150200MA0000001X（内蒙古草原稀土新材料有限公司）",
        "申报的关联关系包含方案名单中的企业：北疆装备制造（包头）有限公司（91150200MA00000028）",
    ]


def test_a_tie_must_match_a_whole_name():
    assert matching.conflict_reasons(expert(ties=("稀土", "包头")), PLAN) == []


def test_matching_fields():
    facts = expert(fields_of_expertise=("装备制造", "化工", "稀土新材料"))
    assert matching.matching_fields(facts, PLAN) == ["装备制造", "稀土新材料"]
