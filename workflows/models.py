from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class PilotPlanProcess(Process):
    """The process of one pilot plan, from draft to the expert review."""

    plan = models.OneToOneField("pilots.PilotPlan", on_delete=models.PROTECT, related_name="process")

    class Meta:
        verbose_name = _("总体方案申报流程")
        verbose_name_plural = _("总体方案申报流程")
