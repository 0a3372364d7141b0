"""The viewflow Material shell: one Site, one Application per area. Each Application is shown only
to the roles that work in it; pages inside check object permissions themselves."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from workflows.views import home


class PortalSite(Site):
    title = _("智改数转管理平台")
    index_path = path("", home, name="index")


site = PortalSite(viewsets=[])
