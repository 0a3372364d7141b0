"""Hostile files through every upload field of the project's pages (found by forms.py, so a new upload is
covered without being listed): each is refused with a clear Chinese message, writes no row and leaves no
file behind. tests/documents checks ``validate_upload`` itself case by case; this checks that every page
that takes a file actually goes through it, as the principal the form is shown to.

Path traversal: Django's multipart parser keeps only the last part of a file name before the application
sees it (``../../etc/passwd.pdf`` arrives as ``passwd.pdf``), and documents.validation refuses any name that
still holds ``..`` or a separator. So a traversal name is either refused with the file-name message or
stored under its bare name, inside the private media directory, never outside it."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from documents.models import Document
from tests.documents.files import docx_bytes, escape_names, open_action_js, pdf_bytes, png_bytes, xlsx_bytes

from . import report
from .probe import DRAFT_SAVING_ROUTES, changed_tables, form_errors, media_files, queued_messages, writes

UPLOAD_LIMIT = 50_000
TRAVERSAL_NAMES = [
    "../../../../etc/passwd.pdf",
    "..\\..\\windows\\win.ini.pdf",
    "/etc/cron.d/evil.pdf",
    "..pdf",
    "a/../../b.pdf",
    "....//....//x.pdf",
    "%2e%2e%2f%2e%2e%2fx.pdf",
    "x.pdf\x00.png",
]


REAL_FILES = {"pdf": ("空白.pdf", pdf_bytes), "png": ("照片.png", png_bytes), "xlsx": ("清单.xlsx", xlsx_bytes)}


def hostile_files(accepted: set[str]) -> list[tuple[str, SimpleUploadedFile, tuple[str, ...]]]:
    """(case, file, words one of which the refusal must contain), for a field that takes ``accepted``."""
    right_name = REAL_FILES[sorted(accepted)[0]][0] if accepted else "方案.pdf"
    wrong_type = [
        (f"{kind} under the name {right_name}", SimpleUploadedFile(right_name, make()), ("类型",))
        for kind, (_name, make) in REAL_FILES.items()
        if kind not in accepted
    ]
    pdf_words = ("类型",) if "pdf" not in accepted else ()
    return [
        ("Word document named .pdf", SimpleUploadedFile("方案.pdf", docx_bytes()), ("Word",)),
        ("text under the right name", SimpleUploadedFile(right_name, b"just some text"), ("类型",)),
        *wrong_type,
        ("oversized", SimpleUploadedFile(right_name, b"%PDF-1.4\n" + b"0" * (UPLOAD_LIMIT + 1)), ("过大",)),
        ("empty", SimpleUploadedFile(right_name, b""), ("空",)),
        ("encrypted PDF", SimpleUploadedFile("加密.pdf", pdf_bytes(encrypt="secret")), ("加密", *pdf_words)),
        ("broken PDF", SimpleUploadedFile("坏.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog"), ("损坏", *pdf_words)),
        (
            "PDF with JavaScript",
            SimpleUploadedFile("脚本.pdf", pdf_bytes(modify=open_action_js)),
            ("JavaScript", *pdf_words),
        ),
        (
            "PDF with disguised JavaScript",
            SimpleUploadedFile("脚本2.pdf", escape_names(pdf_bytes(modify=open_action_js))),
            ("JavaScript", *pdf_words),
        ),
    ]


def accepted_kinds(prober, form, field: str) -> set[str]:
    """The kinds of file the field takes: a real file of each kind, refused or not for its type."""
    kinds = set()
    for kind, (name, make) in REAL_FILES.items():
        response, _changed, _left = post_file(prober, form, field, SimpleUploadedFile(name, make()))
        if not any("类型" in text for text in complaints(response)):
            kinds.add(kind)
    return kinds


def post_file(prober, form, field: str, uploaded) -> tuple[object, list[str], set[str]]:
    """Post the form as its page showed it, with ``uploaded`` in ``field``; nothing written survives."""
    from django.conf import settings

    data = {name: spec.value for name, spec in form.fields.items() if spec.kind != "file" and spec.value}
    for name, spec in form.fields.items():
        if spec.kind in ("select", "radio") and spec.options and not spec.value:
            data[name] = next((option for option in spec.options if option), "")
    if form.buttons:
        data[form.buttons[0][0]] = form.buttons[0][1]
    data[field] = uploaded
    files_before = media_files(settings.MEDIA_ROOT)
    with transaction.atomic():
        before = writes()
        response = prober.client(form.role).post(form.action, data)
        changed = changed_tables(before, writes())
        stored = list(Document.objects.order_by("-pk").values_list("original_name", "file")[:1])
        transaction.set_rollback(True)
    left_behind = media_files(settings.MEDIA_ROOT) - files_before
    response.stored = stored
    return response, changed, left_behind


def complaints(response) -> list[str]:
    errors = form_errors(response) if response.status_code == 200 else []
    return errors + [text for level, text in queued_messages(response) if level >= 30]


def upload_fields(forms):
    return [(form, name) for form in forms for name, spec in form.fields.items() if spec.kind == "file"]


def test_upload_fields_are_found(discovered_forms):
    routes = {form.route for form, _field in upload_fields(discovered_forms)}
    assert {"pilots:attachments", "pilots:enterprises", "applications:evidence_upload"} <= routes, routes


@pytest.mark.django_db
def test_every_upload_refuses_every_hostile_file(discovered_forms, prober, settings):
    settings.UPLOAD_MAX_BYTES = UPLOAD_LIMIT
    failures = []
    fields = upload_fields(discovered_forms)
    report.counts["upload_endpoints"] = len(fields)
    for form, field in fields:
        for case, uploaded, words in hostile_files(accepted_kinds(prober, form, field)):
            response, changed, left_behind = post_file(prober, form, field, uploaded)
            report.counts["upload_cases"] += 1
            said = complaints(response)
            where = f"{form.route} field {field!r} as {form.role}, {case}"
            if response.status_code >= 500:
                failures.append(f"{where}: status {response.status_code}")
            if not any(word in text for text in said for word in words):
                failures.append(f"{where}: not refused with a message saying {'/'.join(words)}: {said}")
            if changed and form.route not in DRAFT_SAVING_ROUTES:
                failures.append(f"{where}: wrote to {changed}")
            if left_behind:
                failures.append(f"{where}: left files behind: {sorted(left_behind)}")
    report.counts["upload_failures"] += len(failures)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_traversal_file_names_never_leave_the_private_directory(discovered_forms, prober, settings):
    failures = []
    media_root = Path(settings.MEDIA_ROOT).resolve()
    for form, field in upload_fields(discovered_forms):
        for name in TRAVERSAL_NAMES:
            response, changed, left_behind = post_file(prober, form, field, SimpleUploadedFile(name, pdf_bytes()))
            report.counts["upload_cases"] += 1
            where = f"{form.route} field {field!r} as {form.role}, name {name!r}"
            said = complaints(response)
            if response.status_code >= 500:
                failures.append(f"{where}: status {response.status_code}")
            refused = any("文件名" in text for text in said)
            for path in left_behind:
                if not (media_root / path).resolve().is_relative_to(media_root):
                    failures.append(f"{where}: file written outside the media directory: {path}")
            if changed and not refused and response.stored:
                original_name, stored_path = response.stored[0]
                if any(part in original_name for part in ("/", "\\", "..")) or ".." in stored_path:
                    failures.append(f"{where}: stored as {original_name!r} at {stored_path!r}")
            if refused and ((changed and form.route not in DRAFT_SAVING_ROUTES) or left_behind):
                failures.append(f"{where}: refused but wrote {changed} {sorted(left_behind)}")
    assert not failures, "\n".join(failures)
