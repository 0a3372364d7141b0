"""The end of a call's review: consensus notes on spread scores, and the ranking report."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from pilots.models import PilotCall, PilotPlan

from ..models import ConsensusNote, RankingReport
from ..permissions import REVIEWED_PLANS
from ..selectors import PlanReview, RankedPlan, criterion_key, load_plan_reviews, rank_reviews, ranking_problems
from .review import lock_call_in_review


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def consensus_note_save(*, actor, plan: PilotPlan, note: str) -> ConsensusNote:
    """Record (or rewrite) the coordinator's note on a plan whose expert totals spread too far."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请填写合议意见。")}, code="note_required")
    lock_call_in_review(actor=actor, call=plan.call)
    plan = PilotPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PilotPlan.Status.IN_REVIEW:
        raise ValidationError(_("该方案不在专家评审中。"), code="not_in_review")
    existing = ConsensusNote.objects.filter(plan=plan).first()
    before = existing.note if existing else None
    consensus = existing or ConsensusNote(plan=plan)
    consensus.note, consensus.author, consensus.written_at = note, actor, timezone.now()
    consensus._history_user = actor
    consensus.full_clean()
    consensus.save()
    changes = {"note": [before, note], "plan": plan.title}
    record_event(actor=actor, action="consensus_note.save", target=consensus, changes=changes)
    return consensus


def ranking_report_content(
    *, call: PilotCall, reviews: list[PlanReview], ranked: list[RankedPlan], actor, submitted_at
) -> dict:
    """The report as it is frozen: plain JSON (numbers as strings), everything the PDF prints."""
    by_plan = {review.plan.pk: review for review in reviews}
    criteria = reviews[0].criteria if reviews else []
    plans = []
    for entry in ranked:
        review = by_plan[entry.plan.pk]
        note = review.consensus_note
        plans.append(
            {
                "plan_id": entry.plan.pk,
                "rank": entry.rank,
                "region_code": entry.plan.region.code,
                "region": entry.plan.region.name,
                "title": entry.plan.title,
                "applicant": entry.plan.applicant.name,
                "mean": None if entry.mean is None else str(entry.mean),
                "eligible": entry.eligible,
                "flagged": entry.flagged,
                "criterion_means": [
                    {
                        "key": criterion_key(criterion),
                        "name": criterion.name,
                        "mean": str(entry.criterion_means.get(criterion_key(criterion), "")),
                    }
                    for criterion in criteria
                ],
                "reviews": [
                    {
                        "expert": assignment.expert.full_name,
                        "employer": assignment.expert.employer,
                        "scores": [
                            {"criterion": line.criterion.name, "score": str(line.score), "comment": line.comment}
                            for line in assignment.score_list
                        ],
                        "total": str(assignment.total),
                        "overall_opinion": assignment.overall_opinion,
                        "revision_suggestions": assignment.revision_suggestions,
                        "recommendation": assignment.get_recommendation_display(),
                        "submitted_at": timezone.localtime(assignment.submitted_at).isoformat(),
                    }
                    for assignment in review.submitted
                ],
                "consensus_note": None
                if note is None
                else {
                    "note": note.note,
                    "author": _name(note.author),
                    "written_at": timezone.localtime(note.written_at).isoformat(),
                },
            }
        )
    return {
        "call": {
            "id": call.pk,
            "title": call.title,
            "year": call.year,
            "experts_per_plan": call.experts_per_plan,
            "pass_threshold": str(call.pass_threshold),
            "spread_threshold": str(call.spread_threshold),
        },
        "agency": call.review.agency.name,
        "criteria": [
            {
                "key": criterion_key(criterion),
                "name": criterion.name,
                "max_points": str(criterion.max_points),
                "weight": str(criterion.weight),
            }
            for criterion in criteria
        ],
        "plans": plans,
        "submitted_by": _name(actor),
        "submitted_at": timezone.localtime(submitted_at).isoformat(),
    }


@transaction.atomic
def ranking_report_submit(*, actor, call: PilotCall) -> RankingReport:
    """Freeze the ranking (every plan with enough submitted reviews, every spread plan with a consensus
    note), mark the call "ranked" and render the PDF after commit. Nothing in the review can change
    after this: every review service refuses a call that is not "in review"."""
    call = lock_call_in_review(actor=actor, call=call)
    reviews = load_plan_reviews(PilotPlan.objects.filter(call=call, status__in=REVIEWED_PLANS))
    problems = ranking_problems(call, reviews)
    if problems:
        raise ValidationError(problems, code="not_ready")
    ranked = rank_reviews(reviews, pass_threshold=call.pass_threshold)
    now = timezone.now()
    report = RankingReport.objects.create(
        call=call,
        content=ranking_report_content(call=call, reviews=reviews, ranked=ranked, actor=actor, submitted_at=now),
        submitted_by=actor,
        submitted_at=now,
    )
    before = call.status
    call.status = PilotCall.Status.RANKED
    call.save(update_fields=["status"])
    record_event(actor=actor, action="call.ranked", target=call, changes={"status": [before, call.status]})
    summary = [
        {"rank": entry.rank, "region": entry.plan.region.name, "mean": str(entry.mean), "eligible": entry.eligible}
        for entry in ranked
    ]
    record_event(actor=actor, action="ranking_report.submit", target=report, changes={"ranking": summary})
    from ..tasks import render_ranking_report_pdf

    # robust: a failed render is retried by the worker; it never undoes the submitted ranking.
    transaction.on_commit(lambda: render_ranking_report_pdf.delay(report.pk), robust=True)
    return report
