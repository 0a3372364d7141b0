from .approvals import Approval, DocumentNumberSequence, Instalment, Payment, Selection, SelectionEntry
from .calls import PilotCall, ScoreCriterion
from .plans import (
    FundLine,
    IndustryChain,
    PhasedTask,
    PilotPlan,
    PilotPlanGroupObjectPermission,
    PilotPlanUserObjectPermission,
    PlanEnterprise,
    PlanVersion,
    TargetValue,
)
from .targets import Indicator, TargetTemplate

__all__ = [
    "Approval",
    "DocumentNumberSequence",
    "FundLine",
    "Indicator",
    "IndustryChain",
    "Instalment",
    "Payment",
    "PhasedTask",
    "PilotCall",
    "PilotPlan",
    "PilotPlanGroupObjectPermission",
    "PilotPlanUserObjectPermission",
    "PlanEnterprise",
    "PlanVersion",
    "ScoreCriterion",
    "Selection",
    "SelectionEntry",
    "TargetTemplate",
    "TargetValue",
]
