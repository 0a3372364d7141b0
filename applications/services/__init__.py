"""The public services of applications (see docs/subsidy-rules.md). These names and signatures are
stable; the modules behind them are not."""

from .awards import application_approve, fiscal_contribution_record, payment_record, round_notice_publish
from .cases import InvestmentSpec, application_save, application_submit, city_review, county_review
from .experts import expert_assign, expert_review_conclude, expert_review_submit
from .payments import PaymentSchedule, schedule_payments, unpaid_amount
from .policies import policy_copy, rule_revise
from .quotes import SubsidyQuote, best_quote, quote_subsidy
from .rounds import round_close, round_create, round_open, round_update

__all__ = [
    "InvestmentSpec",
    "PaymentSchedule",
    "SubsidyQuote",
    "application_approve",
    "application_save",
    "application_submit",
    "best_quote",
    "city_review",
    "county_review",
    "expert_assign",
    "expert_review_conclude",
    "expert_review_submit",
    "fiscal_contribution_record",
    "payment_record",
    "policy_copy",
    "quote_subsidy",
    "round_close",
    "round_create",
    "round_notice_publish",
    "round_open",
    "round_update",
    "rule_revise",
    "schedule_payments",
    "unpaid_amount",
]
