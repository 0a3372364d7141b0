"""The expert pool and the expert review of pilot plans: assignments, declarations, scores, rankings."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ExpertProfile(models.Model):
    """An expert in the review agency's pool."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_profile")
    full_name = models.CharField(_("姓名"), max_length=50)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    fields_of_expertise = models.JSONField(_("专业领域"), default=list, blank=True)
    home_region = models.ForeignKey(
        "accounts.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在地区")
    )
    declared_ties = models.JSONField(
        _("申报的关联关系"),
        default=list,
        blank=True,
        help_text=_("与本人有任职、经济或亲属关系的机构名称或统一社会信用代码，每行一个。"),
    )
    is_active = models.BooleanField(_("在库"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("专家")
        verbose_name_plural = _("专家库")

    def __str__(self) -> str:
        return self.full_name


class Assignment(models.Model):
    """One expert reviewing one plan: declare no conflict first, then score."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待声明利益冲突")
        DECLINED = "declined", _("已申请回避")
        SCORING = "scoring", _("评审中")
        SUBMITTED = "submitted", _("已提交")

    class DeclineReason(models.TextChoices):
        REGION = "region", _("与申报地区有关联")
        EMPLOYER = "employer", _("任职或曾任职于相关单位")
        FINANCIAL = "financial", _("存在经济利益关系")
        PERSONAL = "personal", _("存在亲属或其他个人关系")
        OTHER = "other", _("其他原因")

    class Recommendation(models.TextChoices):
        RECOMMEND = "recommend", _("推荐")
        WITH_REVISIONS = "with_revisions", _("修改后推荐")
        NOT_RECOMMEND = "not_recommend", _("不推荐")

    plan = models.ForeignKey("pilots.PilotPlan", on_delete=models.PROTECT, related_name="assignments")
    expert = models.ForeignKey(ExpertProfile, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("分配时间"))
    declared_at = models.DateTimeField(_("声明时间"), null=True, blank=True)
    decline_reason = models.CharField(_("回避原因"), max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(_("回避说明"), blank=True)
    overall_opinion = models.TextField(_("总体意见"), blank=True)
    revision_suggestions = models.TextField(_("方案修改完善建议"), blank=True)
    recommendation = models.CharField(_("评审结论"), max_length=20, choices=Recommendation.choices, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reopen_reason = models.TextField(_("退回重评原因"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "assigned_at"]
        verbose_name = _("评审任务")
        verbose_name_plural = _("评审任务")
        constraints = [models.UniqueConstraint(fields=["plan", "expert"], name="assignment_plan_expert_unique")]

    def __str__(self) -> str:
        return f"{self.expert} → {self.plan}"


class CriterionScore(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("pilots.ScoreCriterion", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("得分"), max_digits=4, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    comment = models.TextField(_("评语"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assignment", "criterion__order"]
        verbose_name = _("分项得分")
        verbose_name_plural = _("分项得分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="criterionscore_unique"),
            # The upper bound is the criterion's max_points, checked by the services (another table).
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(Exact(Mod(F("score") * 2, Value(1)), 0))),
                name="criterionscore_score_half_points",
                violation_error_message=_("分值须为0或正数，且为0.5的整数倍。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class CallReview(models.Model):
    """Which review agency runs the expert review of a call: the one whose coordinator started it.
    Its coordinators manage the call's review; other agencies see neither it nor its assignments."""

    call = models.OneToOneField("pilots.PilotCall", on_delete=models.PROTECT, related_name="review")
    agency = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("评审机构")
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("启动时间"))

    class Meta:
        verbose_name = _("批次专家评审")
        verbose_name_plural = _("批次专家评审")

    def __str__(self) -> str:
        return f"{self.call} · {self.agency}"


class ConsensusNote(models.Model):
    """The coordinator's note on a plan whose expert scores spread too far apart."""

    plan = models.OneToOneField("pilots.PilotPlan", on_delete=models.PROTECT, related_name="consensus_note")
    note = models.TextField(_("合议意见"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(_("记录时间"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合议意见")
        verbose_name_plural = _("合议意见")

    def __str__(self) -> str:
        return f"{self.plan}"


class RankingReport(models.Model):
    """The ranked list as submitted by the coordinator; frozen."""

    call = models.OneToOneField("pilots.PilotCall", on_delete=models.PROTECT, related_name="ranking_report")
    content = models.JSONField(_("内容"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))
    pdf = models.ForeignKey("documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("评审排名报告")
        verbose_name_plural = _("评审排名报告")

    def __str__(self) -> str:
        return f"{self.call}"
