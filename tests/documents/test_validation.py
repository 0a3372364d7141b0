"""Uploads are judged by content: each accepted kind, and each refusal with its Chinese message."""

import pytest
from django.core.exceptions import ValidationError

from documents.models import Document
from documents.validation import IMAGES, PDF, XLSX, clean_filename, validate_upload

from .files import (
    docx_bytes,
    escape_names,
    jpeg_bytes,
    link_annotation_js,
    open_action_js,
    page_open_js,
    pdf_bytes,
    png_bytes,
    raw_named,
    upload,
    xlsx_bytes,
)

ALL = frozenset({PDF, XLSX, *IMAGES})
JS_MESSAGE = "PDF中含有JavaScript脚本，出于安全原因不予接收，请另存为不含脚本的PDF。"
BROKEN_MESSAGE = "PDF文件已损坏或无法解析，请重新导出后上传。"


def refused(uploaded, allowed=ALL) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_upload(uploaded, allowed=allowed)
    return caught.value.messages


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("方案.pdf", pdf_bytes, Document.FileType.PDF),
        ("照片.png", png_bytes, Document.FileType.PNG),
        ("照片.jpg", jpeg_bytes, Document.FileType.JPEG),
        ("企业清单.xlsx", xlsx_bytes, Document.FileType.XLSX),
    ],
)
def test_real_files_are_accepted_and_typed_by_content(name, make, expected):
    assert validate_upload(upload(name, make()), allowed=ALL) == expected


def test_the_extension_does_not_matter_only_the_content():
    assert validate_upload(upload("scan.dat", png_bytes()), allowed=IMAGES) == Document.FileType.PNG


def test_a_kind_not_allowed_here_is_refused_with_the_allowed_list():
    (message,) = refused(upload("清单.xlsx", xlsx_bytes()), allowed=frozenset({PDF}))
    assert message == "“清单.xlsx”的内容不是允许的文件类型（PDF）。文件类型按内容判断，与扩展名无关。"


def test_word_document_renamed_pdf_is_refused_as_word():
    (message,) = refused(upload("方案.pdf", docx_bytes()), allowed=frozenset({PDF}))
    assert message == "“方案.pdf”实际是Word文档，不是允许的类型（PDF）。请先另存为PDF。"


def test_plain_text_renamed_pdf_is_refused():
    (message,) = refused(upload("方案.pdf", b"just some text"), allowed=frozenset({PDF}))
    assert "内容不是允许的文件类型" in message


def test_empty_file_is_refused():
    assert refused(upload("空.pdf", b"")) == ["文件“空.pdf”是空文件。"]


def test_oversized_file_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    data = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    assert refused(upload("大.pdf", data)) == ["文件过大（3.0 MB），上限为 2 MB。"]


def test_a_file_at_the_limit_is_not_refused_for_size(settings):
    data = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(data)
    assert validate_upload(upload("刚好.pdf", data), allowed=ALL) == PDF


def test_encrypted_pdf_is_refused():
    assert refused(upload("加密.pdf", pdf_bytes(encrypt="secret"))) == [
        "PDF已加密或设置了打开密码，请去除密码后重新上传。"
    ]


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n1 0 obj garbage\n%%EOF", pdf_bytes()[:200], b"%PDF-1.7\n" + b"\x00" * 100],
    ids=["garbage", "truncated", "zeros"],
)
def test_broken_pdf_is_refused(data):
    assert refused(upload("坏.pdf", data)) == [BROKEN_MESSAGE]


@pytest.mark.parametrize("where", [open_action_js, link_annotation_js, page_open_js])
def test_pdf_with_javascript_is_refused(where):
    assert refused(upload("脚本.pdf", pdf_bytes(modify=where))) == [JS_MESSAGE]


@pytest.mark.parametrize("where", [open_action_js, link_annotation_js, page_open_js])
def test_pdf_with_javascript_behind_escaped_names_is_refused(where):
    # "/Java#53cript" is "/JavaScript" to every PDF reader; the byte scan alone would miss it.
    data = escape_names(pdf_bytes(modify=where))
    assert b"/JavaScript" not in data
    assert refused(upload("脚本.pdf", data)) == [JS_MESSAGE]


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "/etc/passwd.pdf", "a/../b.pdf", "x\x00.pdf"]
)
def test_path_names_are_refused(name):
    (message,) = refused(raw_named(name, pdf_bytes()))
    assert message == f"文件名“{name}”不合法（不能包含路径或“..”），请改名后重新上传。"


def test_control_characters_are_dropped_from_the_display_name():
    assert clean_filename("方案\x07终稿.pdf") == "方案终稿.pdf"


def test_a_name_of_only_control_characters_is_refused():
    with pytest.raises(ValidationError) as caught:
        clean_filename("\x01\x02")
    assert caught.value.messages == ["文件名不能为空。"]


def test_long_names_keep_their_extension():
    name = "很长" * 150 + ".pdf"
    assert clean_filename(name).endswith(".pdf")
    assert len(clean_filename(name)) == 200
