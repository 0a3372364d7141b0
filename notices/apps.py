from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("公示")

    def ready(self):
        from documents.permissions import register_owner_check

        from .permissions import can_view_objection

        # An objection's attachment may carry the objector's personal data: Department and auditor only.
        register_owner_check("notices.Objection", can_view_objection)
