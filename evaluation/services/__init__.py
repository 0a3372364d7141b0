"""Writes of the expert review. Import from here: ``from evaluation import services``.

Every function is keyword-only, runs in one transaction, locks what it changes and writes its audit
event inside that transaction."""

from .assignments import (
    ScorecardInput,
    assignment_declare_no_conflict,
    assignment_decline,
    assignment_reopen,
    assignment_submit,
    comment_field,
    score_field,
    scorecard_save_draft,
)
from .experts import expert_update
from .ranking import consensus_note_save, ranking_report_content, ranking_report_submit
from .review import assignment_create, assignments_create_many, review_start

__all__ = [
    "ScorecardInput",
    "assignment_create",
    "assignment_declare_no_conflict",
    "assignment_decline",
    "assignment_reopen",
    "assignment_submit",
    "assignments_create_many",
    "comment_field",
    "consensus_note_save",
    "expert_update",
    "ranking_report_content",
    "ranking_report_submit",
    "review_start",
    "score_field",
    "scorecard_save_draft",
]
