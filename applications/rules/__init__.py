"""The rule engine: three kinds of rule, their parameter schemas, and the evaluation of a category's
rules against an applicant's facts.

Plain Python on plain values (no database), so that the same code checks a rule when the department
saves it and computes every quote. The numbers themselves — rates, caps, thresholds, amounts — come
from CategoryRule.params; nothing here knows a policy.

Parameters (JSON; money and rates as decimal strings, never floats):

- ``rate_of_base``: ``{"base_fact": <money fact>, "rate": "0.13", "cap": "6000000.00" | null,
  "minimum_base": "20000000.00" | null, "requires": [<fact>, …]}`` — amount = base × rate, rounded down
  to the fen, at most ``cap``; not eligible below ``minimum_base``.
- ``fixed_per_unit``: ``{"unit_fact": <choice fact>, "amounts": {<choice>: "500000.00", …},
  "quantity_fact": <integer fact> | null, "unit": "家", "requires": […]}`` — amount per unit × quantity (1 when
  no quantity fact).
- ``fixed_by_level``: ``{"level_fact": <choice fact>, "amounts": {<choice>: "2000000.00", …},
  "requires": […]}`` — the award of the recognised level.

A rule applies when all its facts are given and, for the two fixed kinds, the chosen value has an amount
in that rule. A category's quote is the highest eligible applicable rule paid to the applicant (就高不重复);
rules paid to a third party (the diagnosis supervisor) are reported but not counted.
"""

from .base import (
    CENT,
    CHOICE,
    FIXED_BY_LEVEL,
    FIXED_PER_UNIT,
    INTEGER,
    MONEY,
    PAYEE_APPLICANT,
    PAYEE_THIRD_PARTY,
    RATE_OF_BASE,
    ZERO,
    RuleDataError,
    exact_money,
    money,
    percent,
    shown,
)
from .engine import Outcome, Rule, evaluate, evaluate_rule
from .facts import Fact, check_choices, is_missing, parse_fact, parse_facts
from .params import (
    AmountTable,
    Number,
    RateOfBase,
    check_evidence,
    editable_numbers,
    parse_params,
    with_numbers,
)

__all__ = [
    "CENT",
    "CHOICE",
    "FIXED_BY_LEVEL",
    "FIXED_PER_UNIT",
    "INTEGER",
    "MONEY",
    "PAYEE_APPLICANT",
    "PAYEE_THIRD_PARTY",
    "RATE_OF_BASE",
    "ZERO",
    "AmountTable",
    "Fact",
    "Number",
    "Outcome",
    "RateOfBase",
    "Rule",
    "RuleDataError",
    "check_choices",
    "check_evidence",
    "editable_numbers",
    "evaluate",
    "evaluate_rule",
    "exact_money",
    "is_missing",
    "money",
    "parse_fact",
    "parse_facts",
    "parse_params",
    "percent",
    "shown",
    "with_numbers",
]
