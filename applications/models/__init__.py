"""The models of applications: the policy catalogue (``policies``) and the applications (``cases``)."""

from .cases import (
    ApplicationExpertReview,
    FiscalContribution,
    InvestmentItem,
    SubsidyApplication,
    SubsidyPayment,
    SubsidyRound,
)
from .policies import CategoryRule, FactDefinition, Policy, PolicyCategory

__all__ = [
    "ApplicationExpertReview",
    "CategoryRule",
    "FactDefinition",
    "FiscalContribution",
    "InvestmentItem",
    "Policy",
    "PolicyCategory",
    "SubsidyApplication",
    "SubsidyPayment",
    "SubsidyRound",
]
