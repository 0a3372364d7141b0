from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validators import validate_uscc


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("自治区")
        LEAGUE_CITY = "league_city", _("盟市")
        COUNTY = "county", _("旗县区")

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("层级"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区")
        verbose_name_plural = _("行政区")

    def __str__(self) -> str:
        return self.name

    @property
    def league_city(self) -> "Region | None":
        """The league/city this region is or belongs to."""
        if self.level == self.Level.LEAGUE_CITY:
            return self
        if self.level == self.Level.COUNTY:
            return self.parent
        return None


class Organisation(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("自治区工业和信息化厅")
        FINANCE_DEPARTMENT = "finance_department", _("自治区财政厅")
        INDUSTRY_BUREAU = "industry_bureau", _("盟市工信局")
        FINANCE_BUREAU = "finance_bureau", _("盟市财政局")
        COUNTY_BUREAU = "county_bureau", _("旗县区工信局")
        REVIEW_AGENCY = "review_agency", _("第三方评审机构")
        ENTERPRISE = "enterprise", _("企业")
        AUDIT_OFFICE = "audit_office", _("审计机关")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("行政区"))
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, validators=[validate_uscc])
    history = HistoricalRecords()

    class Meta:
        ordering = ["region__code", "kind", "name"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~Q(uscc=""),
                name="organisation_uscc_unique",
                violation_error_message=_("该统一社会信用代码已被其他机构使用。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="enterprise") | ~Q(uscc=""),
                name="organisation_enterprise_has_uscc",
                violation_error_message=_("企业必须填写统一社会信用代码。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's one organisation. Roles are the user's Django groups (see accounts.roles)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("机构")
    )
    title = models.CharField(_("职务"), max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"
