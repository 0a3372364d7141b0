"""Public notices (公示) with their objection window, shared by pilots and subsidies."""

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

CHINA = ZoneInfo("Asia/Shanghai")
GROUNDS_MIN = 10
GROUNDS_MAX = 5000


class HolidayOverride(models.Model):
    """The Department's correction of the Chinese holiday calendar for one day."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")

    def __str__(self) -> str:
        return f"{self.date}: {'工作日' if self.is_working_day else '休息日'}"


class PublicNotice(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("公示中")
        FINAL = "final", _("公示结束，名单已确定")

    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    how_to_object = models.TextField(_("异议方式"))
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止（含当日）"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PUBLISHED)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"))
    publisher = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    pdf = models.ForeignKey("documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(_("确定时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="publicnotice_one_per_subject"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="notice_period_order"),
        ]

    def __str__(self) -> str:
        return self.title

    def has_started(self, today: date) -> bool:
        return today >= self.starts_on

    def has_ended(self, today: date) -> bool:
        """The period ends with ``ends_on`` itself: objections are late from 00:00 of the next day."""
        return today > self.ends_on

    def accepts_objections(self, today: date) -> bool:
        return self.status == self.Status.PUBLISHED and self.has_started(today) and not self.has_ended(today)


class NoticeEntry(models.Model):
    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField(_("序号"))
    label = models.CharField(_("名称"), max_length=100)
    title = models.CharField(_("项目"), max_length=200)
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    withdrawn = models.BooleanField(_("已撤销"), default=False)
    withdrawn_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        ordering = ["notice", "position"]
        verbose_name = _("公示条目")
        verbose_name_plural = _("公示条目")
        constraints = [models.UniqueConstraint(fields=["notice", "position"], name="noticeentry_position_unique")]

    def __str__(self) -> str:
        return f"{self.label} · {self.title}"


class Objection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待调查")
        PROPOSED_UPHOLD = "proposed_uphold", _("拟认定成立，待领导确认")
        PROPOSED_DISMISS = "proposed_dismiss", _("拟认定不成立，待领导确认")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    OPEN_STATUSES = frozenset({Status.OPEN, Status.PROPOSED_UPHOLD, Status.PROPOSED_DISMISS})

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    entry = models.ForeignKey(NoticeEntry, on_delete=models.PROTECT, related_name="objections")
    name = models.CharField(_("异议人姓名或单位"), max_length=100)
    contact = models.CharField(_("联系方式"), max_length=100)
    grounds = models.TextField(
        _("异议事实和理由"), validators=[MinLengthValidator(GROUNDS_MIN), MaxLengthValidator(GROUNDS_MAX)]
    )
    attachment = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    investigation = models.TextField(_("调查情况"), blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    leader_comment = models.TextField(_("领导意见"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("异议")
        verbose_name_plural = _("异议")

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_status_display()}"

    @property
    def reference(self) -> str:
        """The number the objector is given to quote: filing date in China and the row's id."""
        filed = timezone.localtime(self.submitted_at, CHINA)
        return f"YY{filed:%Y%m%d}-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
