"""Subsidy rounds and applications: what an enterprise applies for, what each reviewer recognised and
recommended, what was approved, and the payment schedule under the fiscal-contribution cap."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .policies import Policy


class SubsidyRound(models.Model):
    """A call for applications under one policy in one year, for some leagues/cities."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("受理中")
        CLOSED = "closed", _("已截止")
        IN_NOTICE = "in_notice", _("公示中")
        FINAL = "final", _("公示结果已确定")

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("政策"))
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("批次名称"), max_length=200)
    opens_at = models.DateTimeField(_("开始受理时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    regions = models.ManyToManyField(
        "accounts.Region", related_name="subsidy_rounds", verbose_name=_("适用盟市"), blank=True
    )
    expert_review_threshold = models.DecimalField(
        _("专家评审起点金额（元）"), max_digits=16, decimal_places=2, default=Decimal("1000000")
    )
    notice_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-opens_at"]
        verbose_name = _("奖补申报批次")
        verbose_name_plural = _("奖补申报批次")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="subsidyround_closes_after_opening",
                violation_error_message=_("截止时间须晚于开始受理时间。"),
            ),
            models.CheckConstraint(
                condition=Q(expert_review_threshold__gte=0),
                name="subsidyround_threshold_not_negative",
                violation_error_message=_("专家评审起点金额不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_on(self, moment) -> bool:
        return self.status == self.Status.OPEN and self.opens_at <= moment < self.closes_at


class SubsidyApplication(models.Model):
    """One enterprise's application for one project under one category of a round's policy."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待旗县区初审")
        COUNTY_RETURNED = "county_returned", _("旗县区退回修改")
        COUNTY_PASSED = "county_passed", _("待盟市审核")
        CITY_RETURNED = "city_returned", _("盟市退回修改")
        REJECTED = "rejected", _("未通过审核")
        CITY_PASSED = "city_passed", _("盟市审核通过")
        EXPERT_REVIEW = "expert_review", _("专家评审中")
        IN_NOTICE = "in_notice", _("公示中")
        NOTICE_PASSED = "notice_passed", _("公示通过，待批准")
        APPROVED = "approved", _("已批准")
        NOT_APPROVED = "not_approved", _("未批准")

    EDITABLE = (Status.DRAFT, Status.COUNTY_RETURNED, Status.CITY_RETURNED)

    round = models.ForeignKey(
        SubsidyRound, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报批次")
    )
    enterprise = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="subsidy_applications",
        verbose_name=_("申报企业"),
    )
    project_name = models.CharField(_("项目名称"), max_length=200)
    project_key = models.CharField(max_length=200, editable=False, db_index=True)
    category_code = models.SlugField(_("奖补类别"), max_length=50)
    period_from = models.DateField(_("项目起始日期"))
    period_to = models.DateField(_("项目结束日期"))
    county = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        related_name="subsidy_applications",
        verbose_name=_("项目所在旗县区"),
    )
    facts = models.JSONField(_("申报事实"), default=dict, blank=True)
    quote_amount = models.DecimalField(_("测算金额（元）"), max_digits=16, decimal_places=2, default=Decimal(0))
    quote_eligible = models.BooleanField(_("符合条件"), default=False)
    quote_reasons = models.JSONField(_("测算依据"), default=list, blank=True)
    recognised_facts = models.JSONField(_("核定事实"), default=dict, blank=True)
    recognised_reasons = models.TextField(_("核减理由"), blank=True)
    recognised_quote = models.DecimalField(
        _("核定测算金额（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    recognised_quote_reasons = models.JSONField(_("核定测算依据"), default=list, blank=True)
    recommended_amount = models.DecimalField(
        _("盟市推荐金额（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    approved_amount = models.DecimalField(_("批准金额（元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    review_comment = models.TextField(_("最近审核意见"), blank=True)
    stacking_flag = models.BooleanField(_("疑似重复申报"), default=False)
    stacking_with = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("与之重复的申报"),
    )
    stacking_note = models.CharField(_("重复申报提示"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("奖补申报")
        verbose_name_plural = _("奖补申报")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")),
                name="subsidyapplication_period_ordered",
                violation_error_message=_("项目结束日期不能早于起始日期。"),
            ),
            models.CheckConstraint(
                condition=Q(recommended_amount__isnull=True)
                | Q(recognised_quote__isnull=False, recommended_amount__lte=F("recognised_quote")),
                name="subsidyapplication_recommended_within_quote",
                violation_error_message=_("推荐金额不能超过核定测算金额。"),
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(recommended_amount__isnull=False, approved_amount__lte=F("recommended_amount")),
                name="subsidyapplication_approved_within_recommended",
                violation_error_message=_("批准金额不能超过推荐金额。"),
            ),
            models.CheckConstraint(
                condition=~Q(stacking_with=F("pk")),
                name="subsidyapplication_not_stacking_with_itself",
                violation_error_message=_("申报不能与自身重复。"),
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "status"], name="subsidyapp_enterprise_status")]

    def __str__(self) -> str:
        return self.project_name

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class InvestmentItem(models.Model):
    class Kind(models.TextChoices):
        EQUIPMENT = "equipment", _("设备")
        SOFTWARE = "software", _("软件")
        TECHNICAL_SERVICES = "technical_services", _("技术服务")
        OTHER = "other", _("其他")

    application = models.ForeignKey(
        SubsidyApplication, on_delete=models.CASCADE, related_name="investments", verbose_name=_("申报")
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("内容"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)
    invoice_number = models.CharField(_("发票/合同编号"), max_length=60)
    history = HistoricalRecords()

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = _("投资明细")
        verbose_name_plural = _("投资明细")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="investmentitem_amount_not_negative",
                violation_error_message=_("金额不能为负数。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class FiscalContribution(models.Model):
    """An enterprise's contribution to local finance in a year, entered by the finance side."""

    enterprise = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="fiscal_contributions", verbose_name=_("企业")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("地方财政贡献（元）"), max_digits=16, decimal_places=2)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["enterprise", "year"]
        verbose_name = _("地方财政贡献")
        verbose_name_plural = _("地方财政贡献")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="fiscalcontribution_enterprise_year_unique",
                violation_error_message=_("该企业该年度的财政贡献已经录入。"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="fiscalcontribution_amount_not_negative",
                violation_error_message=_("金额不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}: {self.amount}"


class SubsidyPayment(models.Model):
    """One year of an approved application's schedule and what the Finance Department paid in it."""

    application = models.ForeignKey(
        SubsidyApplication, on_delete=models.CASCADE, related_name="payments", verbose_name=_("申报")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    scheduled_amount = models.DecimalField(_("计划兑付（元）"), max_digits=16, decimal_places=2)
    paid_amount = models.DecimalField(_("实际兑付（元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("兑付日期"), null=True, blank=True)
    voucher = models.CharField(_("凭证号"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["application", "year"]
        verbose_name = _("奖补兑付")
        verbose_name_plural = _("奖补兑付")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "year"],
                name="subsidypayment_application_year_unique",
                violation_error_message=_("该年度的兑付计划已存在。"),
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | Q(paid_amount__gte=0, paid_amount__lte=F("scheduled_amount")),
                name="subsidypayment_paid_within_scheduled",
                violation_error_message=_("实际兑付金额不能超过计划兑付金额。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.year}: {self.scheduled_amount}"


class ApplicationExpertReview(models.Model):
    """One expert of the evaluation pool reviewing one application above the round's threshold: declare no
    conflict, then recommend or not. The Department concludes from the reviews (expert_review_conclude)."""

    application = models.ForeignKey(
        SubsidyApplication, on_delete=models.CASCADE, related_name="expert_reviews", verbose_name=_("申报")
    )
    expert = models.ForeignKey(
        "evaluation.ExpertProfile", on_delete=models.PROTECT, related_name="subsidy_reviews", verbose_name=_("专家")
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    no_conflict_declared_at = models.DateTimeField(_("声明无利益冲突时间"), null=True, blank=True)
    recommend = models.BooleanField(_("是否同意推荐"), null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["application", "assigned_at", "pk"]
        verbose_name = _("奖补申报专家评审")
        verbose_name_plural = _("奖补申报专家评审")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"],
                name="applicationexpertreview_once_per_expert",
                violation_error_message=_("该专家已分配评审此申报。"),
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True)
                | Q(no_conflict_declared_at__isnull=False, recommend__isnull=False),
                name="applicationexpertreview_submitted_after_declaration",
                violation_error_message=_("提交评审意见前须声明无利益冲突并给出结论。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} → {self.application_id}"
