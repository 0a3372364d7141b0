"""A league/city's pilot plan and its parts: chains, enterprises, fund plan, targets, versions."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from accounts.validators import validate_uscc

from .calls import PilotCall
from .targets import Indicator

MONEY = {"max_digits": 16, "decimal_places": 2, "default": Decimal("0.00"), "validators": [MinValueValidator(0)]}


class PilotPlan(models.Model):
    """A league/city's pilot plan (总体方案) for one call."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        COSIGNING = "cosigning", _("财政局会签中")
        COSIGNED = "cosigned", _("已会签")
        SUBMITTED = "submitted", _("已提交，待形式审查")
        RETURNED = "returned", _("已退回修改")
        ACCEPTED = "accepted", _("形式审查通过，待专家评审")
        IN_REVIEW = "in_review", _("专家评审中")
        SHORTLISTED = "shortlisted", _("拟入选，公示中")
        NOT_SELECTED = "not_selected", _("未入选")
        SELECTED = "selected", _("入选，待批复")
        APPROVED = "approved", _("已批复，试点实施中")

    class Phase(models.TextChoices):
        """Where an approved pilot stands (blank before approval). Kept by the services that move it:
        evaluation (mid-term and final evaluations, rectification) and pilots (clawback, acceptance)."""

        IMPLEMENTING = "implementing", _("实施中")
        MIDTERM = "midterm", _("中期评价中")
        MIDTERM_RECTIFYING = "midterm_rectifying", _("中期评价未达标，限期整改中")
        FINAL = "final", _("期后评价中")
        FINAL_RECTIFYING = "final_rectifying", _("期后评价未达标，限期整改中")
        AWAITING_ACCEPTANCE = "awaiting_acceptance", _("期后评价达标，待验收")
        COMPLETED = "completed", _("已验收")
        CLAWED_BACK = "clawed_back", _("整改后仍未达标，收回资金")

    EDITABLE = frozenset({Status.DRAFT, Status.COSIGNED, Status.RETURNED})

    call = models.ForeignKey(PilotCall, on_delete=models.PROTECT, related_name="plans", verbose_name=_("申报批次"))
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("盟市"))
    applicant = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("申报单位")
    )
    title = models.CharField(_("方案名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    phase = models.CharField(_("实施阶段"), max_length=30, choices=Phase.choices, blank=True)
    # 一、工作基础
    basis_overview = models.TextField(_("制造业企业及主导产业情况"), blank=True)
    basis_chains = models.TextField(_("所选产业链基础、优势、特色及已有试点示范项目"), blank=True)
    basis_digital_status = models.TextField(_("产业链规上、规下企业数量及数字化现状"), blank=True)
    # 二、工作目标
    targets_overview = models.TextField(_("总体目标和中期目标"), blank=True)
    # 三、实施内容
    implementation_content = models.TextField(_("实施内容"), blank=True)
    implementation_path = models.TextField(_("实施路径"), blank=True)
    implementation_mechanism = models.TextField(_("工作机制"), blank=True)
    # 四、资金使用
    funds_overview = models.TextField(_("资金使用说明"), blank=True)
    # 五、保障措施
    safeguards = models.TextField(_("保障措施"), blank=True)
    # 六、其他材料
    other_material = models.TextField(_("其他材料说明"), blank=True)
    stamped_pdf = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("盖章PDF"),
    )
    national_approval = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("国家试点批复文件"),
        help_text=_("仅国家中小企业数字化转型城市试点：工业和信息化部、财政部的批复文件（PDF）。"),
    )
    cosigned_funds_hash = models.CharField(max_length=64, blank=True)
    cosign_comment = models.TextField(_("会签意见"), blank=True)
    return_reasons = models.TextField(_("退回原因"), blank=True)
    version = models.PositiveSmallIntegerField(_("版本"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    SECTION_FIELDS = (
        "basis_overview",
        "basis_chains",
        "basis_digital_status",
        "targets_overview",
        "implementation_content",
        "implementation_path",
        "implementation_mechanism",
        "funds_overview",
        "safeguards",
        "other_material",
    )

    class Meta:
        ordering = ["call", "region__code"]
        verbose_name = _("试点总体方案")
        verbose_name_plural = _("试点总体方案")
        permissions = [
            ("draft_pilotplan", _("编辑并提交本盟市总体方案")),
            ("cosign_pilotplan", _("会签本盟市总体方案的资金计划")),
            ("check_pilotplan", _("对总体方案进行形式审查")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "region"],
                name="pilotplan_one_per_region_per_call",
                violation_error_message=_("该盟市在本批次已有一份总体方案，每个盟市每批次只能申报一份。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class PilotPlanUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(PilotPlan, on_delete=models.CASCADE)


class PilotPlanGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(PilotPlan, on_delete=models.CASCADE)


class PhasedTask(models.Model):
    """实施内容的阶段任务：做什么、谁来做、何时完成。"""

    plan = models.ForeignKey(PilotPlan, on_delete=models.CASCADE, related_name="phased_tasks")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    task = models.CharField(_("任务"), max_length=300)
    owner = models.CharField(_("责任单位"), max_length=100)
    due = models.DateField(_("完成时限"))

    class Meta:
        ordering = ["plan", "order", "due"]
        verbose_name = _("阶段任务")
        verbose_name_plural = _("阶段任务")

    def __str__(self) -> str:
        return self.task


class IndustryChain(models.Model):
    plan = models.ForeignKey(PilotPlan, on_delete=models.CASCADE, related_name="chains")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("产业链名称"), max_length=100)
    is_key_chain = models.BooleanField(_("属于本地区重点产业链"), default=False)
    basis = models.TextField(_("基础、优势、特色及已有试点示范项目"))
    above_scale_count = models.PositiveIntegerField(_("规上企业（家）"))
    below_scale_count = models.PositiveIntegerField(_("规下企业（家）"))
    digital_status = models.TextField(_("数字化现状"))

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="industrychain_plan_name_unique",
                violation_error_message=_("本方案已存在同名的产业链，请换一个名称。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class PlanEnterprise(models.Model):
    plan = models.ForeignKey(PilotPlan, on_delete=models.CASCADE, related_name="enterprises")
    row = models.PositiveIntegerField(_("序号"), default=0)
    name = models.CharField(_("企业名称"), max_length=100)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    revenue = models.DecimalField(
        _("上年度主营业务收入（元）"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    is_srdi = models.BooleanField(_("专精特新"), default=False)
    chain = models.ForeignKey(
        IndustryChain, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("产业链")
    )
    to_retrofit = models.BooleanField(_("拟改造"), default=True)

    class Meta:
        ordering = ["plan", "row", "id"]
        verbose_name = _("产业链企业")
        verbose_name_plural = _("产业链企业")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "uscc"],
                name="planenterprise_plan_uscc_unique",
                violation_error_message=_("本方案企业名单中已有该统一社会信用代码。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class FundLine(models.Model):
    """One direction of the fund plan; amounts by source. Totals are computed, never typed."""

    class Direction(models.TextChoices):
        PLATFORM = "platform", _("平台建设")
        RETROFIT = "retrofit", _("企业数字化改造")
        STANDARDS = "standards", _("标准制定")
        CONSULTING = "consulting", _("购买咨询诊断服务")
        TRAINING = "training", _("人才培训")
        PROMOTION = "promotion", _("宣传推广")

    SOURCES = ("enterprise", "provider_discount", "subsidy_requested", "matching", "other")

    plan = models.ForeignKey(PilotPlan, on_delete=models.CASCADE, related_name="fund_lines")
    direction = models.CharField(_("资金使用方向"), max_length=20, choices=Direction.choices)
    description = models.CharField(_("用途说明"), max_length=300, blank=True)
    enterprise = models.DecimalField(_("企业自筹（元）"), **MONEY)
    provider_discount = models.DecimalField(_("服务商让利（元）"), **MONEY)
    subsidy_requested = models.DecimalField(_("申请自治区奖补（元）"), **MONEY)
    matching = models.DecimalField(_("盟市配套（元）"), **MONEY)
    other = models.DecimalField(_("其他资金（元）"), **MONEY)

    class Meta:
        ordering = ["plan", "id"]
        verbose_name = _("资金计划")
        verbose_name_plural = _("资金计划")
        constraints = [models.UniqueConstraint(fields=["plan", "direction"], name="fundline_plan_direction_unique")]

    def __str__(self) -> str:
        return self.get_direction_display()

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, source) for source in self.SOURCES), Decimal("0.00"))


class TargetValue(models.Model):
    """One row of the plan's performance-target table. Values stay empty until typed."""

    VALUE = {"max_digits": 12, "decimal_places": 1, "null": True, "blank": True}

    plan = models.ForeignKey(PilotPlan, on_delete=models.CASCADE, related_name="target_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    baseline = models.DecimalField(_("期初值"), **VALUE)
    midterm_target = models.DecimalField(_("中期目标"), **VALUE)
    target = models.DecimalField(_("目标值"), **VALUE)

    class Meta:
        ordering = ["plan", "indicator__order"]
        verbose_name = _("绩效目标")
        verbose_name_plural = _("绩效目标")
        constraints = [models.UniqueConstraint(fields=["plan", "indicator"], name="targetvalue_plan_indicator_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.indicator_id}"


class PlanVersion(models.Model):
    """A frozen copy of the whole plan as submitted (or as changed later); never edited."""

    plan = models.ForeignKey(PilotPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本号"))
    snapshot = models.JSONField(_("内容"))
    created_at = models.DateTimeField(_("形成时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pdf = models.ForeignKey("documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("方案版本")
        verbose_name_plural = _("方案版本")
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="planversion_plan_number_unique")]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"
