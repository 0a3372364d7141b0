"""After approval: what the bureau reports (yearly self-assessments, evaluation and rectification reports)
and how the Department evaluates it (mid-term and final evaluations, rated indicator by indicator).

A ``Report`` is one set of actual values with a narrative, funds spent and evidence, compared with the
targets of the plan version in force when it was submitted. An ``Evaluation`` (mid-term or final) rates
the report of its current round: round 1 is the evaluation report, round 2 the rectification report.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pilots.models import FundLine

MONEY = {"max_digits": 16, "decimal_places": 2, "default": Decimal("0.00"), "validators": [MinValueValidator(0)]}


class Evaluation(models.Model):
    """The Department's mid-term (中期绩效评价) or final (期后绩效评价) evaluation of one pilot."""

    class Stage(models.TextChoices):
        MIDTERM = "midterm", _("中期绩效评价")
        FINAL = "final", _("期后绩效评价")

    class Status(models.TextChoices):
        REPORTING = "reporting", _("待试点地区填报")
        RATING = "rating", _("评价中")
        DECIDING = "deciding", _("待领导确认评价结论")
        RECTIFICATION_SETUP = "rectification_setup", _("未达标，待下达整改要求")
        RECTIFYING = "rectifying", _("限期整改中")
        MET = "met", _("达标")
        NOT_MET = "not_met", _("未达标")

    class Outcome(models.TextChoices):
        MET = "met", _("达标")
        NOT_MET = "not_met", _("未达标")

    OPEN = frozenset({Status.REPORTING, Status.RATING, Status.DECIDING, Status.RECTIFICATION_SETUP, Status.RECTIFYING})

    plan = models.ForeignKey("pilots.PilotPlan", on_delete=models.PROTECT, related_name="evaluations")
    stage = models.CharField(_("评价类型"), max_length=20, choices=Stage.choices)
    status = models.CharField(_("状态"), max_length=30, choices=Status.choices, default=Status.REPORTING)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1, help_text=_("1：评价；2：整改后再评价。"))
    # The rule, copied from the call when the evaluation is opened (the call may change later).
    rule_all_key_met = models.BooleanField(_("关键指标须全部达标"), default=True)
    rule_min_met_share = models.DecimalField(
        _("达标指标比例下限（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(80),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    report_due_on = models.DateField(_("报告提交期限"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("启动时间"))
    proposed_outcome = models.CharField(_("拟定结论"), max_length=10, choices=Outcome.choices, blank=True)
    officer_opinion = models.TextField(_("评价意见"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("提出时间"), null=True, blank=True)
    leader_comment = models.TextField(_("领导意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    rectification_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    rectification_items = models.TextField(_("整改事项"), blank=True)
    outcome = models.CharField(_("评价结论"), max_length=10, choices=Outcome.choices, blank=True)
    pdf = models.ForeignKey("documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "opened_at"]
        verbose_name = _("绩效评价")
        verbose_name_plural = _("绩效评价")
        permissions = [
            ("run_evaluation", _("组织中期、期后绩效评价")),
            ("decide_evaluation", _("确认绩效评价结论")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "stage"], name="evaluation_one_per_stage"),
            models.CheckConstraint(condition=Q(round__gte=1, round__lte=2), name="evaluation_round_1_or_2"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_stage_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Report(models.Model):
    """What the bureau reports: actual values, a narrative, funds spent and evidence."""

    class Kind(models.TextChoices):
        SELF_ASSESSMENT = "self_assessment", _("年度绩效自评")
        EVALUATION = "evaluation", _("绩效评价报告")
        RECTIFICATION = "rectification", _("整改报告")

    class Status(models.TextChoices):
        OPEN = "open", _("待填报")
        SUBMITTED = "submitted", _("已提交，待审核")
        RETURNED = "returned", _("已退回修改")
        ACCEPTED = "accepted", _("已审核通过")

    EDITABLE = frozenset({Status.OPEN, Status.RETURNED})

    plan = models.ForeignKey("pilots.PilotPlan", on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(
        _("试点年度"), null=True, blank=True, help_text=_("年度自评：第几个试点年度（批复日起每满一年为一个年度）。")
    )
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField(_("提交期限"))
    version = models.ForeignKey(
        "pilots.PlanVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对照的方案版本"),
    )
    narrative = models.TextField(_("情况说明"), blank=True)
    return_reasons = models.TextField(_("退回原因"), blank=True)
    evidence = models.ManyToManyField("documents.Document", blank=True, related_name="+", verbose_name=_("佐证材料"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reminded_14_on = models.DateField(_("提前14天提醒日期"), null=True, blank=True)
    reminded_3_on = models.DateField(_("提前3天提醒日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        ordering = ["plan", "due_on"]
        verbose_name = _("绩效报告")
        verbose_name_plural = _("绩效报告")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year"], condition=Q(kind="self_assessment"), name="report_one_self_assessment_a_year"
            ),
            models.UniqueConstraint(
                fields=["evaluation", "kind"], condition=~Q(kind="self_assessment"), name="report_one_per_round"
            ),
            models.CheckConstraint(
                condition=(Q(kind="self_assessment") & Q(year__isnull=False) & Q(evaluation__isnull=True))
                | (~Q(kind="self_assessment") & Q(year__isnull=True) & Q(evaluation__isnull=False)),
                name="report_kind_matches_owner",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.SELF_ASSESSMENT:
            return f"{self.plan} · {self.get_kind_display()}（第{self.year}年度）"
        return f"{self.plan} · {self.get_kind_display()}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class ActualValue(models.Model):
    """One indicator's actual value (实际值) in a report. Empty until typed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="actual_values")
    indicator = models.ForeignKey("pilots.Indicator", on_delete=models.PROTECT, related_name="+")
    actual = models.DecimalField(_("实际值"), max_digits=12, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["report", "indicator__order"]
        verbose_name = _("实际值")
        verbose_name_plural = _("实际值")
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="actualvalue_unique")]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.indicator_id}: {self.actual}"


class FundSpending(models.Model):
    """Funds spent so far on one direction of the fund plan, by source (cumulative, in yuan)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="fund_spending")
    direction = models.CharField(_("资金使用方向"), max_length=20, choices=FundLine.Direction.choices)
    enterprise = models.DecimalField(_("企业自筹（元）"), **MONEY)
    provider_discount = models.DecimalField(_("服务商让利（元）"), **MONEY)
    subsidy_requested = models.DecimalField(_("自治区奖补（元）"), **MONEY)
    matching = models.DecimalField(_("盟市配套（元）"), **MONEY)
    other = models.DecimalField(_("其他资金（元）"), **MONEY)

    SOURCES = ("enterprise", "provider_discount", "subsidy_requested", "matching", "other")

    class Meta:
        ordering = ["report", "id"]
        verbose_name = _("资金使用情况")
        verbose_name_plural = _("资金使用情况")
        constraints = [models.UniqueConstraint(fields=["report", "direction"], name="fundspending_unique")]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.direction}"

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, source) for source in self.SOURCES), Decimal("0.00"))


class IndicatorRating(models.Model):
    """The officer's rating of one indicator in one round of an evaluation: met (达标) or not."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField(_("轮次"))
    indicator = models.ForeignKey("pilots.Indicator", on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField(_("达标"))
    computed_met = models.BooleanField(_("按实际值计算是否达标"))
    comment = models.TextField(_("说明"), blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(_("评定时间"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["evaluation", "round", "indicator__order"]
        verbose_name = _("指标评定")
        verbose_name_plural = _("指标评定")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "round", "indicator"], name="indicatorrating_unique")
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}/{self.round}/{self.indicator_id}: {self.met}"
