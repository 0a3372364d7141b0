"""Who may do what with the policy catalogue. Policies are public to every user with a role (an
enterprise checks its subsidy before applying); only the department's officers revise rules."""

from django.http import Http404

from accounts.models import Organisation
from accounts.permissions import has_role, is_province_wide_reader, organisation_of, roles_of
from accounts.roles import Role

from . import selectors
from .models import CategoryRule, Policy, PolicyCategory


def can_view_policies(user) -> bool:
    return bool(roles_of(user))


def can_use_calculator(user) -> bool:
    return bool(roles_of(user))


def can_revise_rules(user) -> bool:
    return has_role(user, Role.DEPARTMENT_OFFICER)


def get_policy_for_user_or_404(user, code: str) -> Policy:
    policy = selectors.policy_detail(code) if can_view_policies(user) else None
    if policy is None:
        raise Http404
    return policy


def get_category_for_calculator_or_404(user, pk) -> PolicyCategory:
    category = selectors.category_with_rules(pk) if can_use_calculator(user) else None
    if category is None:
        raise Http404
    return category


def get_rule_for_reviser_or_404(user, pk) -> CategoryRule:
    rule = selectors.rule_with_versions(pk) if can_revise_rules(user) else None
    if rule is None:
        raise Http404
    return rule


# Applications -----------------------------------------------------------------------------------------------
# Who sees an application: the enterprise that made it, the county bureau of its county, the city bureau
# (the league/city industry bureau's staff, role ``applicant``) of the county's league/city, and the
# province-wide readers (Department, Finance Department, auditor). Everyone else: 404.


def _org(user):
    return organisation_of(user)


def is_city_reviewer(user) -> bool:
    org = _org(user)
    return has_role(user, Role.APPLICANT) and org is not None and org.kind == Organisation.Kind.INDUSTRY_BUREAU


def is_county_reviewer(user) -> bool:
    org = _org(user)
    return has_role(user, Role.COUNTY_BUREAU) and org is not None and org.kind == Organisation.Kind.COUNTY_BUREAU


def is_enterprise_user(user) -> bool:
    org = _org(user)
    return has_role(user, Role.ENTERPRISE) and org is not None and org.kind == Organisation.Kind.ENTERPRISE


def can_view_application(user, application) -> bool:
    if is_province_wide_reader(user):
        return True
    org = _org(user)
    if org is None:
        return False
    if is_enterprise_user(user):
        return application.enterprise_id == org.pk
    if is_county_reviewer(user):
        return application.county_id == org.region_id
    if is_city_reviewer(user):
        return application.county.parent_id == org.region_id
    if has_role(user, Role.EXPERT):
        return application.expert_reviews.filter(expert__user_id=user.pk).exists()
    return False


def can_edit_application(user, application) -> bool:
    return is_enterprise_user(user) and application.enterprise_id == _org(user).pk and application.is_editable


def can_county_review(user, application) -> bool:
    return is_county_reviewer(user) and application.county_id == _org(user).region_id


def can_city_review(user, application) -> bool:
    return is_city_reviewer(user) and application.county.parent_id == _org(user).region_id


def can_manage_applications(user) -> bool:
    """The Department officer: expert review of large applications, round notices."""
    return has_role(user, Role.DEPARTMENT_OFFICER)


def can_approve_applications(user) -> bool:
    return has_role(user, Role.DEPARTMENT_LEADER)


def can_record_subsidy_payments(user) -> bool:
    """The Finance Department: fiscal contributions and yearly payments."""
    return has_role(user, Role.FINANCE_DEPARTMENT)


def can_apply(user) -> bool:
    return is_enterprise_user(user)


def get_application_for_user_or_404(user, pk):
    application = selectors.application_detail(pk) if roles_of(user) else None
    if application is None or not can_view_application(user, application):
        raise Http404
    return application


def get_round_for_user_or_404(user, pk):
    subsidy_round = selectors.round_detail(pk) if roles_of(user) else None
    if subsidy_round is None:
        raise Http404
    return subsidy_round
