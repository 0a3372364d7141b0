"""The one check per action on a mid-term or final evaluation. Not found and not allowed look the same (404).

- Reading an evaluation: whoever may see the plan (``pilots.permissions.can_view_plan``): the league/city's
  own bureaus, and the Department, the Finance Department and the auditor for every region. Another
  region's evaluation is a 404.
- The list of pilots to evaluate: the Department (officer, leader) and the auditor.
- Opening, rating, proposing the outcome and setting the rectification: the Department officer.
- Confirming or sending back the proposed outcome: the Department leader, never the one who proposed it
  (four eyes; the service refuses the proposer with a message, the pages do not offer it).
- An expert asked for an opinion: only that opinion's page (the report's actual values against the targets,
  without the officer's ratings), never another expert's.
- The auditor reads everything (every round, rating and decision) and changes nothing.
"""

from django.http import Http404

from accounts.permissions import has_role
from accounts.roles import Role
from pilots.permissions import can_view_plan

from .models import Evaluation, ExpertOpinion


def can_view_evaluation_list(user) -> bool:
    return has_role(user, Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR)


def can_run_evaluation(user, evaluation: Evaluation | None = None) -> bool:
    """Open, rate, propose, set the rectification: the officer (while the evaluation is open)."""
    return has_role(user, Role.DEPARTMENT_OFFICER) and (evaluation is None or evaluation.is_open)


def can_decide_evaluation(user, evaluation: Evaluation | None = None) -> bool:
    """Confirm or send back a proposed outcome: a leader other than the proposer."""
    if not has_role(user, Role.DEPARTMENT_LEADER):
        return False
    if evaluation is None:
        return True
    return evaluation.status == Evaluation.Status.DECIDING and evaluation.proposed_by_id != user.pk


def can_view_evaluation(user, evaluation: Evaluation) -> bool:
    return can_view_plan(user, evaluation.plan)


def get_evaluation_for_user_or_404(user, pk, *, queryset=None) -> Evaluation:
    if queryset is None:
        queryset = Evaluation.objects.select_related(
            "plan__region", "plan__call", "plan__applicant", "opened_by", "proposed_by", "decided_by"
        )
    evaluation = queryset.filter(pk=pk).first()
    if evaluation is None or not can_view_evaluation(user, evaluation):
        raise Http404
    return evaluation


def can_view_opinion(user, opinion: ExpertOpinion) -> bool:
    """Only the expert asked; the Department and the auditor read opinions on the evaluation page."""
    return has_role(user, Role.EXPERT) and opinion.expert.user_id == user.pk


def get_opinion_for_user_or_404(user, pk) -> ExpertOpinion:
    opinion = (
        ExpertOpinion.objects.select_related("expert", "evaluation__plan__region", "evaluation__plan__call")
        .filter(pk=pk)
        .first()
    )
    if opinion is None or not can_view_opinion(user, opinion):
        raise Http404
    return opinion
