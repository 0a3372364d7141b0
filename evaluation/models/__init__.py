from .monitoring import ActualValue, Evaluation, FundSpending, IndicatorRating, Report
from .opinions import ExpertOpinion
from .review import Assignment, CallReview, ConsensusNote, CriterionScore, ExpertProfile, RankingReport

__all__ = [
    "ActualValue",
    "Assignment",
    "CallReview",
    "ConsensusNote",
    "CriterionScore",
    "Evaluation",
    "ExpertOpinion",
    "ExpertProfile",
    "FundSpending",
    "IndicatorRating",
    "RankingReport",
    "Report",
]
