from django.db import transaction

from accounts.demo import AGENCY_NAME, EXPERTS, demo_user
from accounts.models import Organisation, Region
from accounts.roles import Role

from .models import ExpertProfile


@transaction.atomic
def load_demo_experts() -> list[tuple[str, str, str]]:
    agency = Organisation.objects.get(name=AGENCY_NAME)
    regions = {region.code: region for region in Region.objects.all()}
    accounts = []
    for username, full_name, employer, fields, home in EXPERTS:
        account = demo_user(username, Role.EXPERT, agency, "评审专家")
        ExpertProfile.objects.get_or_create(
            user=account,
            defaults={
                "full_name": full_name,
                "employer": employer,
                "fields_of_expertise": fields,
                "home_region": regions[home],
            },
        )
        accounts.append((username, f"{Role.EXPERT.label}（{full_name}，{employer}）", agency.name))
    return accounts


DEMO_COMMENTS = {
    "authenticity": "基础数据与统计口径一致，企业名单可核验。",
    "completeness": "各章节齐全，绩效目标表填写完整。",
    "soundness": "实施路径清晰，但阶段任务的衔接还可细化。",
    "feasibility": "资金筹措方案可行，配套资金来源明确。",
    "fit": "所选产业链符合国家产业方向和本地区产业布局。",
    "realism": "目标总体合理，保障措施具体。",
}


@transaction.atomic
def load_demo_review(call):
    """Start the expert review of ``call`` as the demo coordinator ("agency") and leave one assignment in
    each state on every plan: the suggested experts, the first submitted, the second scoring with a
    draft, the others pending (waiting for their declaration). Idempotent: a call whose review has
    started is left as it is.

    Needs what the coordinator needs: the call closed or past its deadline, at least one accepted plan
    and no plan waiting for its completeness check (``review_start`` says which, in Chinese)."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from . import selectors, services
    from .models import Assignment, CallReview

    existing = CallReview.objects.filter(call=call).first()
    if existing is not None:
        return existing
    coordinator = get_user_model().objects.get(username="agency")
    review = services.review_start(actor=coordinator, call=call)
    proposals = selectors.review_suggestions(coordinator, selectors.call_plan_reviews(call))
    pairs = [(proposal.plan.pk, candidate.expert.pk) for proposal in proposals for candidate in proposal.chosen]
    assignments = services.assignments_create_many(actor=coordinator, call=call, pairs=pairs) if pairs else []
    criteria = list(call.criteria.order_by("order"))
    by_plan: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        by_plan.setdefault(assignment.plan_id, []).append(assignment)
    for plan_assignments in by_plan.values():
        for position, assignment in enumerate(plan_assignments[:2]):
            user = assignment.expert.user
            services.assignment_declare_no_conflict(actor=user, assignment=assignment, confirmed=True)
            share = Decimal("0.85") if position == 0 else Decimal("0.7")
            scores = {
                criterion.pk: (
                    (criterion.max_points * share * 2).to_integral_value() / 2,
                    DEMO_COMMENTS.get(criterion.code, "符合要求。"),
                )
                for criterion in criteria
            }
            if position == 0:
                card = services.ScorecardInput(
                    scores=scores,
                    overall_opinion="方案基础扎实，目标明确，措施可行。",
                    revision_suggestions="建议进一步细化分年度资金安排和改造企业清单。",
                    recommendation=Assignment.Recommendation.WITH_REVISIONS,
                )
                services.assignment_submit(actor=user, assignment=assignment, scorecard=card)
            else:
                first_half = dict(list(scores.items())[: len(scores) // 2])
                services.scorecard_save_draft(
                    actor=user, assignment=assignment, scorecard=services.ScorecardInput(scores=first_half)
                )
    return review
