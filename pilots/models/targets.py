"""Performance-target table templates (附2): a catalogue of indicators, data not code."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TargetTemplate(models.Model):
    """A performance-target table layout (附2): a catalogue of indicators. Data, not code."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("绩效目标表模板")
        verbose_name_plural = _("绩效目标表模板")

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    class Kind(models.TextChoices):
        COUNT = "count", _("数量")
        PERCENT = "percent", _("百分比")

    template = models.ForeignKey(TargetTemplate, on_delete=models.CASCADE, related_name="indicators")
    order = models.PositiveSmallIntegerField(_("序号"))
    level1 = models.CharField(_("一级指标"), max_length=30)
    level2 = models.CharField(_("二级指标"), max_length=30)
    name = models.CharField(_("三级指标"), max_length=60)
    unit = models.CharField(_("单位"), max_length=10)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    is_key = models.BooleanField(_("关键指标"), default=False)
    counts_as_retrofit = models.BooleanField(_("计入改造企业数量"), default=False)

    class Meta:
        ordering = ["template", "order"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="indicator_template_order_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"
