"""The performance-target table (附2): the rules of each cell (pilots.targets), saving what was typed
(services.target_table_save) and the ≥100 retrofit rule of the guide (services.submission_problems)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from pilots import services
from pilots.models import Indicator, PilotPlan, TargetValue
from pilots.targets import parse_cell, retrofit_total, row_problems, table_problems

from .factories import PilotCallFactory, PilotPlanFactory, applicant_of, target_cells

COUNT = Indicator(name="数字车间", unit="个", kind=Indicator.Kind.COUNT)
ENTERPRISES = Indicator(name="规上制造业企业", unit="家", kind=Indicator.Kind.COUNT)
PERCENT = Indicator(name="企业上云率", unit="%", kind=Indicator.Kind.PERCENT)

RETROFIT_ABOVE, RETROFIT_BELOW = "改造规上企业数量", "改造规下企业数量"


# --- one cell ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "raw", "message"),
    [
        (ENTERPRISES, "1.5", "家数须为整数"),
        (COUNT, "1.5", "个数须为整数"),
        (COUNT, "-1", "数量不能为负数"),
        (COUNT, "abc", "“abc”不是数字"),
        (COUNT, "NaN", "“NaN”不是数字"),
        (COUNT, "Infinity", "“Infinity”不是数字"),
        (COUNT, "1e11", "数值过大"),
        (COUNT, "12 3", "“12 3”不是数字"),
        (PERCENT, "120", "百分比须在0到100之间"),
        (PERCENT, "100.1", "百分比须在0到100之间"),
        (PERCENT, "-0.1", "百分比须在0到100之间"),
        (PERCENT, "99.95", "百分比最多保留一位小数"),
        (PERCENT, "abc", "“abc”不是数字"),
        (PERCENT, "80%", "“80%”不是数字"),
    ],
)
def test_a_cell_that_cannot_be_a_value_is_explained(indicator, raw, message):
    assert parse_cell(indicator, raw) == (None, message)


@pytest.mark.parametrize(
    ("indicator", "raw", "value"),
    [
        (COUNT, "0", Decimal("0")),
        (COUNT, "12", Decimal("12")),
        (COUNT, " 7 ", Decimal("7")),
        (COUNT, "3.0", Decimal("3")),
        (COUNT, "1,200", Decimal("1200")),
        (COUNT, "1，200", Decimal("1200")),
        (COUNT, "99999999999", Decimal("99999999999")),  # 11 digits: the largest the column holds
        (COUNT, 15, Decimal("15")),
        (PERCENT, "0", Decimal("0.0")),
        (PERCENT, "100", Decimal("100.0")),
        (PERCENT, "99.9", Decimal("99.9")),
        (PERCENT, "62.50", Decimal("62.5")),
    ],
)
def test_a_valid_cell_becomes_its_value(indicator, raw, value):
    parsed, problem = parse_cell(indicator, raw)
    assert problem is None
    assert parsed == value
    if indicator.kind == Indicator.Kind.PERCENT:
        assert parsed.as_tuple().exponent == -1


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_an_empty_cell_is_no_value_and_no_problem(raw):
    assert parse_cell(COUNT, raw) == (None, None)
    assert parse_cell(PERCENT, raw) == (None, None)


# --- one row ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "midterm", "target", "problems"),
    [
        (10, 15, 20, {}),
        (10, 10, 10, {}),  # no growth is allowed, only a decline is not
        (10, None, 20, {}),
        (None, 15, None, {}),
        (
            10,
            15,
            5,
            {"target": "目标值不能低于期初值", "midterm_target": "中期目标应介于期初值和目标值之间（不高于目标值）"},
        ),
        (10, 5, 20, {"midterm_target": "中期目标应介于期初值和目标值之间（不低于期初值）"}),
        (10, 25, 20, {"midterm_target": "中期目标应介于期初值和目标值之间（不高于目标值）"}),
        (None, 25, 20, {"midterm_target": "中期目标应介于期初值和目标值之间（不高于目标值）"}),
        (10, 5, None, {"midterm_target": "中期目标应介于期初值和目标值之间（不低于期初值）"}),
        (10, None, 9, {"target": "目标值不能低于期初值"}),
    ],
)
def test_row_rules_midterm_between_baseline_and_target_and_target_not_below_baseline(
    baseline, midterm, target, problems
):
    as_decimal = [None if value is None else Decimal(value) for value in (baseline, midterm, target)]
    assert row_problems(*as_decimal) == problems


def test_table_problems_name_the_indicator_and_the_cells():
    rows = [
        TargetValue(indicator=ENTERPRISES, baseline=Decimal(1), midterm_target=Decimal(2), target=Decimal(3)),
        TargetValue(indicator=COUNT, baseline=None, midterm_target=Decimal(2), target=None),
        TargetValue(
            indicator=PERCENT, baseline=Decimal("50.0"), midterm_target=Decimal("40.0"), target=Decimal("60.0")
        ),
    ]
    assert table_problems(rows) == [
        "“数字车间”未填写：期初值、目标值",
        "“企业上云率”中期目标：中期目标应介于期初值和目标值之间（不低于期初值）",
    ]


def test_retrofit_total_adds_the_targets_of_the_retrofit_indicators_only():
    retrofit = Indicator(name=RETROFIT_ABOVE, unit="家", kind=Indicator.Kind.COUNT, counts_as_retrofit=True)
    rows = [
        TargetValue(indicator=retrofit, target=Decimal(60)),
        TargetValue(indicator=retrofit, target=None),
        TargetValue(indicator=ENTERPRISES, target=Decimal(500)),
    ]
    assert retrofit_total(rows) == 60


# --- saving the table -------------------------------------------------------------------------------


@pytest.fixture
def plan(db):
    return PilotPlanFactory()


def indicator_id(plan: PilotPlan, name: str) -> int:
    return plan.target_values.get(indicator__name=name).indicator_id


def stored(plan: PilotPlan, name: str) -> tuple:
    row = plan.target_values.get(indicator__name=name)
    return row.baseline, row.midterm_target, row.target


def test_a_new_plan_has_one_empty_row_per_indicator_of_its_call(plan):
    assert plan.target_values.count() == 23
    assert not plan.target_values.exclude(baseline=None, midterm_target=None, target=None).exists()


def test_a_half_filled_table_is_saved_as_typed(plan):
    clouds, workshops = indicator_id(plan, "企业上云率"), indicator_id(plan, "数字车间")
    problems = services.target_table_save(
        actor=applicant_of(plan),
        plan=plan,
        cells={(clouds, "baseline"): "41", (clouds, "target"): "70.5", (workshops, "midterm_target"): "8"},
    )
    assert problems == {}
    assert stored(plan, "企业上云率") == (Decimal("41.0"), None, Decimal("70.5"))
    assert stored(plan, "数字车间") == (None, Decimal(8), None)
    # everything else stays empty, and the table is not yet complete
    assert plan.target_values.exclude(baseline=None, midterm_target=None, target=None).count() == 2
    event = AuditEvent.objects.filter(action="plan.target_table_save", target_id=str(plan.pk)).get()
    assert set(event.changes) == {"企业上云率", "数字车间"}


def test_invalid_cells_keep_their_value_and_valid_ones_are_saved(plan):
    actor = applicant_of(plan)
    clouds, workshops = indicator_id(plan, "企业上云率"), indicator_id(plan, "数字车间")
    services.target_table_save(
        actor=actor,
        plan=plan,
        cells={(clouds, "baseline"): "40", (workshops, "baseline"): "5", (workshops, "target"): "9"},
    )

    problems = services.target_table_save(
        actor=actor,
        plan=plan,
        cells={
            (clouds, "baseline"): "120",  # invalid: stays 40.0
            (clouds, "target"): "75",  # valid: saved
            (workshops, "baseline"): "1.5",  # invalid: stays 5
            (workshops, "midterm_target"): "abc",  # invalid: stays empty
            (workshops, "target"): "12",  # valid: saved
        },
    )

    assert problems == {
        (clouds, "baseline"): "百分比须在0到100之间",
        (workshops, "baseline"): "个数须为整数",
        (workshops, "midterm_target"): "“abc”不是数字",
    }
    assert stored(plan, "企业上云率") == (Decimal("40.0"), None, Decimal("75.0"))
    assert stored(plan, "数字车间") == (Decimal(5), None, Decimal(12))


def test_a_row_that_breaks_a_rule_is_kept_as_typed_and_the_problem_named_per_cell(plan):
    workshops, factories = indicator_id(plan, "数字车间"), indicator_id(plan, "智能工厂")
    problems = services.target_table_save(
        actor=applicant_of(plan),
        plan=plan,
        cells={
            (workshops, "baseline"): "10",
            (workshops, "midterm_target"): "4",
            (workshops, "target"): "20",
            (factories, "baseline"): "6",
            (factories, "midterm_target"): "6",
            (factories, "target"): "5",
        },
    )
    assert problems == {
        (workshops, "midterm_target"): "中期目标应介于期初值和目标值之间（不低于期初值）",
        (factories, "target"): "目标值不能低于期初值",
        (factories, "midterm_target"): "中期目标应介于期初值和目标值之间（不高于目标值）",
    }
    # nothing typed is lost
    assert stored(plan, "数字车间") == (Decimal(10), Decimal(4), Decimal(20))
    assert stored(plan, "智能工厂") == (Decimal(6), Decimal(6), Decimal(5))
    # and submission names both rows
    problems = services.submission_problems(plan)
    assert "绩效目标表：“数字车间”中期目标：中期目标应介于期初值和目标值之间（不低于期初值）" in problems
    assert "绩效目标表：“智能工厂”目标值：目标值不能低于期初值" in problems


def test_a_cell_checked_against_the_stored_values_of_its_row(plan):
    """A row rule also holds between a newly typed cell and the cells saved earlier."""
    actor = applicant_of(plan)
    workshops = indicator_id(plan, "数字车间")
    services.target_table_save(actor=actor, plan=plan, cells={(workshops, "baseline"): "10"})
    problems = services.target_table_save(actor=actor, plan=plan, cells={(workshops, "target"): "8"})
    assert problems == {(workshops, "target"): "目标值不能低于期初值"}


def test_clearing_a_cell_empties_it(plan):
    actor = applicant_of(plan)
    workshops = indicator_id(plan, "数字车间")
    services.target_table_save(actor=actor, plan=plan, cells={(workshops, "baseline"): "10"})
    assert services.target_table_save(actor=actor, plan=plan, cells={(workshops, "baseline"): ""}) == {}
    assert stored(plan, "数字车间") == (None, None, None)


@pytest.mark.parametrize(("name", "typed"), [("数字车间", "10"), ("企业上云率", "41.5")])
def test_saving_the_same_values_again_writes_no_audit_event(plan, name, typed):
    """The form posts every cell on each save: unchanged rows must not show up as changes."""
    actor = applicant_of(plan)
    pk = indicator_id(plan, name)
    services.target_table_save(actor=actor, plan=plan, cells={(pk, "baseline"): typed})
    services.target_table_save(actor=actor, plan=plan, cells={(pk, "baseline"): typed})
    events = AuditEvent.objects.filter(action="plan.target_table_save", target_id=str(plan.pk))
    assert [event.changes for event in events] == [{name: {"baseline": [None, events[0].changes[name]["baseline"][1]]}}]


def test_cells_of_indicators_outside_the_plan_are_ignored(plan):
    other = PilotPlanFactory(call=plan.call)
    problems = services.target_table_save(actor=applicant_of(plan), plan=plan, cells={(10**9, "baseline"): "5"})
    assert problems == {}
    assert not plan.target_values.exclude(baseline=None).exists()
    assert not other.target_values.exclude(baseline=None).exists()


def test_the_table_of_a_submitted_plan_cannot_be_saved(db):
    plan = PilotPlanFactory(state="submitted", state__enterprises=3)
    workshops = indicator_id(plan, "数字车间")
    before = stored(plan, "数字车间")
    with pytest.raises(ValidationError) as caught:
        services.target_table_save(actor=applicant_of(plan), plan=plan, cells={(workshops, "baseline"): "1"})
    assert caught.value.messages == ["方案当前状态为“已提交，待形式审查”，不能修改。"]
    assert stored(plan, "数字车间") == before


# --- the retrofit rule (at least 100 enterprises to retrofit) ----------------------------------------


def retrofit_problem(total: int, minimum: int = 100) -> str:
    return f"改造规上、规下企业数量目标合计为{total}家，不足{minimum}家。"


def fill_table_with_retrofit(plan: PilotPlan, above: int, below: int) -> dict:
    cells = target_cells(plan)
    for name, target in ((RETROFIT_ABOVE, above), (RETROFIT_BELOW, below)):
        pk = indicator_id(plan, name)
        cells[(pk, "baseline")], cells[(pk, "midterm_target")], cells[(pk, "target")] = "0", "0", str(target)
    return services.target_table_save(actor=applicant_of(plan), plan=plan, cells=cells)


@pytest.mark.parametrize(
    ("above", "below", "refused"), [(60, 39, True), (60, 40, False), (100, 0, False), (0, 0, True)]
)
def test_retrofit_targets_must_add_up_to_100(plan, above, below, refused):
    assert fill_table_with_retrofit(plan, above, below) == {}
    problems = services.submission_problems(plan)
    assert (retrofit_problem(above + below) in problems) is refused
    assert not [problem for problem in problems if problem.startswith("绩效目标表")]
    assert not [problem for problem in problems if problem.startswith("改造规上") and not refused]


def test_an_empty_table_counts_as_zero_retrofits_and_lists_every_row(plan):
    problems = services.submission_problems(plan)
    assert retrofit_problem(0) in problems
    table = [problem for problem in problems if problem.startswith("绩效目标表：")]
    assert len(table) == 23
    assert table[0] == "绩效目标表：“规上制造业企业”未填写：期初值、中期目标、目标值"


def test_the_minimum_is_the_calls(db):
    plan = PilotPlanFactory(call=PilotCallFactory(min_retrofit_enterprises=150))
    fill_table_with_retrofit(plan, 100, 49)
    assert retrofit_problem(149, 150) in services.submission_problems(plan)
    fill_table_with_retrofit(plan, 100, 50)
    assert not [problem for problem in services.submission_problems(plan) if problem.startswith("改造规上")]
