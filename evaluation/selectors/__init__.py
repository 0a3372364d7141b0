"""Reads of the expert review. Each selector applies the viewer's permissions (see permissions.py) or
is called with objects a permission check has already returned, and loads what its page needs in a
fixed number of queries whatever the number of rows.

Import from here: ``from evaluation import selectors``; ``selectors.ranked_plans(call)`` and
``selectors.inbox_items(user)`` are what other apps use."""

from .inbox import inbox_items
from .pool import (
    AssignChoices,
    assign_choices,
    assignment_events,
    expert_pool,
    plan_facts,
    plan_review_history,
    review_calls,
    review_suggestions,
)
from .reviews import (
    ACTIVE,
    OPEN,
    PlanReview,
    RankedPlan,
    assignment_scorecard,
    call_criteria,
    call_plan_reviews,
    criterion_key,
    expert_assignments,
    load_plan_reviews,
    peer_reviews,
    plan_review,
    rank_reviews,
    ranked_plans,
    ranking_problems,
    revision_suggestions,
)

__all__ = [
    "ACTIVE",
    "OPEN",
    "AssignChoices",
    "PlanReview",
    "RankedPlan",
    "assign_choices",
    "assignment_events",
    "assignment_scorecard",
    "call_criteria",
    "call_plan_reviews",
    "criterion_key",
    "expert_assignments",
    "expert_pool",
    "inbox_items",
    "load_plan_reviews",
    "peer_reviews",
    "plan_facts",
    "plan_review",
    "plan_review_history",
    "rank_reviews",
    "ranked_plans",
    "ranking_problems",
    "review_calls",
    "review_suggestions",
    "revision_suggestions",
]
