"""The proposed values of a plan change (PlanChange.proposed): their shape, their rules and how they turn a
frozen version into the version they propose. Pure functions on dicts; the services load and save.

The shape, for the chosen parts only (values are text, as typed; clean values are in canonical form)::

    {
      "sections": {"targets_overview": "…", "funds_overview": "…", "implementation_content": "…", …},
      "targets": {"<indicator id>": {"baseline": "12", "midterm_target": "20", "target": "30"}, …},
      "fund_lines": {"<direction>": {"description": "…", "enterprise": "1200000.00", …}, …},
      "phased_tasks": [{"task": "…", "owner": "…", "due": "2025-06-30"}, …],
    }

The rules are those of the originals: the target cells by ``pilots.targets`` (every cell filled, counts whole,
percentages 0–100, baseline ≤ mid-term ≤ target, the retrofit targets together at least the call's minimum);
the fund plan by line and source (yuan, two places, not negative, a total and a requested subsidy above 0) and
the approved amount as a cap: a change never raises the regional subsidy asked for above what was approved;
the sections filled; at least one phased task, each with what, who and by when.
"""

import copy
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import FundLine, Indicator, PilotPlan, PlanChange
from .pdf import format_money
from .targets import FIELD_LABELS, FIELDS, parse_cell, row_problems

Part = PlanChange.Part
CENTS = Decimal("0.01")
MONEY_LIMIT = Decimal("1e14")  # FundLine amounts: 16 digits, 2 of them decimals
SECTION_MAX_CHARS = 20_000
TASK_LIMITS = {"task": 300, "owner": 100}

# The plan's text sections that belong to each part.
PART_SECTIONS = {
    Part.TARGETS: ("targets_overview",),
    Part.FUNDS: ("funds_overview",),
    Part.IMPLEMENTATION: ("implementation_content", "implementation_path", "implementation_mechanism"),
    Part.TIMELINE: (),
}


def section_label(name: str) -> str:
    return str(PilotPlan._meta.get_field(name).verbose_name)


def source_label(source: str) -> str:
    return str(FundLine._meta.get_field(source).verbose_name).removesuffix("（元）")


def direction_label(direction: str) -> str:
    return str(FundLine.Direction(direction).label)


# --- cell names: the form's input names are the keys of the problems ---------------------------------------


def target_key(indicator_id, field: str) -> str:
    return f"target-{indicator_id}-{field}"


def fund_key(direction: str, field: str) -> str:
    return f"fund-{direction}-{field}"


def section_key(name: str) -> str:
    return f"section-{name}"


def task_key(index: int, field: str) -> str:
    return f"task-{index}-{field}"


# --- from a version -----------------------------------------------------------------------------------------


def values_in_force(snapshot: dict) -> dict:
    """Every part's values as a version has them, in the proposal's shape (to prefill the change form)."""
    return {
        "sections": {name: snapshot["sections"].get(name, "") for names in PART_SECTIONS.values() for name in names},
        "targets": {
            str(row["indicator_id"]): {field: _cell_text(row[field], row["kind"]) for field in FIELDS}
            for row in snapshot["targets"]
        },
        "fund_lines": {
            line["direction"]: {"description": line["description"], **{s: line[s] for s in FundLine.SOURCES}}
            for line in snapshot["fund_lines"]
        },
        "phased_tasks": [{"task": t["task"], "owner": t["owner"], "due": t["due"]} for t in snapshot["phased_tasks"]],
    }


def _cell_text(value, kind: str) -> str:
    """A frozen target value as the bureau would type it: counts whole, percentages with one place."""
    if value in (None, ""):
        return ""
    number = Decimal(value)
    return f"{number:.1f}" if kind == Indicator.Kind.PERCENT else f"{number:.0f}"


def only_parts(values: dict, parts) -> dict:
    """The values of the chosen parts only: what a change stores."""
    chosen = {}
    sections = {name: values["sections"].get(name, "") for part in parts for name in PART_SECTIONS[part]}
    if sections:
        chosen["sections"] = sections
    if Part.TARGETS in parts:
        chosen["targets"] = values["targets"]
    if Part.FUNDS in parts:
        chosen["fund_lines"] = values["fund_lines"]
    if Part.TIMELINE in parts:
        chosen["phased_tasks"] = values["phased_tasks"]
    return chosen


def merged_values(snapshot: dict, proposed: dict) -> dict:
    """The form's values: the proposal where it says something, the version in force elsewhere."""
    values = values_in_force(snapshot)
    values["sections"].update(proposed.get("sections", {}))
    for key in ("targets", "fund_lines", "phased_tasks"):
        if key in proposed:
            values[key] = proposed[key]
    return values


# --- the rules ----------------------------------------------------------------------------------------------


def _money(raw) -> tuple[Decimal | None, str | None]:
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "")
    if text == "":
        return Decimal("0.00"), None  # an empty source is nothing from that source, as in the fund plan form
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("“%(raw)s”不是金额") % {"raw": raw}
    if not value.is_finite():
        return None, _("“%(raw)s”不是金额") % {"raw": raw}
    if value < 0:
        return None, _("金额不能为负数")
    if value != value.quantize(CENTS):
        return None, _("金额最多保留两位小数（精确到分）")
    if value >= MONEY_LIMIT:
        return None, _("金额过大")
    return value.quantize(CENTS), None


def _date(raw) -> date | None:
    text = str(raw or "").strip().replace("/", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def clean_targets(targets: dict, rows: list[dict], indicators: dict, *, minimum: int, problems: dict) -> dict:
    """``rows``: the target rows of the version in force (order and indicator data); ``indicators``:
    Indicator objects by id (for ``counts_as_retrofit``)."""
    clean, retrofit = {}, Decimal(0)
    for row in rows:
        indicator_id = str(row["indicator_id"])
        indicator = indicators.get(row["indicator_id"]) or Indicator(kind=row["kind"], unit=row["unit"])
        typed = targets.get(indicator_id, {})
        values = {}
        for field in FIELDS:
            value, problem = parse_cell(indicator, typed.get(field))
            key = target_key(indicator_id, field)
            if problem:
                problems[key] = f"“{row['name']}”{FIELD_LABELS[field]}：{problem}"
            elif value is None:
                problems[key] = _("“%(name)s”%(cell)s：未填写") % {"name": row["name"], "cell": FIELD_LABELS[field]}
            values[field] = value
        for field, problem in row_problems(values["baseline"], values["midterm_target"], values["target"]).items():
            problems.setdefault(target_key(indicator_id, field), f"“{row['name']}”{FIELD_LABELS[field]}：{problem}")
        if indicator.counts_as_retrofit and values["target"] is not None:
            retrofit += values["target"]
        clean[indicator_id] = {field: None if value is None else str(value) for field, value in values.items()}
    if retrofit < minimum and not any(key.startswith("target-") for key in problems):
        problems["targets"] = _("改造规上、规下企业数量目标合计为%(total)s家，不足%(minimum)s家。") % {
            "total": int(retrofit),
            "minimum": minimum,
        }
    return clean


def clean_fund_lines(fund_lines: dict, lines: list[dict], *, approved_amount: Decimal | None, problems: dict) -> dict:
    """``lines``: the fund lines of the version in force (the directions and their order)."""
    clean, total, subsidy = {}, Decimal("0.00"), Decimal("0.00")
    for line in lines:
        direction = line["direction"]
        typed = fund_lines.get(direction, {})
        description = str(typed.get("description", "")).strip()
        if len(description) > 300:
            problems[fund_key(direction, "description")] = _("“%(line)s”用途说明不能超过300字") % {
                "line": direction_label(direction)
            }
        values = {"description": description}
        for source in FundLine.SOURCES:
            value, problem = _money(typed.get(source))
            if problem:
                problems[fund_key(direction, source)] = (
                    f"“{direction_label(direction)}”{source_label(source)}：{problem}"
                )
                values[source] = str(typed.get(source, ""))
                continue
            values[source] = str(value)
            total += value
            if source == "subsidy_requested":
                subsidy += value
        clean[direction] = values
    if any(key.startswith("fund-") for key in problems):
        return clean
    if total <= 0:
        problems["funds"] = _("资金计划合计为0，请填写资金使用计划。")
    elif subsidy <= 0:
        problems["funds"] = _("资金计划中未填写申请自治区奖补资金。")
    elif approved_amount is not None and subsidy > approved_amount:
        problems["funds"] = _(
            "调整后申请自治区奖补资金合计%(subsidy)s元，超过批复金额%(approved)s元。方案变更不改变批复金额，"
            "申请的自治区奖补不能高于批复金额。"
        ) % {"subsidy": format_money(subsidy), "approved": format_money(approved_amount)}
    return clean


def clean_sections(sections: dict, names, problems: dict) -> dict:
    clean = {}
    for name in names:
        text = str(sections.get(name, "")).strip()
        if not text:
            problems[section_key(name)] = _("“%(section)s”未填写") % {"section": section_label(name)}
        elif len(text) > SECTION_MAX_CHARS:
            problems[section_key(name)] = _("“%(section)s”不能超过%(limit)d字（当前%(count)d字）") % {
                "section": section_label(name),
                "limit": SECTION_MAX_CHARS,
                "count": len(text),
            }
        clean[name] = text
    return clean


def clean_tasks(tasks: list, problems: dict) -> list[dict]:
    clean = []
    for index, typed in enumerate(tasks):
        row = {field: str(typed.get(field, "") or "").strip() for field in ("task", "owner", "due")}
        if not any(row.values()):
            continue  # an empty row of the form
        number = len(clean) + 1
        if not row["task"]:
            problems[task_key(index, "task")] = _("第%(n)d项阶段任务：请写明任务内容") % {"n": number}
        if not row["owner"]:
            problems[task_key(index, "owner")] = _("第%(n)d项阶段任务：请写明责任单位") % {"n": number}
        for field, limit in TASK_LIMITS.items():
            if len(row[field]) > limit:
                problems[task_key(index, field)] = _("第%(n)d项阶段任务：不能超过%(limit)d字") % {
                    "n": number,
                    "limit": limit,
                }
        due = _date(row["due"])
        if due is None:
            problems[task_key(index, "due")] = _("第%(n)d项阶段任务：完成时限“%(raw)s”不是日期（格式如2025-06-30）") % {
                "n": number,
                "raw": row["due"],
            }
        else:
            row["due"] = due.isoformat()
        clean.append(row)
    if not clean:
        problems["timeline"] = _("至少要有一项阶段任务（做什么、谁来做、何时完成）。")
    return clean


def check_proposal(
    *, parts, proposed: dict, snapshot: dict, indicators: dict, minimum: int, approved_amount: Decimal | None
) -> tuple[dict, dict[str, str]]:
    """The clean values of the chosen parts and every problem, keyed by the form's cell names (general
    problems under the part's code or "parts"). ``snapshot``: the version in force."""
    problems: dict[str, str] = {}
    parts = [part for part in Part.values if part in (parts or [])]
    if not parts:
        problems["parts"] = _("请至少选择一项变更内容。")
    section_names = [name for part in parts for name in PART_SECTIONS[part]]
    clean = {}
    if section_names:
        clean["sections"] = clean_sections(proposed.get("sections", {}), section_names, problems)
    if Part.TARGETS in parts:
        clean["targets"] = clean_targets(
            proposed.get("targets", {}), snapshot["targets"], indicators, minimum=minimum, problems=problems
        )
    if Part.FUNDS in parts:
        clean["fund_lines"] = clean_fund_lines(
            proposed.get("fund_lines", {}), snapshot["fund_lines"], approved_amount=approved_amount, problems=problems
        )
    if Part.TIMELINE in parts:
        clean["phased_tasks"] = clean_tasks(proposed.get("phased_tasks", []), problems)
    if not problems:
        in_force = only_parts(values_in_force(snapshot), parts)
        for part in parts:
            if _part_values(clean, part) == _part_values(in_force, part):
                problems[part] = _("所选的“%(part)s”与现行版本相同，没有变更，请修改或取消选择。") % {
                    "part": Part(part).label
                }
    return clean, problems


def _part_values(values: dict, part: str):
    key = {Part.TARGETS: "targets", Part.FUNDS: "fund_lines", Part.TIMELINE: "phased_tasks"}.get(part)
    sections = {name: values.get("sections", {}).get(name) for name in PART_SECTIONS[part]}
    return sections, _canonical(values.get(key)) if key else None


def _canonical(value):
    """Values compared as numbers where they are numbers: "12" and "12.0" are the same target."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, str):
        try:
            return Decimal(value.replace(",", "")).normalize() if value.strip() else ""
        except InvalidOperation:
            return value
    return value


# --- the proposed version --------------------------------------------------------------------------------------


def apply_to_snapshot(snapshot: dict, clean: dict) -> dict:
    """The version a change proposes: a copy of ``snapshot`` with the clean values of the change put in."""
    result = copy.deepcopy(snapshot)
    result["sections"].update(clean.get("sections", {}))
    if "targets" in clean:
        for row in result["targets"]:
            row.update(clean["targets"].get(str(row["indicator_id"]), {}))
    if "fund_lines" in clean:
        for line in result["fund_lines"]:
            values = clean["fund_lines"].get(line["direction"])
            if values:
                line.update(values)
                line["total"] = str(sum((Decimal(line[s]) for s in FundLine.SOURCES), Decimal("0.00")))
    if "phased_tasks" in clean:
        result["phased_tasks"] = [dict(task) for task in clean["phased_tasks"]]
    return result
