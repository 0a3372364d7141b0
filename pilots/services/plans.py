"""Drafting a plan: everything the applicant bureau edits while the plan is a draft."""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import organisation_of
from audit.services import diff, record_event, snapshot
from documents.services import document_store
from documents.validation import IMAGES, PDF

from ..models import FundLine, IndustryChain, PhasedTask, PilotCall, PilotPlan, PlanEnterprise, TargetValue
from ..targets import FIELDS, parse_cell, row_problems


def lock_plan(plan: PilotPlan) -> PilotPlan:
    # of=("self",): lock the plan row only, not its call and region (which would serialise a whole call).
    return PilotPlan.objects.select_for_update(of=("self",)).select_related("call", "region").get(pk=plan.pk)


def lock_editable_plan(plan: PilotPlan) -> PilotPlan:
    plan = lock_plan(plan)
    if not plan.is_editable:
        raise ValidationError(
            _("方案当前状态为“%(status)s”，不能修改。") % {"status": plan.get_status_display()}, code="not_editable"
        )
    return plan


def _next_order(related) -> int:
    return (related.aggregate(highest=Max("order"))["highest"] or 0) + 1


def _touch(plan: PilotPlan, *fields: str) -> None:
    plan.updated_at = timezone.now()
    plan.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def plan_create(*, actor, call: PilotCall, title: str = "") -> PilotPlan:
    organisation = organisation_of(actor)
    if organisation is None or organisation.region.level != "league_city":
        raise ValidationError(_("只有盟市工信局可以新建总体方案。"), code="not_a_bureau")
    call = PilotCall.objects.select_for_update().get(pk=call.pk)
    if not call.accepts_submissions():
        raise ValidationError(_("该批次不在申报期内，不能新建方案。"), code="call_closed")
    region = organisation.region
    if PilotPlan.objects.filter(call=call, region=region).exists():
        raise ValidationError(
            _("%(region)s在本批次已有一份总体方案，每个盟市每批次只能申报一份。") % {"region": region.name},
            code="duplicate_plan",
        )
    national = call.kind == PilotCall.Kind.NATIONAL_SME_CITY
    default_title = (
        _("%(region)s国家中小企业数字化转型城市试点实施方案")
        if national
        else _("%(region)s制造业数字化转型试点总体方案")
    )
    plan = PilotPlan(
        call=call, region=region, applicant=organisation, title=title or default_title % {"region": region.name}
    )
    plan.full_clean()
    plan.save()
    if national:
        # No target table; the grant requested is the one fund line's subsidy (services.national).
        from .national import grant_line

        grant_line(plan).save()
    else:
        TargetValue.objects.bulk_create(
            TargetValue(plan=plan, indicator=indicator) for indicator in call.target_template.indicators.all()
        )
        FundLine.objects.bulk_create(
            FundLine(plan=plan, direction=direction) for direction in FundLine.Direction.values
        )
    record_event(actor=actor, action="plan.create", target=plan, changes={"call": call.title, "region": region.name})
    return plan


@transaction.atomic
def plan_update_sections(*, actor, plan: PilotPlan, **sections: str) -> PilotPlan:
    plan = lock_editable_plan(plan)
    fields = [name for name in sections if name in PilotPlan.SECTION_FIELDS or name == "title"]
    before = snapshot(plan, fields)
    for name in fields:
        setattr(plan, name, sections[name].strip())
    plan.full_clean()
    _touch(plan, *fields)
    changes = diff(before, snapshot(plan, fields))
    if changes:
        record_event(actor=actor, action="plan.update_sections", target=plan, changes=changes)
    return plan


CHAIN_FIELDS = ("name", "is_key_chain", "basis", "above_scale_count", "below_scale_count", "digital_status")


@transaction.atomic
def chain_save(*, actor, plan: PilotPlan, chain: IndustryChain | None = None, **fields) -> IndustryChain:
    plan = lock_editable_plan(plan)
    if chain is None:
        chain = IndustryChain(plan=plan, order=_next_order(plan.chains))
    elif chain.plan_id != plan.pk:
        raise ValidationError(_("产业链不属于该方案。"))
    before = snapshot(chain, CHAIN_FIELDS) if chain.pk else {}
    for name in CHAIN_FIELDS:
        if name in fields:
            setattr(chain, name, fields[name])
    chain.full_clean()
    chain.save()
    _touch(plan)
    record_event(
        actor=actor,
        action="plan.chain_save",
        target=plan,
        changes={"chain": chain.name, **diff(before, snapshot(chain, CHAIN_FIELDS))},
    )
    return chain


@transaction.atomic
def chain_delete(*, actor, plan: PilotPlan, chain: IndustryChain) -> None:
    plan = lock_editable_plan(plan)
    if chain.plan_id != plan.pk:
        raise ValidationError(_("产业链不属于该方案。"))
    if chain.enterprises.exists():
        raise ValidationError(
            _("产业链“%(name)s”下还有企业，请先在企业名单中移除或改到其他产业链。") % {"name": chain.name}
        )
    name = chain.name
    chain.delete()
    _touch(plan)
    record_event(actor=actor, action="plan.chain_delete", target=plan, changes={"chain": name})


@transaction.atomic
def phased_task_add(*, actor, plan: PilotPlan, task: str, owner: str, due) -> PhasedTask:
    plan = lock_editable_plan(plan)
    item = PhasedTask(plan=plan, task=task.strip(), owner=owner.strip(), due=due, order=_next_order(plan.phased_tasks))
    item.full_clean()
    item.save()
    _touch(plan)
    record_event(
        actor=actor, action="plan.phased_task_add", target=plan, changes={"task": item.task, "owner": owner, "due": due}
    )
    return item


@transaction.atomic
def phased_task_delete(*, actor, plan: PilotPlan, item: PhasedTask) -> None:
    plan = lock_editable_plan(plan)
    if item.plan_id != plan.pk:
        raise ValidationError(_("任务不属于该方案。"))
    record_event(actor=actor, action="plan.phased_task_delete", target=plan, changes={"task": item.task})
    item.delete()
    _touch(plan)


@dataclass(frozen=True)
class EnterpriseRow:
    """One clean row of an enterprise list (from Excel or a form)."""

    name: str
    uscc: str
    revenue: Decimal
    is_srdi: bool
    chain_name: str
    to_retrofit: bool


@transaction.atomic
def enterprises_replace(*, actor, plan: PilotPlan, rows: list[EnterpriseRow], source: str = "") -> int:
    """Replace the whole enterprise list with clean rows (all or nothing)."""
    plan = lock_editable_plan(plan)
    chains = {chain.name: chain for chain in plan.chains.all()}
    unknown = sorted({row.chain_name for row in rows} - set(chains))
    if unknown:
        raise ValidationError(_("以下产业链不在方案中：%(names)s。请先添加产业链。") % {"names": "、".join(unknown)})
    seen = set()
    for row in rows:
        if row.uscc in seen:
            raise ValidationError(_("统一社会信用代码 %(uscc)s 重复。") % {"uscc": row.uscc})
        seen.add(row.uscc)
    enterprises = [
        PlanEnterprise(
            plan=plan,
            row=number,
            name=row.name,
            uscc=row.uscc,
            revenue=row.revenue,
            is_srdi=row.is_srdi,
            chain=chains[row.chain_name],
            to_retrofit=row.to_retrofit,
        )
        for number, row in enumerate(rows, start=1)
    ]
    for enterprise in enterprises:  # field rules (USCC, lengths, amounts) without a query per row
        try:
            enterprise.clean_fields(exclude=["plan", "chain"])
        except ValidationError as error:
            raise ValidationError(
                _("第%(row)d家企业“%(name)s”：%(problem)s")
                % {"row": enterprise.row, "name": enterprise.name, "problem": "；".join(error.messages)}
            ) from error
    previous = plan.enterprises.count()
    plan.enterprises.all().delete()
    PlanEnterprise.objects.bulk_create(enterprises)
    _touch(plan)
    record_event(
        actor=actor,
        action="plan.enterprises_replace",
        target=plan,
        changes={"count": [previous, len(rows)], "source": source},
    )
    return len(rows)


@transaction.atomic
def enterprise_delete(*, actor, plan: PilotPlan, enterprise: PlanEnterprise) -> None:
    plan = lock_editable_plan(plan)
    if enterprise.plan_id != plan.pk:
        raise ValidationError(_("企业不属于该方案。"))
    record_event(
        actor=actor,
        action="plan.enterprise_delete",
        target=plan,
        changes={"name": enterprise.name, "uscc": enterprise.uscc},
    )
    enterprise.delete()
    _touch(plan)


def funds_fingerprint(plan: PilotPlan) -> str:
    """What the finance bureau confirms when it co-signs: the fund plan, line by line."""
    lines = FundLine.objects.filter(plan=plan).order_by("direction")
    content = [[line.direction, line.description, *(str(getattr(line, s)) for s in FundLine.SOURCES)] for line in lines]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def fund_plan_save(*, actor, plan: PilotPlan, lines: dict[str, dict]) -> PilotPlan:
    """``lines``: {direction: {"description": str, source: Decimal, ...}}. A change after co-signing
    means the finance bureau must co-sign again."""
    plan = lock_editable_plan(plan)
    changes = {}
    for line in FundLine.objects.select_for_update().filter(plan=plan):
        values = lines.get(line.direction)
        if values is None:
            continue
        fields = ("description", *FundLine.SOURCES)
        before = snapshot(line, fields)
        for name in fields:
            if name in values:
                setattr(line, name, values[name])
        line.full_clean()
        line.save()
        line_changes = diff(before, snapshot(line, fields))
        if line_changes:
            changes[line.direction] = line_changes
    if changes and plan.cosigned_funds_hash and plan.cosigned_funds_hash != funds_fingerprint(plan):
        # The fingerprint stays: submission then says precisely that the fund plan changed after co-signing.
        if plan.status == PilotPlan.Status.COSIGNED:
            plan.status = PilotPlan.Status.DRAFT
        changes["cosign"] = ["valid", "invalidated: fund plan changed"]
    _touch(plan, "status")
    if changes:
        record_event(actor=actor, action="plan.fund_plan_save", target=plan, changes=changes)
    return plan


@transaction.atomic
def target_table_save(*, actor, plan: PilotPlan, cells: dict[tuple[int, str], str]) -> dict[tuple[int, str], str]:
    """Save what was typed into the target table. ``cells``: {(indicator_id, field): raw text}.

    Every cell that parses is kept, even when a rule of its row fails, so nothing typed is lost; cells
    that cannot be values are left as they were. Returns the problems by cell, in Chinese."""
    plan = lock_editable_plan(plan)
    problems: dict[tuple[int, str], str] = {}
    changes = {}
    rows = list(TargetValue.objects.select_for_update().select_related("indicator").filter(plan=plan))
    for row in rows:
        before = snapshot(row, FIELDS)
        for field in FIELDS:
            key = (row.indicator_id, field)
            if key not in cells:
                continue
            value, problem = parse_cell(row.indicator, cells[key])
            if problem:
                problems[key] = problem
            else:
                setattr(row, field, value)
        for field, problem in row_problems(row.baseline, row.midterm_target, row.target).items():
            problems.setdefault((row.indicator_id, field), problem)
        after = snapshot(row, FIELDS)
        if after != before:
            row.save(update_fields=list(FIELDS))
            changes[row.indicator.name] = diff(before, after)
    _touch(plan)
    if changes:
        record_event(actor=actor, action="plan.target_table_save", target=plan, changes=changes)
    return problems


@transaction.atomic
def stamped_pdf_attach(*, actor, plan: PilotPlan, uploaded) -> PilotPlan:
    plan = lock_editable_plan(plan)
    document = document_store(
        actor=actor,
        uploaded=uploaded,
        organisation=plan.applicant,
        allowed=frozenset({PDF}),
        purpose="stamped_plan",
        owner=plan,
    )
    plan.stamped_pdf = document
    _touch(plan, "stamped_pdf")
    record_event(
        actor=actor, action="plan.stamped_pdf_attach", target=plan, changes={"document": document.original_name}
    )
    return plan


@transaction.atomic
def evidence_attach(*, actor, plan: PilotPlan, uploaded):
    plan = lock_editable_plan(plan)
    document = document_store(
        actor=actor,
        uploaded=uploaded,
        organisation=plan.applicant,
        allowed=frozenset({PDF, *IMAGES}),
        purpose="evidence",
        owner=plan,
    )
    _touch(plan)
    record_event(actor=actor, action="plan.evidence_attach", target=plan, changes={"document": document.original_name})
    return document


@transaction.atomic
def plan_grant_view(*, actor, plan: PilotPlan, user, reason: str) -> None:
    """Let one user read one plan (an expert after declaring no conflict). Kept in the plan's direct
    guardian table, never in guardian's generic tables."""
    from django.contrib.auth.models import Permission

    from ..models import PilotPlanUserObjectPermission

    permission = Permission.objects.get(content_type__app_label="pilots", codename="view_pilotplan")
    _grant, created = PilotPlanUserObjectPermission.objects.get_or_create(
        user=user, permission=permission, content_object=plan
    )
    if created:
        record_event(
            actor=actor, action="plan.grant_view", target=plan, changes={"user": user.get_username(), "reason": reason}
        )


@transaction.atomic
def plan_revoke_view(*, actor, plan: PilotPlan, user, reason: str) -> None:
    from ..models import PilotPlanUserObjectPermission

    deleted, _ = PilotPlanUserObjectPermission.objects.filter(
        user=user, content_object=plan, permission__codename="view_pilotplan"
    ).delete()
    if deleted:
        record_event(
            actor=actor, action="plan.revoke_view", target=plan, changes={"user": user.get_username(), "reason": reason}
        )
