"""Pilot calls and plans in bulk, up to the completeness check: every part of the plan (sections, chains,
phased tasks, the enterprise list, the 23-row target table, the fund plan, the stamped PDF), the frozen
version of submitted plans, the viewflow process and task rows the flow would have left, the plan's
field history and its audit events. What happens after (review, list, approval) is done by the real
services in ``review.py``."""

import hashlib
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Organisation
from documents.models import Document
from pilots.demo import CHAINS, FUNDS, TARGETS, blank_pdf, demo_uscc, section_texts
from pilots.models import (
    FundLine,
    IndustryChain,
    PhasedTask,
    PilotCall,
    PilotPlan,
    PlanEnterprise,
    PlanVersion,
    ScoreCriterion,
    TargetTemplate,
    TargetValue,
)
from pilots.services.calls import DEFAULT_CRITERIA
from pilots.services.plans import funds_fingerprint
from pilots.versions import plan_snapshot
from workflows.flows import PilotPlanFlow
from workflows.models import PilotPlanProcess

from .audit_writer import AuditWriter, Event

S = PilotPlan.Status
# The plans of the open call, by position of the region: two in each state before the review.
OPEN_CALL_STATES = [S.DRAFT, S.COSIGNING, S.COSIGNED, S.SUBMITTED, S.RETURNED, S.ACCEPTED]
# The flow's path to each state: (node, status of the task) in order; the last one is the open task.
F = PilotPlanFlow
DONE, NEW = STATUS.DONE, STATUS.NEW
_DRAFTED = [(F.start, DONE), (F.draft, DONE), (F.after_draft, DONE)]
_COSIGNED = [*_DRAFTED, (F.cosign, DONE)]
_SUBMITTED = [*_COSIGNED, (F.draft, DONE), (F.after_draft, DONE)]
FLOW_PATHS = {
    S.DRAFT: [(F.start, DONE), (F.draft, NEW)],
    S.COSIGNING: [*_DRAFTED, (F.cosign, NEW)],
    S.COSIGNED: [*_COSIGNED, (F.draft, NEW)],
    S.SUBMITTED: [*_SUBMITTED, (F.completeness_check, NEW)],
    S.RETURNED: [*_SUBMITTED, (F.completeness_check, DONE), (F.after_check, DONE), (F.draft, NEW)],
    S.ACCEPTED: [*_SUBMITTED, (F.completeness_check, DONE), (F.after_check, DONE), (F.awaiting_review, NEW)],
}
# The audit trail of each state, in order (the content events come first, see _events).
TRAIL = {
    S.DRAFT: [],
    S.COSIGNING: ["plan.send_to_cosign"],
    S.COSIGNED: ["plan.send_to_cosign", "plan.cosign"],
    S.SUBMITTED: ["plan.send_to_cosign", "plan.cosign", "plan.submit"],
    S.RETURNED: ["plan.send_to_cosign", "plan.cosign", "plan.submit", "plan.return"],
    S.ACCEPTED: ["plan.send_to_cosign", "plan.cosign", "plan.submit", "plan.accept"],
}
STATUS_AFTER = {
    "plan.send_to_cosign": (S.DRAFT, S.COSIGNING),
    "plan.cosign": (S.COSIGNING, S.COSIGNED),
    "plan.submit": (S.COSIGNED, S.SUBMITTED),
    "plan.return": (S.SUBMITTED, S.RETURNED),
    "plan.accept": (S.SUBMITTED, S.ACCEPTED),
}
CALL_TITLE = "{year}年自治区制造业数字化转型试点申报（基准测试数据）"
STAMPED_PDF_PATH = "private/bench/stamped-plan.pdf"


def bench_calls(*, years: list[int], officer, writer: AuditWriter, note: str = "") -> list[PilotCall]:
    """One call a year; every call but the last is closed (its deadline passed), the last is open."""
    template = TargetTemplate.objects.order_by("created_at").first()
    now = timezone.now()
    calls = []
    for index, year in enumerate(years):
        is_open = index == len(years) - 1
        deadline = now + timedelta(days=45) if is_open else timezone.make_aware(datetime(year, 6, 30, 17, 0))
        calls.append(
            PilotCall(
                year=year,
                title=CALL_TITLE.format(year=year),
                guide_text="以盟市为单位申报，由盟市工信局会同财政局编制总体方案，试点期2年，改造企业不少于100家。"
                + note,
                deadline=deadline,
                pilots_sought=5,
                target_template=template,
                status=PilotCall.Status.OPEN if is_open else PilotCall.Status.CLOSED,
                created_by=officer,
            )
        )
    calls = PilotCall.objects.bulk_create(calls)
    ScoreCriterion.objects.bulk_create(
        ScoreCriterion(call=call, order=order, code=code, name=name, max_points=points)
        for call in calls
        for order, (code, name, points) in enumerate(DEFAULT_CRITERIA, start=1)
    )

    def events(call):
        opened = min(call.deadline - timedelta(days=90), now - timedelta(days=1))
        who = {"actor_id": officer.pk, "actor_username": officer.username}
        yield Event(opened - timedelta(days=3), "call.create", call.pk, call.title, {"year": call.year}, **who)
        yield Event(opened, "call.open", call.pk, call.title, {"status": ["draft", "open"]}, **who)
        if call.status == PilotCall.Status.CLOSED:
            yield Event(
                call.deadline + timedelta(minutes=1), "call.close", call.pk, call.title, {"status": ["open", "closed"]}
            )

    writer.write("pilots.pilotcall", calls, events)
    return calls


def _stamped_pdf(organisation: Organisation, plan: PilotPlan, when) -> Document:
    if not default_storage.exists(STAMPED_PDF_PATH):
        default_storage.save(STAMPED_PDF_PATH, ContentFile(blank_pdf("基准测试").read()))
    data = default_storage.open(STAMPED_PDF_PATH).read()
    return Document(
        file=STAMPED_PDF_PATH,
        original_name="盖章总体方案.pdf",
        content_type=Document.FileType.PDF,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        purpose="stamped_plan",
        organisation=organisation,
        created_at=when,
        owner_type=ContentType.objects.get_for_model(PilotPlan),
        owner_id=plan.pk,
    )


def bench_plans(
    *, calls, leagues, people, enterprises_per_plan: int, writer: AuditWriter, rng: random.Random, state=None
):
    """Every league/city's plan in every call: all accepted in the closed calls (the review moves them on),
    two in each state in the open call (or all in ``state``). Returns the plans."""
    forced = state
    bureaus = {org.region_id: org for org in Organisation.objects.filter(kind="industry_bureau", region__in=leagues)}
    users = people.users
    plans, states = [], {}
    for call in calls:
        is_open = call.status == PilotCall.Status.OPEN
        for position, league in enumerate(leagues):
            state = OPEN_CALL_STATES[position % len(OPEN_CALL_STATES)] if is_open else S.ACCEPTED
            state = forced or state
            started = (
                call.deadline - timedelta(days=80 - position) if not is_open else timezone.now() - timedelta(days=30)
            )
            plan = PilotPlan(
                call=call,
                region=league,
                applicant=bureaus[league.pk],
                title=f"{league.name}制造业数字化转型试点总体方案",
                status=state,
                created_at=started,
                updated_at=started + timedelta(days=20),
                cosign_comment="资金计划与本级预算安排一致，同意。"
                if state != S.DRAFT and state != S.COSIGNING
                else "",
                return_reasons="盖章PDF与系统填报内容不一致，请核对后重新上传。" if state == S.RETURNED else "",
                version=1 if state in (S.SUBMITTED, S.RETURNED, S.ACCEPTED) else 0,
                submitted_at=started + timedelta(days=25) if state in (S.SUBMITTED, S.RETURNED, S.ACCEPTED) else None,
                **section_texts(league.name, [name for name, _ in CHAINS.get(league.code, [("装备制造产业链", True)])]),
            )
            plans.append(plan)
            states[id(plan)] = state
    plans = PilotPlan.objects.bulk_create(plans)
    indicators = list(calls[0].target_template.indicators.order_by("order"))
    chains, tasks, values, lines, documents = [], [], [], [], []
    for plan in plans:
        for order, (name, is_key) in enumerate(CHAINS.get(plan.region.code, [("装备制造产业链", True)])):
            chains.append(
                IndustryChain(
                    plan=plan,
                    order=order,
                    name=name,
                    is_key_chain=is_key,
                    basis=f"{name}为本地区重点发展方向，拥有链主企业2家、配套企业60余家。",
                    above_scale_count=60,
                    below_scale_count=90,
                    digital_status="规上企业多已应用ERP，生产设备联网率约35%。",
                )
            )
        for order, (task, months) in enumerate([("完成企业诊断", 3), ("完成首批改造", 12), ("完成全部改造并评估", 24)]):
            due = plan.created_at.date() + timedelta(days=30 * months)
            tasks.append(PhasedTask(plan=plan, order=order, task=task, owner=plan.applicant.name, due=due))
        for indicator, (baseline, midterm, target) in zip(indicators, TARGETS, strict=False):
            values.append(
                TargetValue(
                    plan=plan,
                    indicator=indicator,
                    baseline=Decimal(baseline),
                    midterm_target=Decimal(midterm),
                    target=Decimal(target),
                )
            )
        for direction, (text, *amounts) in FUNDS.items():
            lines.append(
                FundLine(
                    plan=plan,
                    direction=direction,
                    description=text,
                    **dict(zip(FundLine.SOURCES, map(Decimal, amounts), strict=True)),
                )
            )
        if plan.status != S.DRAFT:
            documents.append(_stamped_pdf(plan.applicant, plan, plan.created_at + timedelta(days=18)))
    chains = IndustryChain.objects.bulk_create(chains)
    PhasedTask.objects.bulk_create(tasks)
    TargetValue.objects.bulk_create(values)
    FundLine.objects.bulk_create(lines)
    documents = Document.objects.bulk_create(documents)
    chains_of = {}
    for chain in chains:
        chains_of.setdefault(chain.plan_id, []).append(chain)
    PlanEnterprise.objects.bulk_create(
        [
            PlanEnterprise(
                plan=plan,
                row=n,
                name=f"{plan.region.name}示范制造企业{n:03d}有限公司",
                uscc=demo_uscc(plan.region.code, n),
                revenue=Decimal(20_000_000 + n * 137_500),
                is_srdi=n % 5 == 0,
                chain=chains_of[plan.pk][n % len(chains_of[plan.pk])],
                to_retrofit=n <= 140,
            )
            for plan in plans
            for n in range(1, enterprises_per_plan + 1)
        ],
        batch_size=5000,
    )
    document_of = {document.owner_id: document for document in documents}
    for plan in plans:
        plan.stamped_pdf = document_of.get(plan.pk)
        if plan.status not in (S.DRAFT, S.COSIGNING):
            plan.cosigned_funds_hash = funds_fingerprint(plan)
    PilotPlan.objects.bulk_update(plans, ["stamped_pdf", "cosigned_funds_hash"])
    PlanVersion.objects.bulk_create(
        PlanVersion(
            plan=plan,
            number=1,
            snapshot=plan_snapshot(plan),
            created_at=plan.submitted_at,
            created_by=users[f"bureau_{plan.region.code}"],
        )
        for plan in plans
        if plan.version
    )
    _flow_rows(plans, users)
    _history(plans, users)
    writer.write("documents.document", documents, lambda document: [_upload_event(document, users)])
    writer.write(
        "pilots.pilotplan", plans, lambda plan: _events(plan, users, len(chains_of[plan.pk]), enterprises_per_plan)
    )
    return plans


def _upload_event(document: Document, users) -> Event:
    bureau = users[f"bureau_{document.organisation.region.code}"]
    changes = {
        "name": document.original_name,
        "sha256": document.sha256,
        "size": document.size,
        "purpose": "stamped_plan",
    }
    return Event(
        document.created_at,
        "document.upload",
        document.pk,
        document.original_name,
        changes,
        actor_id=bureau.pk,
        actor_username=bureau.username,
        organisation_id=document.organisation_id,
    )


def _events(plan: PilotPlan, users, chains: int, enterprises: int):
    bureau, finance, officer = (
        users[f"bureau_{plan.region.code}"],
        users[f"finbureau_{plan.region.code}"],
        users["dept"],
    )
    when = plan.created_at

    def event(action, changes, actor=bureau, step=timedelta(hours=20)):
        nonlocal when
        when = when + step
        return Event(
            when,
            action,
            plan.pk,
            plan.title,
            changes,
            actor_id=actor.pk,
            actor_username=actor.username,
            organisation_id=plan.applicant_id if actor is bureau else None,
        )

    yield event("plan.create", {"call": plan.call.title, "region": plan.region.name})
    yield event("plan.update_sections", {name: [None, getattr(plan, name)[:40]] for name in PilotPlan.SECTION_FIELDS})
    for number in range(chains):
        yield event("plan.chain_save", {"chain": f"产业链{number + 1}", "above_scale_count": [None, 60]})
    for task in ("完成企业诊断", "完成首批改造", "完成全部改造并评估"):
        yield event("plan.phased_task_add", {"task": task})
    yield event("plan.enterprises_replace", {"count": [0, enterprises], "source": "excel"})
    yield event("plan.target_table_save", {"cells": 69})
    yield event("plan.fund_plan_save", {"lines": len(FUNDS)})
    if plan.stamped_pdf_id:
        yield event("plan.stamped_pdf_attach", {"document": plan.stamped_pdf_id})
    for action in TRAIL[plan.status]:
        before, after = STATUS_AFTER[action]
        changes = {"status": [before, after]}
        actor = {"plan.cosign": finance, "plan.return": officer, "plan.accept": officer}.get(action, bureau)
        if action == "plan.submit" or action == "plan.accept":
            changes["version"] = 1
        if action == "plan.return":
            changes["reasons"] = plan.return_reasons
        yield event(action, changes, actor=actor)


def _flow_rows(plans, users) -> None:
    """The process and task rows the flow leaves on the way to each plan's state (see workflows.flows).
    A process per plan (the multi-table child row saved one by one: bulk_create cannot make those)."""
    tasks = []
    for plan in plans:
        process = PilotPlanProcess(plan=plan, flow_class=PilotPlanFlow, status=STATUS.NEW, created=plan.created_at)
        process.save()
        when = plan.created_at
        owners = {
            F.draft: users[f"bureau_{plan.region.code}"],
            F.cosign: users[f"finbureau_{plan.region.code}"],
            F.completeness_check: users["dept"],
        }
        for node, status in FLOW_PATHS[plan.status]:
            when += timedelta(hours=12)
            human = node in owners
            done = status == DONE
            tasks.append(
                Task(
                    process=process,
                    flow_task=node,
                    flow_task_type=node.task_type,
                    status=status,
                    created=when,
                    assigned=when if human and done else None,
                    started=when if human and done else None,
                    finished=when + timedelta(hours=1) if done else None,
                    owner=owners[node] if human and done else None,
                    owner_permission=node._owner_permission if human else None,
                )
            )
    Task.objects.bulk_create(tasks, batch_size=2000)


def _history(plans, users) -> None:
    """The field history (django-simple-history) a plan's saves leave: one row per state it passed."""
    History = PilotPlan.history.model
    fields = [f.attname for f in PilotPlan._meta.concrete_fields if f.attname != "updated_at"]
    rows = []
    order = [S.DRAFT, S.COSIGNING, S.COSIGNED, S.SUBMITTED]
    for plan in plans:
        path = order[: order.index(plan.status) + 1] if plan.status in order else [*order, plan.status]
        for number, status in enumerate(path):
            values = {name: getattr(plan, name) for name in fields}
            values["status"] = status
            rows.append(
                History(
                    **values,
                    history_date=plan.created_at + timedelta(days=number * 5),
                    history_type="+" if number == 0 else "~",
                    history_user_id=users[f"bureau_{plan.region.code}"].pk,
                )
            )
    History.objects.bulk_create(rows)
