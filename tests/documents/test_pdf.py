"""documents.pdf.render_pdf: WeasyPrint over templates/pdf/base.html, Chinese text and the page footer."""

import copy
import io
import re

import pytest
from pypdf import PdfReader

from documents.pdf import render_pdf

SAMPLE = """{% extends "pdf/base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}<h1>{{ title }}</h1><p>{{ body }}</p>{% endblock %}
"""


@pytest.fixture
def sample_template(settings, tmp_path):
    """A throwaway template extending the real base, found through an extra template directory."""
    (tmp_path / "pdf_sample.html").write_text(SAMPLE, encoding="utf-8")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates
    return "pdf_sample.html"


def text_of(pdf: bytes) -> tuple[int, str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages), reader


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_render_pdf_keeps_chinese_text_and_numbers_the_page(sample_template):
    pdf = render_pdf(
        sample_template, {"title": "呼和浩特市数字化转型试点总体方案", "body": "改造规上企业数量（家）：120"}
    )
    assert pdf.startswith(b"%PDF-")
    pages, text, reader = text_of(pdf)
    assert pages == 1
    assert "呼和浩特市数字化转型试点总体方案" in text
    assert "改造规上企业数量（家）：120" in text
    assert "第 1 页 共 1 页" in squeeze(text)
    assert reader.metadata.title == "呼和浩特市数字化转型试点总体方案"
    # Page size A4 (595 x 842 points).
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_chinese_font_is_embedded(sample_template):
    _, _, reader = text_of(render_pdf(sample_template, {"title": "字体", "body": "中文"}))
    fonts = {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert any("WenQuanYi" in name or "NotoSansCJK" in name for name in fonts), fonts


def test_footer_counts_every_page(sample_template):
    pdf = render_pdf(sample_template, {"title": "多页", "body": "第一章 工作基础。" * 1200})
    pages, text, _ = text_of(pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        assert f"第 {page} 页 共 {pages} 页" in squeeze(text)
