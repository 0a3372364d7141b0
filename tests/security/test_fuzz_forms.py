"""Fuzzing every POST form of the project with Hypothesis, through its page.

The forms are found by reading the pages (forms.py), so a new page's form is fuzzed without being listed.
Each form gets ``FUZZ_EXAMPLES`` generated submissions (200 in ``make test``; ``make bench`` raises it), posted
as the principal the form was shown to, each in a savepoint rolled back afterwards. Each submission must:

- not fail (no 500, no exception);
- leave no trace when it is refused: a re-shown form with errors, an error message or a 4xx writes no row
  (PostgreSQL's per-transaction counters, as in the matrix). Signing in is the exception: a failed login is
  recorded on purpose;
- explain a refusal in Chinese: every error of every form on the re-shown page and every error or warning
  message contains Chinese characters.

The Hypothesis test is an inner function of an ordinary test, so it takes no pytest fixtures at all and the
function-scoped-fixture health check has nothing to object to (and needs no suppressing). Hypothesis keeps no
example database here (``database=None``): runs are derandomised, so CI sees the same examples every time;
``FUZZ_SEED=<n>`` (any value) turns randomisation back on, as ``make bench`` does.
"""

import os
import re
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings as settings_module
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.documents.files import pdf_bytes, png_bytes, xlsx_bytes

from . import report
from .forms import FormSpec
from .probe import (
    DRAFT_SAVING_ROUTES,
    SIGN_IN_ROUTES,
    changed_tables,
    form_errors,
    media_files,
    queued_messages,
    writes,
)

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
CHINESE = re.compile(r"[\u3400-\u9fff]")

EDGE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "０１２３",
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "99999999999999999999999999",
    "1,000,000.005",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "2024-13-01T25:61",
    "<script>alert(1)</script>",
    "'; DROP TABLE pilots_pilotplan;--",
    "../../etc/passwd",
    "{year}{number}{0}",
    "%(name)s",
    "\u202e\u200b\ufeff",
    "𠀀𝕏😀",
    "x" * 5001,
]


# Just past the lengths the forms limit (names 100/200, reasons 4,000, grounds 5,000, sections 20,000).
LONG = [101, 201, 501, 4001, 5001, 20001]


def text_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(EDGE_TEXT),
        st.text(max_size=60),
        st.text(max_size=60),
        st.sampled_from(LONG).map(lambda n: "字" * n),
    )


def number_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-(10**20), 10**20).map(str),
        st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
        text_values(),
    )


def date_values(kind: str) -> st.SearchStrategy[str]:
    if kind == "datetime-local":
        formatted = st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M"))
    else:
        formatted = st.dates().map(lambda day: day.isoformat())
    return st.one_of(formatted, text_values())


def file_values(name: str) -> st.SearchStrategy:
    contents = st.one_of(
        st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04broken", b"\x89PNG\r\n\x1a\n"]),
        st.binary(max_size=2048),
        st.sampled_from(["pdf", "png", "xlsx"]).map(
            lambda kind: {"pdf": pdf_bytes, "png": png_bytes, "xlsx": xlsx_bytes}[kind]()
        ),
    )
    names = st.one_of(
        st.sampled_from(["方案.pdf", "清单.xlsx", "照片.png", "..pdf", "a..b.pdf", "CON.pdf", "x" * 300 + ".pdf"]),
        st.text(min_size=1, max_size=40).map(lambda text: text + ".pdf"),
    )
    return st.builds(lambda data, filename: SimpleUploadedFile(filename, data), contents, names)


def field_values(spec) -> st.SearchStrategy:
    if spec.kind == "file":
        return file_values(spec.name)
    if spec.kind in ("select", "radio", "checkbox"):
        chosen = st.sampled_from(spec.options) if spec.options else text_values()
        if spec.multiple:
            return st.one_of(st.lists(chosen, max_size=4), text_values())
        return st.one_of(chosen, chosen, text_values())
    if spec.kind == "number":
        return number_values()
    if spec.kind in ("date", "datetime-local"):
        return date_values(spec.kind)
    if spec.kind == "hidden" and spec.value:
        # Hidden fields carry what the page issued (a formset's counts, a token): usually kept, sometimes forged.
        return st.one_of(st.just(spec.value), st.just(spec.value), text_values(), number_values())
    return st.one_of(st.just(spec.value), text_values()) if spec.value else text_values()


def submissions(form: FormSpec) -> st.SearchStrategy[dict]:
    fields = {
        name: st.one_of(st.none(), field_values(spec))  # None: the field is left out of the POST altogether
        for name, spec in form.fields.items()
        if name != "csrfmiddlewaretoken"
    }
    button = st.sampled_from(form.buttons) if form.buttons else st.none()
    return st.tuples(st.fixed_dictionaries(fields), st.one_of(st.none(), button))


# Failures found in pages still being built by others, reported to the lead and listed in the run's summary
# instead of failing it: (URL pattern, text of the problem) → what is wrong. Remove a line once it is fixed.
KNOWN_PROBLEMS: dict[tuple[str, str], str] = {}


def without_known(route: str, problems: list[str]) -> list[str]:
    remaining = []
    for problem in problems:
        known = next((why for (where, text), why in KNOWN_PROBLEMS.items() if where == route and text in problem), None)
        if known is None:
            remaining.append(problem)
        else:
            report.known.add(f"{route}: {known}")
    return remaining


def check_submission(prober, form: FormSpec, data: dict, button) -> list[str]:
    from django.contrib import messages as levels

    post = {name: value for name, value in data.items() if value is not None}
    if button is not None and button[0]:
        post[button[0]] = button[1]
    problems = []
    cache.clear()  # the objection form's per-address limit would otherwise refuse everything after five
    client = prober.client(form.role)
    files_before = media_files(settings_module.MEDIA_ROOT) if form.has_file else set()
    with transaction.atomic():
        before = writes()
        try:
            response = client.post(form.action, post)
        except Exception as error:
            transaction.set_rollback(True)
            return [f"exception {type(error).__name__}: {str(error)[:300]}"]
        changed = changed_tables(before, writes())
        transaction.set_rollback(True)
    if response.status_code >= 500:
        problems.append(f"status {response.status_code}")
    errors = form_errors(response) if response.status_code == 200 else []
    notes = queued_messages(response)
    complaints = errors + [text for level, text in notes if level >= levels.WARNING]
    refused = bool(errors) or any(level >= levels.ERROR for level, _ in notes) or 400 <= response.status_code < 500
    if refused and changed and form.route not in SIGN_IN_ROUTES | DRAFT_SAVING_ROUTES:
        problems.append(f"refused but wrote to {', '.join(changed)} (errors: {complaints[:3]})")
    left_behind = media_files(settings_module.MEDIA_ROOT) - files_before if form.has_file else set()
    if refused and left_behind:
        problems.append(f"refused but left files behind: {sorted(left_behind)[:3]}")
    not_chinese = [text for text in complaints if not CHINESE.search(text)]
    if not_chinese:
        problems.append(f"messages not in Chinese: {not_chinese[:3]}")
    return problems


def test_forms_are_found(discovered_forms):
    """The pages' forms were found: at least the login, the objection and one of each app's."""
    routes = {form.route for form in discovered_forms}
    assert {"login", "public_notices:notice_detail"} <= routes, sorted(routes)
    for app in ("pilots", "evaluation", "applications", "notices", "workflows"):
        assert any(route.startswith(f"{app}:") for route in routes), (app, sorted(routes))


@pytest.mark.django_db
def test_fuzz_every_form(discovered_forms, prober, world):
    """Each form in turn; a failing form is reported with Hypothesis's smallest failing submission, and the
    other forms are still fuzzed."""
    failures = []
    for form in discovered_forms:
        report.forms.add(form.label)
        try:
            fuzz_form(prober, form)
        except Exception as error:  # Hypothesis re-raises the smallest failing example's assertion
            failures.append(f"{form.label} (as {form.role}, from {form.page}): {str(error)[:1500]}")
    report.counts["fuzz_failures"] += len(failures)
    assert not failures, f"{len(failures)} of {len(discovered_forms)} forms failed:\n" + "\n\n".join(failures)


def fuzz_form(prober, form: FormSpec) -> None:
    if form.route == "public_notices:notice_detail" and "token" in form.fields:
        from notices import antispam

        # A token issued "now" is refused as too fast: the one a person sends was issued a minute ago.
        notice_id = int(resolve(urlsplit(form.action).path).kwargs["pk"])
        form.fields["token"].value = antispam.issue_form_token(notice_id, now=time.time() - 60)

    @settings_for_ci
    @given(submission=submissions(form))
    def fuzz(submission):
        data, button = submission
        report.counts["fuzz_examples"] += 1
        problems = without_known(form.route, check_submission(prober, form, data, button))
        assert not problems, f"{problems} with {short(data)} button={button}"

    fuzz()


settings_for_ci = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,  # no example database in the work tree; a failure prints its reproducing example
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("FUZZ_SEED") is None,
)


def short(data: dict) -> dict:
    return {
        name: (value[:40] + "…" if isinstance(value, str) and len(value) > 40 else value)
        for name, value in data.items()
    }
