"""Subsidy policies as data.

A policy document has categories (智能化改造, 工业互联网建设, …); a category names the facts an applicant
supplies and has one rule row per sub-item of the document. A rule is one of three kinds
(applications.rules) and carries its numbers (rates, caps, thresholds, amounts) as JSON parameters
checked by that kind's schema. No rate, cap or threshold lives in code.

Rules are versioned: the department never changes a rule row, it adds a new version that supersedes
it from a date (applications.services.rule_revise), so a quote for a past date is computed with the
numbers in force on that date and every earlier figure can be reproduced.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import rules


class Policy(models.Model):
    """One policy document (or the part of it that sets subsidies), with its validity."""

    code = models.SlugField(_("政策编码"), max_length=60, unique=True)
    title = models.CharField(_("政策名称"), max_length=200)
    issuing_authority = models.CharField(_("发文机关"), max_length=100)
    document_number = models.CharField(_("文号"), max_length=60)
    issued_on = models.DateField(_("发布日期"))
    valid_from = models.DateField(_("施行日期"))
    valid_to = models.DateField(_("有效期至（含当日）"), null=True, blank=True, help_text=_("留空表示长期有效。"))
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_policies",
        verbose_name=_("适用行政区"),
        help_text=_("留空表示不限地区。"),
    )
    area_label = models.CharField(_("原文件适用地区"), max_length=60, blank=True)
    source_note = models.TextField(_("出处说明"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("替代的政策"),
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies", verbose_name=_("复制自")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_on", "code"]
        verbose_name = _("奖补政策")
        verbose_name_plural = _("奖补政策")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="policy_validity_ordered",
                violation_error_message=_("有效期截止日期不能早于施行日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=F("pk")),
                name="policy_not_superseding_itself",
                violation_error_message=_("政策不能替代自身。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_number}《{self.title}》"

    def is_in_force(self, on_date) -> bool:
        return self.valid_from <= on_date and (self.valid_to is None or on_date <= self.valid_to)

    def status_on(self, on_date) -> str:
        """ "in_force", "expired" or "pending" (not yet in force) on a date."""
        if on_date < self.valid_from:
            return "pending"
        return "in_force" if self.is_in_force(on_date) else "expired"

    @property
    def validity_label(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else _("长期")
        return f"{self.valid_from.isoformat()} — {end}"


class PolicyCategory(models.Model):
    """A support direction of a policy (附件1 二（一）…（七）), named by a stable code."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="categories", verbose_name=_("政策"))
    code = models.SlugField(_("类别编码"), max_length=50)
    name = models.CharField(_("类别名称"), max_length=60)
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    description = models.TextField(_("政策原文"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "order", "code"]
        verbose_name = _("奖补类别")
        verbose_name_plural = _("奖补类别")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "code"],
                name="policycategory_policy_code_unique",
                violation_error_message=_("同一政策下类别编码不能重复。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class FactDefinition(models.Model):
    """A fact the applicant supplies for a category (an amount, a choice or a count). Its code is part of
    the public interface of quote_subsidy and never changes; its label is what the form shows."""

    class Kind(models.TextChoices):
        MONEY = rules.MONEY, _("金额（元）")
        CHOICE = rules.CHOICE, _("选项")
        INTEGER = rules.INTEGER, _("整数")

    category = models.ForeignKey(
        PolicyCategory, on_delete=models.CASCADE, related_name="facts", verbose_name=_("奖补类别")
    )
    code = models.SlugField(_("事实编码"), max_length=50)
    label = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    choices = models.JSONField(_("可选项"), default=list, blank=True, help_text=_("[[取值, 中文名称], …]"))
    help_text = models.CharField(_("填写说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "order", "code"]
        verbose_name = _("申报事实")
        verbose_name_plural = _("申报事实")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"],
                name="factdefinition_category_code_unique",
                violation_error_message=_("同一类别下事实编码不能重复。"),
            )
        ]

    def __str__(self) -> str:
        return self.label

    def as_fact(self) -> rules.Fact:
        return rules.Fact.from_row(self)

    def clean(self):
        try:
            rules.check_choices(self.kind, self.choices)
        except rules.RuleDataError as error:
            raise ValidationError({"choices": str(error)}) from error


class CategoryRule(models.Model):
    """One sub-item of a category, in one version. Versions of a sub-item share (category, code); the
    one that applies on a date is the highest version whose ``effective_from`` is on or before it."""

    class Kind(models.TextChoices):
        RATE_OF_BASE = rules.RATE_OF_BASE, _("按基数比例（可设起点和上限）")
        FIXED_PER_UNIT = rules.FIXED_PER_UNIT, _("按单位定额")
        FIXED_BY_LEVEL = rules.FIXED_BY_LEVEL, _("按认定等级定额")

    class Payee(models.TextChoices):
        APPLICANT = rules.PAYEE_APPLICANT, _("申报单位")
        THIRD_PARTY = rules.PAYEE_THIRD_PARTY, _("第三方（不计入申报单位额度）")

    category = models.ForeignKey(
        PolicyCategory, on_delete=models.CASCADE, related_name="rules", verbose_name=_("奖补类别")
    )
    code = models.SlugField(_("子项编码"), max_length=50)
    name = models.CharField(_("子项名称"), max_length=100)
    kind = models.CharField(_("规则类型"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("规则参数"), default=dict)
    payee = models.CharField(_("支付对象"), max_length=20, choices=Payee.choices, default=Payee.APPLICANT)
    evidence = models.JSONField(_("所需证明材料"), default=list, blank=True)
    clause = models.CharField(_("条款"), max_length=60, blank=True)
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("替代的版本"),
    )
    effective_from = models.DateField(_("本版本生效日期"))
    change_reason = models.TextField(_("修订说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修订人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "order", "code", "version"]
        verbose_name = _("奖补规则")
        verbose_name_plural = _("奖补规则")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code", "version"],
                name="categoryrule_version_unique",
                violation_error_message=_("该子项的这个版本已经存在，请刷新后重试。"),
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="categoryrule_version_positive",
                violation_error_message=_("版本号从1开始。"),
            ),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True) | Q(version__gt=1, supersedes__isnull=False),
                name="categoryrule_versions_chained",
                violation_error_message=_("第1版之外的每个版本都必须指明所替代的版本。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    def as_rule(self, facts: dict[str, rules.Fact]) -> rules.Rule:
        """The typed rule, its parameters checked against the category's facts; RuleDataError if broken."""
        return rules.Rule.from_row(self, facts)

    def clean(self):
        if not self.category_id:
            return
        facts = {fact.code: fact.as_fact() for fact in self.category.facts.all()}
        try:
            rules.parse_params(self.kind, self.params, facts)
            rules.check_evidence(self.evidence)
        except rules.RuleDataError as error:
            raise ValidationError({"params": str(error)}) from error
        policy = self.category.policy
        if self.effective_from < policy.valid_from or (policy.valid_to and self.effective_from > policy.valid_to):
            raise ValidationError(
                {
                    "effective_from": _("生效日期须在政策有效期（%(validity)s）内。")
                    % {"validity": policy.validity_label}
                }
            )
        if self.supersedes_id:
            previous = self.supersedes
            if (previous.category_id, previous.code) != (self.category_id, self.code):
                raise ValidationError(_("新版本必须属于同一子项。"))
            if self.version != previous.version + 1:
                raise ValidationError(_("新版本号应为上一版本号加一。"))
            if self.effective_from < previous.effective_from:
                raise ValidationError({"effective_from": _("新版本的生效日期不能早于上一版本的生效日期。")})
