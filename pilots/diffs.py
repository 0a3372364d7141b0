"""What changed between two frozen versions of a plan (or a version and the one a change proposes), from
their snapshots alone, ready for a side-by-side page: the target table cell by cell, the fund plan line by
line with its totals, the text sections with a line and word diff (difflib), the phased tasks, the chains
and the enterprise list."""

import difflib
import re
from decimal import Decimal

from .models import FundLine, PilotPlan
from .pdf import format_indicator_value, format_money
from .proposals import direction_label, section_label, source_label
from .targets import FIELD_LABELS, FIELDS

# A token is a run of Latin letters or digits (a word or a number), a run of white space, or any other single
# character: Chinese has no spaces between words, so it is compared character by character.
TOKEN = re.compile(r"[A-Za-z0-9_.%]+|\s+|.", re.S)


def _merge(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for text, kind in segments:
        if not text:
            continue
        if merged and merged[-1][1] == kind:
            merged[-1] = (merged[-1][0] + text, kind)
        else:
            merged.append((text, kind))
    return merged


def _word_diff(old: str, new: str, left: list, right: list) -> None:
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(("".join(a[i1:i2]), "equal"))
            right.append(("".join(b[j1:j2]), "equal"))
        else:
            left.append(("".join(a[i1:i2]), "del"))
            right.append(("".join(b[j1:j2]), "ins"))


def text_diff(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Segments ``(text, kind)`` of the old text (kinds "equal", "del") and of the new one ("equal", "ins"):
    lines are matched first, then the words of the lines that were replaced."""
    old_lines, new_lines = (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True)
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_block, new_block = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            left.append((old_block, "equal"))
            right.append((new_block, "equal"))
        elif tag == "replace":
            _word_diff(old_block, new_block, left, right)
        else:
            left.append((old_block, "del"))
            right.append((new_block, "ins"))
    return _merge(left), _merge(right)


def _cell(old, new, display) -> dict:
    return {"old": display(old), "new": display(new), "changed": old != new}


def _decimal_or_none(value):
    return None if value in (None, "") else Decimal(str(value))


def target_rows(old: list[dict], new: list[dict]) -> list[dict]:
    """One row per indicator (in the newer version's order, then any only in the older one), each cell with its
    old and new value; ``added``/``removed`` for an indicator in one version only."""
    old_by_id = {row["indicator_id"]: row for row in old}
    new_ids = {row["indicator_id"] for row in new}
    rows = []
    for row in [*new, *(row for row in old if row["indicator_id"] not in new_ids)]:
        before, after = old_by_id.get(row["indicator_id"]), row if row["indicator_id"] in new_ids else None
        cells = []
        for field in FIELDS:
            old_value = _decimal_or_none(before[field]) if before else None
            new_value = _decimal_or_none(after[field]) if after else None
            cells.append(
                {
                    "field": field,
                    "label": FIELD_LABELS[field],
                    **_cell(old_value, new_value, lambda v, kind=row["kind"]: format_indicator_value(v, kind)),
                }
            )
        rows.append(
            {
                "level1": row["level1"],
                "level2": row["level2"],
                "name": row["name"],
                "unit": row["unit"],
                "cells": cells,
                "changed": any(cell["changed"] for cell in cells),
                "added": before is None,
                "removed": after is None,
            }
        )
    return rows


def _amounts(line: dict | None) -> dict:
    return {source: Decimal(line[source]) if line else Decimal("0.00") for source in FundLine.SOURCES}


def fund_rows(old: list[dict], new: list[dict]) -> dict:
    """Line by line (one per direction of either version), each source old and new, with line totals and the
    totals per source and overall."""
    old_by, new_by = {line["direction"]: line for line in old}, {line["direction"]: line for line in new}
    directions = [line["direction"] for line in new] + [d for d in old_by if d not in new_by]
    totals_old = dict.fromkeys(FundLine.SOURCES, Decimal("0.00"))
    totals_new = dict.fromkeys(FundLine.SOURCES, Decimal("0.00"))
    lines = []
    for direction in directions:
        before, after = old_by.get(direction), new_by.get(direction)
        amounts_old, amounts_new = _amounts(before), _amounts(after)
        for source in FundLine.SOURCES:
            totals_old[source] += amounts_old[source]
            totals_new[source] += amounts_new[source]
        cells = [_cell(amounts_old[s], amounts_new[s], format_money) for s in FundLine.SOURCES]
        total = _cell(sum(amounts_old.values()), sum(amounts_new.values()), format_money)
        description = _cell((before or {}).get("description", ""), (after or {}).get("description", ""), str)
        lines.append(
            {
                "label": direction_label(direction),
                "description": description,
                "cells": cells,
                "total": total,
                "changed": description["changed"] or any(cell["changed"] for cell in cells),
            }
        )
    return {
        "sources": [source_label(source) for source in FundLine.SOURCES],
        "lines": lines,
        "totals": [_cell(totals_old[s], totals_new[s], format_money) for s in FundLine.SOURCES],
        "total": _cell(sum(totals_old.values()), sum(totals_new.values()), format_money),
        "changed": any(line["changed"] for line in lines),
    }


def section_rows(old: dict, new: dict) -> list[dict]:
    rows = []
    for name in PilotPlan.SECTION_FIELDS:
        before, after = old.get(name, ""), new.get(name, "")
        row = {"name": name, "label": section_label(name), "changed": before != after}
        if row["changed"]:
            row["left"], row["right"] = text_diff(before, after)
        rows.append(row)
    return rows


def _task_key(task: dict) -> tuple:
    return (task["task"], task["owner"], task["due"])


def task_rows(old: list[dict], new: list[dict]) -> list[dict]:
    """The phased tasks matched in order: unchanged, changed (a task replaced by another at its place), removed,
    added."""
    rows = []
    matcher = difflib.SequenceMatcher(None, [_task_key(t) for t in old], [_task_key(t) for t in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [{"kind": "equal", "old": t, "new": t, "changed_fields": []} for t in new[j1:j2]]
            continue
        befores, afters = old[i1:i2], new[j1:j2]
        for index in range(max(len(befores), len(afters))):
            before = befores[index] if index < len(befores) else None
            after = afters[index] if index < len(afters) else None
            kind = "changed" if before and after else ("removed" if before else "added")
            changed_fields = [f for f in ("task", "owner", "due") if before and after and before[f] != after[f]]
            rows.append({"kind": kind, "old": before, "new": after, "changed_fields": changed_fields})
    return rows


def chain_rows(old: list[dict], new: list[dict]) -> list[dict]:
    old_by, new_by = {c["name"]: c for c in old}, {c["name"]: c for c in new}
    rows = []
    for name in [c["name"] for c in new] + [n for n in old_by if n not in new_by]:
        before, after = old_by.get(name), new_by.get(name)
        kind = "added" if before is None else "removed" if after is None else "changed" if before != after else "equal"
        rows.append({"name": name, "kind": kind, "old": before, "new": after})
    return rows


def enterprise_changes(old: list[dict], new: list[dict]) -> dict:
    old_by, new_by = {e["uscc"]: e for e in old}, {e["uscc"]: e for e in new}
    return {
        "old_count": len(old),
        "new_count": len(new),
        "added": [e for e in new if e["uscc"] not in old_by],
        "removed": [e for e in old if e["uscc"] not in new_by],
        "changed": [e for e in new if e["uscc"] in old_by and old_by[e["uscc"]] != e],
    }


def version_diff(old: dict, new: dict) -> dict:
    """Everything that differs between two snapshots (``old`` on the left, ``new`` on the right)."""
    targets = target_rows(old.get("targets", []), new.get("targets", []))
    funds = fund_rows(old.get("fund_lines", []), new.get("fund_lines", []))
    sections = section_rows(old.get("sections", {}), new.get("sections", {}))
    tasks = task_rows(old.get("phased_tasks", []), new.get("phased_tasks", []))
    chains = chain_rows(old.get("chains", []), new.get("chains", []))
    enterprises = enterprise_changes(old.get("enterprises", []), new.get("enterprises", []))
    title = {"old": old.get("title", ""), "new": new.get("title", ""), "changed": old.get("title") != new.get("title")}
    counts = {
        "targets": sum(cell["changed"] for row in targets for cell in row["cells"]),
        "funds": sum(line["changed"] for line in funds["lines"]),
        "sections": sum(row["changed"] for row in sections),
        "tasks": sum(row["kind"] != "equal" for row in tasks),
        "chains": sum(row["kind"] != "equal" for row in chains),
        "enterprises": len(enterprises["added"]) + len(enterprises["removed"]) + len(enterprises["changed"]),
    }
    return {
        "title": title,
        "targets": targets,
        "funds": funds,
        "sections": sections,
        "tasks": tasks,
        "chains": chains,
        "enterprises": enterprises,
        "counts": counts,
        "has_changes": title["changed"] or any(counts.values()),
    }
