from .approvals import (
    Acceptance,
    Approval,
    Clawback,
    DocumentNumberSequence,
    Instalment,
    Payment,
    Selection,
    SelectionEntry,
)
from .calls import PilotCall, ScoreCriterion
from .changes import PlanChange
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
    "Acceptance",
    "Approval",
    "Clawback",
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
    "PlanChange",
    "PlanEnterprise",
    "PlanVersion",
    "ScoreCriterion",
    "Selection",
    "SelectionEntry",
    "TargetTemplate",
    "TargetValue",
]
