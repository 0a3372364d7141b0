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

        from .permissions_progress import can_view_pilot_evaluation

        # An evaluation's report PDF goes with its pilot (the Department, the auditors, the pilot's region).
        register_owner_check("evaluation.Evaluation", can_view_pilot_evaluation)

        from pilots.selectors_money import register_review

        from .selectors import ranked_plans, revision_suggestions

        # The preliminary list (pilots) is drawn from this ranking; pilots never imports evaluation.
        register_review(ranking=ranked_plans, suggestions=revision_suggestions)

        from pilots.selectors_money import register_evaluation

        from .selectors.evaluations import failed_evaluation_id

        # A clawback (pilots) rests on an evaluation confirmed not met after rectification.
        register_evaluation(failed=failed_evaluation_id)

        from pilots.models import PilotPlan
        from pilots.signals import plan_status_changed

        from .permissions_reports import can_view_report
        from .services.report_schedule import schedule_on_approval

        # A report's evidence is readable by whoever may read the report.
        register_owner_check("evaluation.Report", can_view_report)
        # Approving a plan schedules its yearly self-assessments, in the approving transaction.
        plan_status_changed.connect(
            schedule_on_approval, sender=PilotPlan, dispatch_uid="evaluation.schedule_self_assessments"
        )
