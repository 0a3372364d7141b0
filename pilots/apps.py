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

        from .selectors_changes import can_view_change

        # Evidence of a plan change: whoever may see the change.
        register_owner_check("pilots.PlanChange", can_view_change)

        from notices.services import register_finalise_hook

        from .services.selection import apply_final_list

        # Finalising the list from the notices pages moves the plans too (same transaction).
        register_finalise_hook("pilots.pilotcall", apply_final_list)
