"""Expert review of applications above the round's threshold, with the evaluation app's expert pool and its
conflict screening (evaluation.matching), unchanged. Keyword-only, one transaction each, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import has_role
from accounts.roles import Role
from audit.services import record_event

from ..models import ApplicationExpertReview, SubsidyApplication
from .cases import Status, _expect, _lock, _move

# Expert review (the evaluation app's expert pool and its conflict screening) ------------------------------


def _conflicts(expert, application: SubsidyApplication) -> list[str]:
    from evaluation.matching import PlanFacts, conflict_reasons, expert_facts

    city = application.county.parent
    facts = PlanFacts(
        plan_id=application.pk,
        region_id=city.pk,
        region_name=city.name,
        applicant_name=application.enterprise.name,
        applicant_uscc=application.enterprise.uscc,
        enterprises=((application.enterprise.name, application.enterprise.uscc),),
        text=application.project_name,
    )
    return conflict_reasons(expert_facts(expert), facts)


@transaction.atomic
def expert_assign(*, actor, application: SubsidyApplication, expert) -> ApplicationExpertReview:
    """The Department assigns an expert of the pool; one screened out for a conflict is refused with why."""
    if not has_role(actor, Role.DEPARTMENT_OFFICER, Role.AGENCY_COORDINATOR):
        raise ValidationError(_("只有工信厅经办人或第三方机构协调人可以分配专家。"))
    application = _lock(application)
    _expect(application, Status.EXPERT_REVIEW)
    if not expert.is_active:
        raise ValidationError(_("该专家不在库。"))
    reasons = _conflicts(expert, application)
    if reasons:
        raise ValidationError([_("该专家须回避："), *reasons], code="conflict")
    if application.expert_reviews.filter(expert=expert).exists():
        raise ValidationError(_("该专家已分配评审此申报。"))
    review = ApplicationExpertReview.objects.create(application=application, expert=expert, assigned_by=actor)
    record_event(
        actor=actor,
        action="subsidy_expert_review.assign",
        target=review,
        changes={"application": application.pk, "expert": expert.pk},
    )
    return review


@transaction.atomic
def expert_review_submit(
    *, actor, review: ApplicationExpertReview, no_conflict: bool, recommend: bool, comment: str
) -> ApplicationExpertReview:
    """The assigned expert declares no conflict and recommends or not (once)."""
    review = ApplicationExpertReview.objects.select_for_update(of=("self",)).select_related("expert").get(pk=review.pk)
    if review.expert.user_id != getattr(actor, "pk", None):
        raise ValidationError(_("只能提交分配给本人的评审。"))
    if review.submitted_at is not None:
        raise ValidationError(_("评审意见已提交，不能重复提交。"))
    if not no_conflict:
        raise ValidationError(_("请先声明与该申报无利益冲突；有冲突的，请联系工信厅另行分配。"))
    if not comment.strip():
        raise ValidationError({"comment": _("请填写评审意见。")})
    now = timezone.now()
    review.no_conflict_declared_at = now
    review.recommend = recommend
    review.comment = comment.strip()
    review.submitted_at = now
    review.save()
    record_event(
        actor=actor,
        action="subsidy_expert_review.submit",
        target=review,
        changes={"recommend": recommend, "comment": review.comment},
    )
    return review


@transaction.atomic
def expert_review_conclude(
    *, actor, application: SubsidyApplication, passed: bool, conclusion: str
) -> SubsidyApplication:
    """The Department concludes the expert review from the assigned experts' opinions (all submitted; with
    no expert assigned, the conclusion of a panel held outside the system): pass → ready for the round's
    notice; fail → rejected."""
    application = _lock(application)
    if not has_role(actor, Role.DEPARTMENT_OFFICER):
        raise ValidationError(_("只有工信厅经办人可以录入专家评审结论。"))
    _expect(application, Status.EXPERT_REVIEW)
    if not conclusion.strip():
        raise ValidationError({"conclusion": _("请填写专家评审结论。")})
    pending = application.expert_reviews.filter(submitted_at__isnull=True).count()
    if pending:
        raise ValidationError(_("尚有%(count)d位专家未提交评审意见。") % {"count": pending})
    application.review_comment = conclusion.strip()
    _move(
        application,
        actor=actor,
        action="subsidy_application.expert_review",
        to=Status.CITY_PASSED if passed else Status.REJECTED,
        changes={"passed": passed, "conclusion": conclusion.strip()},
    )
    return application
