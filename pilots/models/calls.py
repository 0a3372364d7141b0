"""Pilot calls (申报批次) and their expert scorecards."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .targets import TargetTemplate


class PilotCall(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("申报中")
        CLOSED = "closed", _("已截止")
        IN_REVIEW = "in_review", _("专家评审中")
        RANKED = "ranked", _("已形成排名")
        IN_NOTICE = "in_notice", _("公示中")
        FINAL = "final", _("名单已确定")

    class Kind(models.TextChoices):
        PILOT = "pilot", _("智改数转试点")
        NATIONAL_SME_CITY = "national_sme_city", _("国家中小企业数字化转型城市试点")

    kind = models.CharField(_("批次类型"), max_length=30, choices=Kind.choices, default=Kind.PILOT)
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2020), MaxValueValidator(2100)])
    title = models.CharField(_("标题"), max_length=200)
    guide_text = models.TextField(_("申报指南"), blank=True)
    guide_attachment = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("指南附件"),
    )
    deadline = models.DateTimeField(_("申报截止时间"))
    pilots_sought = models.PositiveSmallIntegerField(_("拟遴选试点数"), default=5, validators=[MinValueValidator(1)])
    period_months = models.PositiveSmallIntegerField(_("试点期（月）"), default=24, validators=[MinValueValidator(1)])
    notice_working_days = models.PositiveSmallIntegerField(
        _("公示期（工作日）"), default=5, validators=[MinValueValidator(1)]
    )
    share_at_approval = models.DecimalField(
        _("批复后拨付比例（%）"), max_digits=5, decimal_places=2, default=Decimal(40)
    )
    share_after_midterm = models.DecimalField(
        _("中期评价达标后拨付比例（%）"), max_digits=5, decimal_places=2, default=Decimal(30)
    )
    share_after_acceptance = models.DecimalField(
        _("验收后拨付比例（%）"), max_digits=5, decimal_places=2, default=Decimal(30)
    )
    min_retrofit_enterprises = models.PositiveIntegerField(_("改造企业数量下限（家）"), default=100)
    target_template = models.ForeignKey(
        TargetTemplate, on_delete=models.PROTECT, related_name="calls", verbose_name=_("绩效目标表模板")
    )
    experts_per_plan = models.PositiveSmallIntegerField(
        _("每份方案评审专家数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(15)]
    )
    pass_threshold = models.DecimalField(
        _("入围分数线（百分制）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(60),
        validators=[MinValueValidator(0)],
    )
    spread_threshold = models.DecimalField(
        _("评分离散提示阈值（分）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(15),
        validators=[MinValueValidator(0)],
        help_text=_("某位专家的总分与平均分相差超过此值时，须由协调人记录合议意见后才能排名。"),
    )
    approval_number_pattern = models.CharField(
        _("批复文号格式"),
        max_length=60,
        default="内工信数字〔{year}〕{number}号",
        help_text=_("{year} 为批复年份，{number} 为当年顺序号（连续、不跳号）。"),
    )
    # After approval: yearly self-assessments and the evaluation rule (达标), stated in the call.
    self_assessment_due_days = models.PositiveSmallIntegerField(
        _("年度自评提交期限（天）"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text=_("每个试点年度结束（批复日起每满一年）后多少天内提交绩效自评。"),
    )
    evaluation_all_key_met = models.BooleanField(
        _("关键指标须全部达标"), default=True, help_text=_("评价达标的条件之一：每个关键指标都达到目标。")
    )
    evaluation_min_met_share = models.DecimalField(
        _("达标指标比例下限（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(80),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("评价达标的条件之二：达到目标的指标占全部指标的比例不低于此值。"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-deadline"]
        verbose_name = _("试点申报批次")
        verbose_name_plural = _("试点申报批次")
        constraints = [
            models.CheckConstraint(
                condition=Q(share_at_approval__gte=0, share_after_midterm__gte=0, share_after_acceptance__gte=0)
                & Q(share_at_approval=Decimal(100) - F("share_after_midterm") - F("share_after_acceptance")),
                name="pilotcall_instalment_shares_sum_100",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_submissions(self, now=None) -> bool:
        """Open and before the deadline: the deadline counts even before the closing job has run."""
        return self.status == self.Status.OPEN and (now or timezone.now()) < self.deadline


class ScoreCriterion(models.Model):
    """One line of the call's expert scorecard."""

    call = models.ForeignKey(PilotCall, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("评审要点"), max_length=100)
    code = models.CharField(
        _("代码"), max_length=30, blank=True, help_text=_("排名并列时按“可行性”“科学性”得分依次比较。")
    )
    max_points = models.DecimalField(_("满分"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    weight = models.DecimalField(_("权重"), max_digits=4, decimal_places=2, default=Decimal(1))

    class Meta:
        ordering = ["call", "order"]
        verbose_name = _("评分要点")
        verbose_name_plural = _("评分要点")
        constraints = [models.UniqueConstraint(fields=["call", "order"], name="scorecriterion_call_order_unique")]

    def __str__(self) -> str:
        return self.name
