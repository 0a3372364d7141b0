"""The viewflow Material shell: one Site, one Application per area. Each Application is listed only for
the roles that work in it; every page inside still checks object permissions itself."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from accounts.permissions import has_role
from accounts.roles import Role
from pilots.urls import urlpatterns as pilot_urls
from workflows.urls import urlpatterns as workflow_urls
from workflows.views import home

PILOT_ROLES = (Role.APPLICANT, Role.COSIGNER, Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR)


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
            permission=lambda user: has_role(user, *PILOT_ROLES),
        ),
        Application(
            title=_("办理"),
            icon="task_alt",
            app_name="workflows",
            urlpatterns=workflow_urls,
            permission=lambda user: user.is_authenticated,
        ),
    ]
)
