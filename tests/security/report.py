"""Case counts of the attack suite, printed at the end of the pytest run (``conftest.pytest_terminal_summary``).
``SECURITY_LIST_FORMS=1`` also lists the forms that were fuzzed."""

import os
from collections import Counter

counts: Counter = Counter()
roles: set[str] = set()
urls: set[str] = set()
objects: set[str] = set()
forms: set[str] = set()
known: set[str] = set()  # problems found in others' unfinished pages, reported instead of failing


def summary_lines() -> list[str]:
    lines = []
    if counts["matrix_cases"]:
        lines.append(
            f"security matrix: {counts['matrix_cases']} cases ({len(roles)} principals (the demo roles and an "
            f"anonymous visitor) × {len(urls)} URL patterns × {len(objects)} objects × GET/POST empty/POST junk; "
            f"{counts['matrix_foreign']} with an object of another organisation or region), "
            f"{counts['matrix_failures']} failures"
        )
    if counts["fuzz_examples"]:
        lines.append(
            f"security fuzzing: {counts['fuzz_examples']} generated submissions to {len(forms)} forms, "
            f"{counts['fuzz_failures']} failures, {len(known)} known problems"
        )
        lines += [f"  known problem (see test_fuzz_forms.KNOWN_PROBLEMS): {line}" for line in sorted(known)]
    if os.environ.get("SECURITY_LIST_FORMS"):
        lines += [f"  fuzzed: {label}" for label in sorted(forms)]
    if counts["upload_cases"]:
        lines.append(
            f"security uploads: {counts['upload_cases']} hostile files to {counts['upload_endpoints']} upload "
            f"fields, {counts['upload_failures']} failures"
        )
    if counts["header_cases"]:
        lines.append(f"security headers: {counts['header_cases']} pages checked, {counts['header_failures']} failures")
    return lines
