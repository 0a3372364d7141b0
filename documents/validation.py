"""Uploads are judged by their content, never by their name."""

import io
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .models import Document

PDF = Document.FileType.PDF
PNG = Document.FileType.PNG
JPEG = Document.FileType.JPEG
XLSX = Document.FileType.XLSX
IMAGES = frozenset({PNG, JPEG})

_TYPE_NAMES = {PDF: "PDF", PNG: _("PNG图片"), JPEG: _("JPEG图片"), XLSX: _("Excel（.xlsx）")}
_JAVASCRIPT_MARKERS = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/JS/", b"/JS\n", b"/JS\r")


def clean_filename(name: str) -> str:
    """The user's file name, for display only. Path parts and control characters are refused."""
    if not name or "\x00" in name or "/" in name or "\\" in name or ".." in name:
        raise ValidationError(
            _("文件名“%(name)s”不合法（不能包含路径或“..”），请改名后重新上传。"), params={"name": name}
        )
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    if not name:
        raise ValidationError(_("文件名不能为空。"))
    return name[-200:]


def detect_type(head: bytes, data: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "xl/workbook.xml" in names:
            return XLSX
        if "word/document.xml" in names:
            return "docx"
    return None


def _check_pdf(data: bytes) -> None:
    if any(marker in data for marker in _JAVASCRIPT_MARKERS):
        raise ValidationError(_("PDF中含有JavaScript脚本，出于安全原因不予接收，请另存为不含脚本的PDF。"))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("PDF已加密或设置了打开密码，请去除密码后重新上传。"))
        page_count = len(reader.pages)
        has_js = _contains_javascript(reader.trailer["/Root"])
    except ValidationError:
        raise
    except (PdfReadError, KeyError, ValueError, TypeError, AttributeError, IndexError, OSError) as error:
        raise ValidationError(_("PDF文件已损坏或无法解析，请重新导出后上传。")) from error
    if has_js:
        raise ValidationError(_("PDF中含有JavaScript脚本，出于安全原因不予接收，请另存为不含脚本的PDF。"))
    if page_count < 1:
        raise ValidationError(_("PDF没有页面。"))


def _contains_javascript(root) -> bool:
    """Any JavaScript action reachable from the catalogue: the open action, the names tree, but also page
    and form-field actions and link annotations. Names are compared decoded, so "/Java#53cript" counts."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):  # streams too: their dictionary may hold actions
            kind = node.get("/S")
            if isinstance(kind, IndirectObject):
                kind = kind.get_object()
            if kind == "/JavaScript" or "/JS" in node or "/JavaScript" in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


def validate_upload(uploaded, *, allowed: frozenset[str] | set[str]) -> str:
    """Check an uploaded file; return its detected content type or raise a ValidationError in Chinese."""
    clean_filename(uploaded.name)
    size = uploaded.size or 0
    if size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。"), params={"name": uploaded.name})
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("文件过大（%(size).1f MB），上限为 %(limit).0f MB。"),
            params={"size": size / 1024 / 1024, "limit": limit / 1024 / 1024},
        )
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    detected = detect_type(data[:16], data)
    allowed_names = "、".join(str(_TYPE_NAMES[t]) for t in allowed)
    if detected == "docx":
        raise ValidationError(
            _("“%(name)s”实际是Word文档，不是允许的类型（%(allowed)s）。请先另存为%(allowed)s。"),
            params={"name": uploaded.name, "allowed": allowed_names},
        )
    if detected not in allowed:
        raise ValidationError(
            _("“%(name)s”的内容不是允许的文件类型（%(allowed)s）。文件类型按内容判断，与扩展名无关。"),
            params={"name": uploaded.name, "allowed": allowed_names},
        )
    if detected == PDF:
        _check_pdf(data)
    return detected
