from django.conf import settings
from django.db import models
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
    is_active = models.BooleanField(_("在库"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("专家")
        verbose_name_plural = _("专家库")

    def __str__(self) -> str:
        return self.full_name
