"""Experts asked for an opinion on a mid-term or final evaluation (optional; the officer still rates)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .monitoring import Evaluation
from .review import ExpertProfile


class ExpertOpinion(models.Model):
    """One expert of the pool asked, in one round of an evaluation, for an opinion on the bureau's report. The
    expert declares no conflict of interest (after the automatic screening at invitation) before answering."""

    class Status(models.TextChoices):
        INVITED = "invited", _("待专家提出意见")
        SUBMITTED = "submitted", _("已提出意见")
        DECLINED = "declined", _("专家回避")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="expert_opinions")
    round = models.PositiveSmallIntegerField(_("轮次"))
    expert = models.ForeignKey(ExpertProfile, on_delete=models.PROTECT, related_name="evaluation_opinions")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(_("邀请时间"))
    declared_at = models.DateTimeField(_("声明无利益冲突时间"), null=True, blank=True)
    suggested_outcome = models.CharField(_("建议结论"), max_length=10, choices=Evaluation.Outcome.choices, blank=True)
    opinion = models.TextField(_("专家意见"), blank=True)
    decline_reason = models.TextField(_("回避理由"), blank=True)
    submitted_at = models.DateTimeField(_("提出时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["evaluation", "round", "invited_at", "pk"]
        verbose_name = _("评价专家意见")
        verbose_name_plural = _("评价专家意见")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "round", "expert"], name="expertopinion_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.expert}"
