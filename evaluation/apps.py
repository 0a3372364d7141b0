from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("评审与评价")

    def ready(self):
        from documents.permissions import register_owner_check

        from .permissions import can_view_ranking_report

        # The ranking report's PDF is readable by whoever may read the report.
        register_owner_check("evaluation.RankingReport", can_view_ranking_report)
