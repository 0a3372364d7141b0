from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsConfig(AppConfig):
    name = "pilots"
    verbose_name = _("试点")

    def ready(self):
        from documents.permissions import register_owner_check

        from .permissions import can_view_plan

        # Files of a plan (stamped PDF, evidence, version PDFs, the approval) follow the plan's own check.
        register_owner_check("pilots.PilotPlan", can_view_plan)
