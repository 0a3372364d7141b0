"""The public services of applications (see docs/subsidy-rules.md). These names and signatures are
stable; the modules behind them are not."""

from .payments import PaymentSchedule, schedule_payments, unpaid_amount
from .policies import policy_copy, rule_revise
from .quotes import SubsidyQuote, best_quote, quote_subsidy

__all__ = [
    "PaymentSchedule",
    "SubsidyQuote",
    "best_quote",
    "policy_copy",
    "quote_subsidy",
    "rule_revise",
    "schedule_payments",
    "unpaid_amount",
]
