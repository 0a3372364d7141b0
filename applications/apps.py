from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("项目奖补")

    def ready(self):
        from documents.permissions import register_owner_check
        from notices.services import register_finalise_hook

        from .permissions import can_view_application
        from .services.awards import apply_round_notice_result

        # Evidence files follow the application's own check.
        register_owner_check("applications.SubsidyApplication", can_view_application)
        # Finalising the round's notice (from the notices pages too) moves its applications.
        register_finalise_hook("applications.subsidyround", apply_round_notice_result)
