"""The project's URLs with the applications pages mounted as config/site.py is asked to mount them.

Once config/site.py has the "applications" Application, this is just config.urls."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from accounts.roles import Role
from applications.urls import urlpatterns as application_urls
from config import urls as project_urls
from config.site import PortalSite, for_roles, site

MOUNTED = any(getattr(viewset, "app_name", None) == "applications" for viewset in site.viewsets)

if MOUNTED:
    urlpatterns = project_urls.urlpatterns
else:
    test_site = PortalSite(
        viewsets=[
            Application(
                title=_("项目奖补"),
                icon="calculate",
                app_name="applications",
                urlpatterns=application_urls,
                menu_template_name="applications/menu.html",
                permission=for_roles(*Role.values),
            )
        ]
    )
    # The last pattern of config.urls is the portal site; this one takes its place.
    urlpatterns = [*project_urls.urlpatterns[:-1], path("", test_site.urls)]
