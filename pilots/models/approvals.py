"""After selection: the preliminary list, the approval (批复) and the subsidy paid in instalments."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .calls import PilotCall
from .plans import PilotPlan, PlanVersion

MONEY = {"max_digits": 16, "decimal_places": 2}


class Selection(models.Model):
    """The preliminary list proposed by the officer and approved by the leader."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待领导审批")
        APPROVED = "approved", _("已批准")
        RETURNED = "returned", _("已退回")

    call = models.ForeignKey(PilotCall, on_delete=models.PROTECT, related_name="selections")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    deviation_reason = models.TextField(_("未按排名遴选的理由"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    leader_comment = models.TextField(_("领导意见"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("初步名单")
        verbose_name_plural = _("初步名单")

    def __str__(self) -> str:
        return f"{self.call} · {self.get_status_display()}"


class SelectionEntry(models.Model):
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="entries")
    plan = models.ForeignKey(PilotPlan, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    mean_score = models.DecimalField(_("平均分"), max_digits=5, decimal_places=2, null=True, blank=True)
    selected = models.BooleanField(_("拟入选"))

    class Meta:
        ordering = ["selection", "rank"]
        constraints = [models.UniqueConstraint(fields=["selection", "plan"], name="selectionentry_unique_plan")]

    def __str__(self) -> str:
        return f"{self.plan} ({'✓' if self.selected else '×'})"


class DocumentNumberSequence(models.Model):
    """Gapless numbers for official documents: one row per prefix and year, locked while a number is taken."""

    key = models.CharField(max_length=100, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last_number}"


class Approval(models.Model):
    """The Department's approval (批复) of a selected plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿，待领导审批")
        RETURNED = "returned", _("领导退回修改")
        APPROVED = "approved", _("已批复")

    plan = models.OneToOneField(PilotPlan, on_delete=models.PROTECT, related_name="approval")
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("批复版本"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(_("批复文号"), max_length=60, blank=True)
    issued_on = models.DateField(_("批复日期"), null=True, blank=True)
    requested_amount = models.DecimalField(_("申请奖补（元）"), **MONEY)
    approved_amount = models.DecimalField(
        _("批复奖补金额（元）"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    conditions = models.TextField(_("批复要求"), blank=True)
    revision_requests = models.TextField(_("修改完善意见（来自专家评审）"), blank=True)
    leader_comment = models.TextField(_("领导意见"), blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    pdf = models.ForeignKey("documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("批复")
        verbose_name_plural = _("批复")
        permissions = [
            ("draft_approval", _("起草试点批复")),
            ("approve_approval", _("审批试点批复")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(number=""),
                name="approval_number_unique",
                violation_error_message=_("该批复文号已被使用。"),
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__lte=F("requested_amount")),
                name="approval_amount_within_request",
                violation_error_message=_("批复金额不能超过申请的奖补金额。"),
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.plan}（批复草稿）"


class Instalment(models.Model):
    class Stage(models.TextChoices):
        APPROVAL = "approval", _("批复后拨付")
        MIDTERM = "midterm", _("中期评价达标后拨付")
        ACCEPTANCE = "acceptance", _("验收后拨付")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("未到拨付条件")
        DUE = "due", _("待拨付")
        PAID = "paid", _("已拨付")
        CANCELLED = "cancelled", _("不再拨付（收回资金）")

    plan = models.ForeignKey(PilotPlan, on_delete=models.PROTECT, related_name="instalments")
    stage = models.CharField(_("期次"), max_length=20, choices=Stage.choices)
    order = models.PositiveSmallIntegerField(_("序号"))
    share = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("金额（元）"), **MONEY, validators=[MinValueValidator(0)])
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    due_since = models.DateTimeField(_("应拨付起始"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("分期拨付")
        verbose_name_plural = _("分期拨付")
        constraints = [
            models.UniqueConstraint(fields=["plan", "stage"], name="instalment_plan_stage_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="instalment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_stage_display()}"


class Payment(models.Model):
    """A recorded payment. One per instalment, enforced by the database, so it cannot be recorded twice."""

    instalment = models.OneToOneField(Instalment, on_delete=models.PROTECT, related_name="payment")
    amount = models.DecimalField(_("拨付金额（元）"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField(_("拨付日期"))
    voucher_number = models.CharField(_("凭证号"), max_length=60, unique=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        ordering = ["-paid_on"]
        verbose_name = _("拨付记录")
        verbose_name_plural = _("拨付记录")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return self.voucher_number


class Clawback(models.Model):
    """Funds recovered (收回专项资金) from a pilot that stayed below target after rectification.

    The leader decides the amount, at most what was paid less what was already clawed back; the Finance
    Department records the recovery. Decided clawbacks count against the approved amount at once: paid
    never exceeds approved minus clawed back (both checked under the approval's row lock).
    """

    class Status(models.TextChoices):
        DECIDED = "decided", _("已决定，待财政厅登记收回")
        RECOVERED = "recovered", _("已收回")

    plan = models.ForeignKey(PilotPlan, on_delete=models.PROTECT, related_name="clawbacks")
    amount = models.DecimalField(_("收回金额（元）"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.TextField(_("收回理由"))
    evaluation_id = models.PositiveBigIntegerField(_("依据的评价"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DECIDED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"))
    recovered_on = models.DateField(_("收回日期"), null=True, blank=True)
    voucher_number = models.CharField(_("收回凭证号"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("收回专项资金")
        verbose_name_plural = _("收回专项资金")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="clawback_amount_positive"),
            models.UniqueConstraint(
                fields=["voucher_number"], condition=~Q(voucher_number=""), name="clawback_voucher_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.amount}"


class Acceptance(models.Model):
    """The Department's acceptance (验收) of a pilot after its final evaluation was met."""

    plan = models.OneToOneField(PilotPlan, on_delete=models.PROTECT, related_name="acceptance")
    summary = models.TextField(_("验收意见"))
    lessons = models.TextField(_("经验总结（供复制推广）"))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(_("验收时间"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("验收")
        verbose_name_plural = _("验收")

    def __str__(self) -> str:
        return f"{self.plan}"
