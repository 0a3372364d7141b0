"""The one check per action on a report of an approved pilot (self-assessment, evaluation or rectification
report). Not found and not allowed look the same (404).

- Reading: whoever may see the plan (``pilots.permissions.can_view_plan``): the league/city's bureaus, and
  the Department, the Finance Department and the auditor for every region. Another region's report is a 404.
- Filling, adding evidence and submitting: the plan's league/city industry bureau (applicant role), while
  the report is open or returned.
- Accepting or returning a submitted self-assessment: the Department officer. Evaluation and
  rectification reports are rated in their evaluation instead.
"""

from django.http import Http404

from accounts.permissions import has_role, organisation_of
from accounts.roles import Role
from pilots.permissions import can_view_plan

from .models import Report


def is_report_bureau(user, report: Report) -> bool:
    """An applicant user of the report's league/city (the bureau that fills the report)."""
    organisation = organisation_of(user)
    return (
        has_role(user, Role.APPLICANT) and organisation is not None and organisation.region_id == report.plan.region_id
    )


def can_view_report(user, report: Report) -> bool:
    return can_view_plan(user, report.plan)


def can_edit_report(user, report: Report) -> bool:
    return report.is_editable and is_report_bureau(user, report)


def can_review_self_assessments(user) -> bool:
    return has_role(user, Role.DEPARTMENT_OFFICER)


def can_decide_report(user, report: Report) -> bool:
    return (
        report.kind == Report.Kind.SELF_ASSESSMENT
        and report.status == Report.Status.SUBMITTED
        and can_review_self_assessments(user)
    )


def get_report_for_user_or_404(user, pk, *, queryset=None) -> Report:
    if queryset is None:
        queryset = Report.objects.select_related("plan__region", "plan__call", "plan__applicant")
    report = queryset.filter(pk=pk).first()
    if report is None or not can_view_report(user, report):
        raise Http404
    return report
