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
    "FundLine",
    "Indicator",
    "IndustryChain",
    "PhasedTask",
    "PilotCall",
    "PilotPlan",
    "PilotPlanGroupObjectPermission",
    "PilotPlanUserObjectPermission",
    "PlanEnterprise",
    "PlanVersion",
    "ScoreCriterion",
    "TargetTemplate",
    "TargetValue",
]
