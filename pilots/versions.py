"""The frozen content of a plan version: everything needed to read, print or compare it later."""

from .models import PilotPlan


def plan_snapshot(plan: PilotPlan) -> dict:
    values = plan.target_values.select_related("indicator").order_by("indicator__order")
    return {
        "title": plan.title,
        "call": {"id": plan.call_id, "title": plan.call.title, "year": plan.call.year},
        "region": {"code": plan.region.code, "name": plan.region.name},
        "applicant": plan.applicant.name,
        "sections": {name: getattr(plan, name) for name in PilotPlan.SECTION_FIELDS},
        "phased_tasks": [
            {"task": t.task, "owner": t.owner, "due": t.due.isoformat()}
            for t in plan.phased_tasks.order_by("order", "due")
        ],
        "chains": [
            {
                "name": c.name,
                "is_key_chain": c.is_key_chain,
                "basis": c.basis,
                "above_scale_count": c.above_scale_count,
                "below_scale_count": c.below_scale_count,
                "digital_status": c.digital_status,
            }
            for c in plan.chains.order_by("order", "id")
        ],
        "enterprises": [
            {
                "name": e.name,
                "uscc": e.uscc,
                "revenue": str(e.revenue),
                "is_srdi": e.is_srdi,
                "chain": e.chain.name,
                "to_retrofit": e.to_retrofit,
            }
            for e in plan.enterprises.select_related("chain").order_by("row", "id")
        ],
        "fund_lines": [
            {
                "direction": line.direction,
                "direction_label": line.get_direction_display(),
                "description": line.description,
                **{source: str(getattr(line, source)) for source in line.SOURCES},
                "total": str(line.total),
            }
            for line in plan.fund_lines.order_by("id")
        ],
        "targets": [
            {
                "indicator_id": v.indicator_id,
                "level1": v.indicator.level1,
                "level2": v.indicator.level2,
                "name": v.indicator.name,
                "unit": v.indicator.unit,
                "kind": v.indicator.kind,
                "is_key": v.indicator.is_key,
                "baseline": None if v.baseline is None else str(v.baseline),
                "midterm_target": None if v.midterm_target is None else str(v.midterm_target),
                "target": None if v.target is None else str(v.target),
            }
            for v in values
        ],
        "stamped_pdf": plan.stamped_pdf.sha256 if plan.stamped_pdf_id else None,
        "kind": plan.call.kind,
        "national_approval": plan.national_approval.sha256 if plan.national_approval_id else None,
    }
