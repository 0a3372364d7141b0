from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("流程")

    def ready(self):
        from . import orchestration  # noqa: F401  (connects the plan-status receiver)
