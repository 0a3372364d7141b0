from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("机构与用户")

    def ready(self):
        from . import signals  # noqa: F401
        from .patches import refuse_signalling_nan

        refuse_signalling_nan()
