from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditChain(models.Model):
    """The head of one hash chain: its length and last hash. Locked by each writer, so appends serialise."""

    name = models.CharField(max_length=100, primary_key=True)
    length = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")

    def __str__(self) -> str:
        return self.name


class AuditEvent(models.Model):
    """One change, as it happened. Append-only: a trigger refuses UPDATE and DELETE on PostgreSQL."""

    chain = models.CharField(_("链"), max_length=100)
    seq = models.PositiveBigIntegerField(_("序号"))
    created_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("机构"),
    )
    action = models.CharField(_("操作"), max_length=100)
    target_type = models.CharField(_("对象类型"), max_length=100)
    target_id = models.CharField(_("对象编号"), max_length=64)
    target_repr = models.CharField(_("对象"), max_length=255, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="auditevent_chain_seq_unique")]
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"], name="auditevent_target_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"
