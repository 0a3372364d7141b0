"""The viewflow Material shell: one Site, one Application per area. Each Application is listed only for
the roles that work in it; every page inside still checks object permissions itself."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.urls import Application, Site

from accounts.permissions import has_role
from accounts.roles import Role
from applications.urls import urlpatterns as application_urls
from evaluation.urls import urlpatterns as evaluation_urls
from notices.urls import urlpatterns as notice_urls
from pilots.urls import urlpatterns as pilot_urls
from workflows.urls import urlpatterns as workflow_urls
from workflows.views import home

PILOT_ROLES = (
    Role.AGENCY_COORDINATOR,
    Role.EXPERT,
    Role.APPLICANT,
    Role.COSIGNER,
    Role.DEPARTMENT_OFFICER,
    Role.DEPARTMENT_LEADER,
    Role.FINANCE_DEPARTMENT,
    Role.AUDITOR,
)


def for_roles(*roles):
    """Anonymous users pass here so that the page itself can send them to the login page."""
    return lambda user: not user.is_authenticated or has_role(user, *roles)


class NoticesApplication(Application):
    # /notices/ itself is the public list (config/urls.py); the Department's pages live under manage/.
    index_path = path("manage/", RedirectView.as_view(pattern_name="notices:notice_list"), name="index")


class PortalSite(Site):
    title = _("智改数转管理平台")
    index_path = path("", home, name="index")


site = PortalSite(
    viewsets=[
        Application(
            title=_("试点申报"),
            icon="factory",
            app_name="pilots",
            urlpatterns=pilot_urls,
            menu_template_name="includes/menu_pilots.html",
            permission=for_roles(*PILOT_ROLES),
        ),
        Application(
            title=_("评审与评价"),
            icon="rate_review",
            app_name="evaluation",
            urlpatterns=evaluation_urls,
            # The bureaus (and their finance bureaus) fill and read the reports of their approved pilots here.
            permission=for_roles(
                Role.AGENCY_COORDINATOR,
                Role.EXPERT,
                Role.DEPARTMENT_OFFICER,
                Role.DEPARTMENT_LEADER,
                Role.AUDITOR,
                Role.APPLICANT,
                Role.COSIGNER,
                Role.FINANCE_DEPARTMENT,
            ),
            menu_template_name="includes/menu_evaluation.html",
        ),
        NoticesApplication(
            title=_("公示与异议"),
            icon="campaign",
            app_name="notices",
            urlpatterns=notice_urls,
            permission=for_roles(Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR),
            menu_template_name="includes/menu_notices.html",
        ),
        Application(
            title=_("项目奖补"),
            icon="calculate",
            app_name="applications",
            urlpatterns=application_urls,
            menu_template_name="applications/menu.html",
            permission=for_roles(*Role.values),  # the calculator and the policies are for every role
        ),
        # Task pages and flow actions; reached from the inbox and the plan pages, not from the menu.
        Application(
            title=_("待办"),
            icon="task_alt",
            app_name="workflows",
            urlpatterns=workflow_urls,
            permission=for_roles(*Role.values),
            menu_template_name=None,
        ),
    ]
)
