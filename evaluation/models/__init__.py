from .monitoring import ActualValue, Evaluation, FundSpending, IndicatorRating, Report
from .review import Assignment, CallReview, ConsensusNote, CriterionScore, ExpertProfile, RankingReport

__all__ = [
    "ActualValue",
    "Assignment",
    "CallReview",
    "ConsensusNote",
    "CriterionScore",
    "Evaluation",
    "ExpertProfile",
    "FundSpending",
    "IndicatorRating",
    "RankingReport",
    "Report",
]
