"""evaluation.completion: met (达标) and the completion rate (完成率) of one indicator, and the worked examples
of docs/evaluation-rules.md, which must agree with the code."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from evaluation.completion import completion, is_met

D = Decimal
DOCS = Path(__file__).resolve().parents[2] / "docs" / "evaluation-rules.md"


@pytest.mark.parametrize(
    ("target", "actual", "met"),
    [
        ("20", "20", True),  # exactly at target
        ("20", "25", True),
        ("20", "19", False),
        ("80.0", "80.0", True),  # a percentage exactly at target
        ("80.5", "80.4", False),  # one tenth short
        ("0", "0", True),
    ],
)
def test_met_means_at_least_the_target(target, actual, met):
    assert is_met(D(target), D(actual)) is met


def test_nothing_is_met_without_an_actual_or_a_target():
    assert is_met(D("20"), None) is None
    assert is_met(None, D("20")) is None


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "expected"),
    [
        ("10", "20", "20", "100.0"),  # exactly at target
        ("10", "20", "25", "150.0"),  # over-achievement is not capped
        ("10", "20", "15", "50.0"),
        ("10", "20", "10", "0.0"),  # no change
        ("10", "20", "8", "-20.0"),  # below the baseline: negative
        ("0", "3", "1", "33.3"),
        ("0", "3", "2", "66.7"),
        ("0", "400", "1", "0.3"),  # 0.25 rounds half up (not to even)
        ("45.5", "80.5", "62.0", "47.1"),  # percentages: on percentage points
        ("45.5", "80.5", "80.5", "100.0"),
        ("45.5", "80.5", "79.9", "98.3"),
        ("45.5", "80.5", "40.0", "-15.7"),
    ],
)
def test_completion_is_the_share_of_the_planned_improvement(baseline, target, actual, expected):
    result = completion(D(baseline), D(target), D(actual))
    assert result == D(expected)
    assert str(result) == expected  # always one decimal place


@pytest.mark.parametrize(
    ("actual", "expected"),
    [("5", "100.0"), ("9", "100.0"), ("4", "0.0"), ("4.9", "0.0")],
)
def test_target_equal_to_baseline_means_keep_the_level(actual, expected):
    assert str(completion(D("5"), D("5"), D(actual))) == expected
    assert is_met(D("5"), D(actual)) is (D(actual) >= 5)


def test_a_missing_value_gives_no_completion():
    assert completion(D("10"), D("20"), None) is None
    assert completion(D("10"), None, D("20")) is None
    # without a baseline, nothing was asked beyond the target itself
    assert completion(None, D("20"), D("20")) == D("100.0")
    assert completion(None, D("20"), D("19")) == D("0.0")


def _documented_examples() -> list[tuple[str, str, str, str, str, str]]:
    """The rows of the worked-examples table of docs/evaluation-rules.md."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Worked examples", 1)[1].split("\n\n", 2)[1]
    rows = []
    for line in section.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append(tuple(cells))
    return rows


def _number(cell: str) -> Decimal | None:
    match = re.search(r"−?-?\d+(\.\d+)?", cell)
    if cell.strip() == "—" or match is None:
        return None
    return D(match.group(0).replace("−", "-"))


def test_the_documented_examples_agree_with_the_code():
    rows = _documented_examples()
    assert len(rows) >= 10
    for case, baseline, target, actual, met, rate in rows:
        b, t, a = _number(baseline), _number(target), _number(actual)
        expected_met = {"yes": True, "no": False, "—": None}[met]
        assert is_met(t, a) is expected_met, case
        assert completion(b, t, a) == _number(rate), case
