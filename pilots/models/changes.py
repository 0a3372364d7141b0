"""A change to an approved plan (方案调整, domain.md step 5: "any later change to the plan must be approved by
the Department"). The bureau proposes new values for some parts of the plan; the officer reviews; the leader
approves or rejects. An approved change makes a new plan version; the versions before it stay as they were."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .plans import PilotPlan, PlanVersion


class PlanChange(models.Model):
    class Part(models.TextChoices):
        TARGETS = "targets", _("绩效目标")
        FUNDS = "funds", _("资金使用计划")
        IMPLEMENTATION = "implementation", _("实施内容")
        TIMELINE = "timeline", _("阶段任务与进度安排")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交，待工信厅审核")
        RETURNED = "returned", _("已退回修改")
        FORWARDED = "forwarded", _("经办人已审核，待领导审批")
        APPROVED = "approved", _("已批准，已形成新版本")
        REJECTED = "rejected", _("未批准")
        WITHDRAWN = "withdrawn", _("已撤回")

    # A plan has at most one change in these states (a database constraint below).
    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.FORWARDED)
    EDITABLE = (Status.DRAFT, Status.RETURNED)

    plan = models.ForeignKey(PilotPlan, on_delete=models.PROTECT, related_name="changes", verbose_name=_("总体方案"))
    number = models.PositiveSmallIntegerField(_("变更序号"))
    parts = models.JSONField(_("变更内容"), default=list, help_text=_("所选的变更部分（Part 的代码）。"))
    # The proposed values of the chosen parts, as typed (see pilots.proposals for the shape and the rules).
    proposed = models.JSONField(_("拟变更为"), default=dict)
    reason = models.TextField(_("变更理由"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    base_version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("变更依据的版本")
    )
    result_version = models.OneToOneField(
        PlanVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change",
        verbose_name=_("变更形成的版本"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    return_reasons = models.TextField(_("退回原因"), blank=True)
    officer_opinion = models.TextField(_("经办人审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    leader_comment = models.TextField(_("领导意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("方案变更")
        verbose_name_plural = _("方案变更")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planchange_plan_number_unique"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=["draft", "submitted", "returned", "forwarded"]),
                name="planchange_one_open_per_plan",
                violation_error_message=_("该方案已有一项未办结的变更申请。"),
            ),
            # Four eyes: whoever reviewed the change does not decide it.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | Q(reviewed_by__isnull=True) | ~Q(decided_by=F("reviewed_by")),
                name="planchange_four_eyes",
                violation_error_message=_("审核人与审批人不能是同一人。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(result_version__isnull=False),
                name="planchange_approved_has_version",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(plan)s · 第%(number)s号变更") % {"plan": self.plan, "number": self.number}

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    def part_labels(self) -> list[str]:
        labels = dict(self.Part.choices)
        return [str(labels[part]) for part in self.Part.values if part in self.parts]
