"""Plan reviews: the assignments of plans with their totals, means and spread; the ranking; the
expert's own view of a plan's review (blind until every active review is submitted)."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.permissions import has_role
from accounts.roles import Role
from pilots.models import PilotCall, PilotPlan, ScoreCriterion

from .. import scoring
from ..models import Assignment, ConsensusNote, CriterionScore
from ..permissions import REVIEWED_PLANS

Status = Assignment.Status
OPEN = (Status.PENDING, Status.SCORING)
ACTIVE = (Status.PENDING, Status.SCORING, Status.SUBMITTED)


def criterion_key(criterion: ScoreCriterion) -> str:
    """How a criterion is named in per-criterion means and in the frozen report: its code, else its name."""
    return criterion.code or criterion.name


# --- plan reviews: assignments, totals, means, flags -------------------------------------------------


@dataclass
class PlanReview:
    """One plan under review, with its assignments (each with ``total`` and ``score_list`` when
    submitted) and the figures computed from the submitted ones."""

    plan: PilotPlan
    assignments: list[Assignment]
    criteria: list[ScoreCriterion]

    @property
    def call(self) -> PilotCall:
        return self.plan.call

    @cached_property
    def submitted(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status == Status.SUBMITTED]

    @cached_property
    def active(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status != Status.DECLINED]

    @cached_property
    def open(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status in OPEN]

    @cached_property
    def declined(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status == Status.DECLINED]

    @property
    def needed(self) -> int:
        """How many more experts the plan needs (declined ones must be replaced)."""
        return max(self.call.experts_per_plan - len(self.active), 0)

    @property
    def complete(self) -> bool:
        """Enough submitted reviews and none still open."""
        return len(self.submitted) >= self.call.experts_per_plan and not self.open

    @cached_property
    def totals(self) -> list[Decimal]:
        return [a.total for a in self.submitted]

    @cached_property
    def mean(self) -> Decimal | None:
        return scoring.mean(self.totals)

    @cached_property
    def flagged(self) -> bool:
        return scoring.is_spread(self.totals, self.call.spread_threshold)

    @cached_property
    def criterion_means(self) -> dict[str, Decimal]:
        means = {}
        for criterion in self.criteria:
            values = [a.score_by_criterion[criterion.pk].score for a in self.submitted]
            values = [value for value in values if value is not None]
            if values:
                means[criterion_key(criterion)] = scoring.mean(values)
        return means

    @cached_property
    def consensus_note(self) -> ConsensusNote | None:
        try:
            return self.plan.consensus_note
        except ConsensusNote.DoesNotExist:
            return None

    @property
    def needs_consensus_note(self) -> bool:
        return self.flagged and self.consensus_note is None


def _attach_scores(assignment: Assignment, criteria: list[ScoreCriterion], scores: dict[int, CriterionScore]) -> None:
    """``score_by_criterion`` (criterion id → CriterionScore, an unsaved empty one where none was
    saved), ``score_list`` in the call's criterion order, and ``total`` when every line has a score."""
    assignment.score_by_criterion = {
        criterion.pk: scores.get(criterion.pk) or CriterionScore(assignment=assignment, criterion=criterion)
        for criterion in criteria
    }
    assignment.score_list = [assignment.score_by_criterion[criterion.pk] for criterion in criteria]
    lines = [
        scoring.Line(score=line.score, max_points=line.criterion.max_points, weight=line.criterion.weight)
        for line in assignment.score_list
        if line.score is not None
    ]
    assignment.total = scoring.weighted_total(lines) if len(lines) == len(criteria) and criteria else None


def load_plan_reviews(plans: QuerySet[PilotPlan], *, drafts_of=None) -> list[PlanReview]:
    """The reviews of ``plans`` in four queries: plans, assignments, submitted scores, criteria.
    ``drafts_of`` (an assignment) also loads that one assignment's unsubmitted scores (its expert's own)."""
    plans = list(
        plans.select_related("call", "region", "applicant", "consensus_note__author").order_by("region__code", "pk")
    )
    plan_ids = [plan.pk for plan in plans]
    assignments = list(
        Assignment.objects.filter(plan_id__in=plan_ids)
        .select_related("expert__home_region")
        .order_by("assigned_at", "pk")
    )
    visible = Q(assignment__status=Status.SUBMITTED)
    if drafts_of is not None:
        visible |= Q(assignment_id=drafts_of.pk)
    scores: dict[int, dict[int, CriterionScore]] = {}
    for score in CriterionScore.objects.filter(visible, assignment__plan_id__in=plan_ids).select_related("criterion"):
        scores.setdefault(score.assignment_id, {})[score.criterion_id] = score
    criteria: dict[int, list[ScoreCriterion]] = {}
    for criterion in ScoreCriterion.objects.filter(call_id__in={plan.call_id for plan in plans}).order_by("order"):
        criteria.setdefault(criterion.call_id, []).append(criterion)
    call_of_plan = {plan.pk: plan.call_id for plan in plans}
    by_plan: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        plan_criteria = criteria.get(call_of_plan[assignment.plan_id], [])
        _attach_scores(assignment, plan_criteria, scores.get(assignment.pk, {}))
        by_plan.setdefault(assignment.plan_id, []).append(assignment)
    return [
        PlanReview(plan=plan, assignments=by_plan.get(plan.pk, []), criteria=criteria.get(plan.call_id, []))
        for plan in plans
    ]


def call_plan_reviews(call: PilotCall) -> list[PlanReview]:
    """The plans of a call that are (or were) under review, or accepted and waiting for it."""
    statuses = {*REVIEWED_PLANS, PilotPlan.Status.ACCEPTED}
    return load_plan_reviews(PilotPlan.objects.filter(call=call, status__in=statuses))


def plan_review(plan: PilotPlan) -> PlanReview:
    return load_plan_reviews(PilotPlan.objects.filter(pk=plan.pk))[0]


# --- ranking ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedPlan:
    """A plan's place in the call's ranking. ``rank`` is None (and ``mean`` None) for a plan without
    any submitted review yet. ``criterion_means`` maps a criterion's code (its name when it has no code)
    to the mean of the experts' points on it."""

    plan: PilotPlan
    rank: int | None
    mean: Decimal | None
    eligible: bool
    flagged: bool
    criterion_means: dict[str, Decimal] = field(default_factory=dict)
    totals: tuple[Decimal, ...] = ()
    has_consensus_note: bool = False


def rank_reviews(reviews: list[PlanReview], *, pass_threshold: Decimal) -> list[RankedPlan]:
    scored = {review.plan.pk: review for review in reviews if review.mean is not None}
    keys = {
        pk: scoring.RankKey(
            mean=review.mean,
            tie_breaks=scoring.tie_break_values(review.criterion_means),
            region_code=review.plan.region.code,
        )
        for pk, review in scored.items()
    }
    ranked = []
    for rank, pk in enumerate(scoring.rank_order(keys), start=1):
        review = scored[pk]
        ranked.append(_ranked(review, rank=rank, eligible=review.mean >= pass_threshold))
    ranked += [_ranked(review, rank=None, eligible=False) for review in reviews if review.mean is None]
    return ranked


def _ranked(review: PlanReview, *, rank: int | None, eligible: bool) -> RankedPlan:
    return RankedPlan(
        plan=review.plan,
        rank=rank,
        mean=review.mean,
        eligible=eligible,
        flagged=review.flagged,
        criterion_means=dict(review.criterion_means),
        totals=tuple(review.totals),
        has_consensus_note=review.consensus_note is not None,
    )


def ranked_plans(call: PilotCall) -> list[RankedPlan]:
    """The call's plans in ranking order (from the submitted reviews, as they stand; once the ranking
    report is submitted nothing can change them any more). Plans without any submitted review come
    last, unranked."""
    reviews = load_plan_reviews(PilotPlan.objects.filter(call=call, status__in=REVIEWED_PLANS))
    return rank_reviews(reviews, pass_threshold=call.pass_threshold)


def ranking_problems(call: PilotCall, reviews: list[PlanReview]) -> list[str]:
    """Every reason the ranking report cannot be submitted yet (empty: ready)."""
    problems = []
    if call.status != PilotCall.Status.IN_REVIEW:
        problems.append(_("批次当前状态为“%(status)s”，不能提交排名报告。") % {"status": call.get_status_display()})
    in_review = [review for review in reviews if review.plan.status in REVIEWED_PLANS]
    if not in_review:
        problems.append(_("本批次没有进入专家评审的方案。"))
    for review in in_review:
        region = review.plan.region.name
        if len(review.submitted) < call.experts_per_plan:
            problems.append(
                _("%(region)s：已提交评审%(count)s份，至少需要%(needed)s份。")
                % {"region": region, "count": len(review.submitted), "needed": call.experts_per_plan}
            )
        elif review.open:
            problems.append(_("%(region)s：尚有专家未提交评审。") % {"region": region})
        if review.needs_consensus_note:
            problems.append(_("%(region)s：专家评分差异超过阈值，请先记录合议意见。") % {"region": region})
    return problems


# --- the expert's own assignments ------------------------------------------------------------------


def expert_assignments(user) -> QuerySet[Assignment]:
    """The expert's own assignments: region and title only, never the plan's content."""
    if not has_role(user, Role.EXPERT):
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(expert__user=user)
        .select_related("plan__region", "plan__call")
        .order_by("-assigned_at", "-pk")
    )


def call_criteria(call_id: int) -> list[ScoreCriterion]:
    return list(ScoreCriterion.objects.filter(call_id=call_id).order_by("order"))


def assignment_scorecard(assignment: Assignment) -> tuple[PlanReview, Assignment]:
    """The plan's review as the assignment's expert may see it: their own scores (drafts too) and the
    others' only through ``peer_reviews``. Returns the review and the expert's own assignment from it."""
    review = load_plan_reviews(PilotPlan.objects.filter(pk=assignment.plan_id), drafts_of=assignment)[0]
    own = next(a for a in review.assignments if a.pk == assignment.pk)
    return review, own


def peer_reviews(review: PlanReview, own: Assignment) -> list[Assignment] | None:
    """The other experts' submitted reviews, once every active assignment of the plan is submitted;
    None until then (an expert sees no one else's scores before)."""
    if own.status != Status.SUBMITTED or review.open:
        return None
    return [a for a in review.submitted if a.pk != own.pk]


def revision_suggestions(plan: PilotPlan) -> str:
    """The submitted reviews' suggestions for revising the plan, numbered (for the approval's requests)."""
    texts = (
        Assignment.objects.filter(plan=plan, status=Assignment.Status.SUBMITTED)
        .exclude(revision_suggestions="")
        .order_by("submitted_at", "pk")
        .values_list("revision_suggestions", flat=True)
    )
    distinct = dict.fromkeys(text.strip() for text in texts)  # the same advice from two experts once
    return "\n".join(f"{number}. {text}" for number, text in enumerate(distinct, start=1))
