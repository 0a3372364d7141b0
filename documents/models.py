import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


def private_upload_path(instance: "Document", filename: str) -> str:
    # The stored name never comes from the user: no traversal, no collisions, no guessable URL.
    return f"private/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}"


class Document(models.Model):
    """A private file. Served only by ``documents.views.download`` after ``can_view_document``."""

    class FileType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"
        XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"

    file = models.FileField(upload_to=private_upload_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100, choices=FileType.choices)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    purpose = models.CharField(_("用途"), max_length=50, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="documents", verbose_name=_("所属机构")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"))
    # The case the file belongs to; its app decides who may see the file (documents.permissions).
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("文件")
        verbose_name_plural = _("文件")
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="document_owner_idx")]

    def __str__(self) -> str:
        return self.original_name


class DocumentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Document, on_delete=models.CASCADE)


class DocumentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Document, on_delete=models.CASCADE)
