"""Who may do what with the policy catalogue. Policies are public to every user with a role (an
enterprise checks its subsidy before applying); only the department's officers revise rules."""

from django.http import Http404

from accounts.permissions import has_role, roles_of
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
