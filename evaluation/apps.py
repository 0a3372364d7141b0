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

        from pilots.selectors_money import register_review

        from .selectors import ranked_plans, revision_suggestions

        # The preliminary list (pilots) is drawn from this ranking; pilots never imports evaluation.
        register_review(ranking=ranked_plans, suggestions=revision_suggestions)
