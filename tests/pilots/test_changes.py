"""Changes to an approved plan (pilots.services.changes) and the plan's versions: the state machine, four eyes,
the rules of the proposed values with their messages, versioning (the new version is in force, the old one
intact), the side-by-side comparison, the pages, who may see and do what, the inbox, and fixed query counts."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from pilots import services
from pilots.diffs import text_diff, version_diff
from pilots.models import FundLine, PilotPlan, PlanChange, PlanVersion, TargetValue
from pilots.proposals import values_in_force
from pilots.selectors import inbox_items, version_in_force
from pilots.services.plans import lock_plan
from tests.documents.files import docx_bytes, pdf_bytes
from tests.factories import LeagueCityFactory, UserGroupFactory, make_user, role_group

from .factories import APPROVED_AMOUNT, applicant_of, approved_plan, cosigner_of, make_applicant
from .test_queries import measure, repeated

Status = PlanChange.Status
RETROFIT_ABOVE = "改造规上企业数量"


# --- helpers ------------------------------------------------------------------------------------------------


def officer():
    return make_user(Role.DEPARTMENT_OFFICER)


def leader():
    return make_user(Role.DEPARTMENT_LEADER)


def in_force(plan: PilotPlan) -> dict:
    return values_in_force(version_in_force(plan).snapshot)


def target_id(plan: PilotPlan, name: str) -> str:
    return str(next(row["indicator_id"] for row in version_in_force(plan).snapshot["targets"] if row["name"] == name))


def evidence(name: str = "调整说明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def new_targets(plan: PilotPlan) -> dict:
    """The values in force with the above-scale retrofit target set to 80 and its mid-term to 40 (the factory's
    plan has 0, 30, 60)."""
    values = in_force(plan)
    values["targets"][target_id(plan, RETROFIT_ABOVE)].update(midterm_target="40", target="80")
    return values


def draft(plan, parts=("targets",), values=None, reason="两家链主企业提前完成改造，上调目标。", actor=None):
    change, problems = services.change_save_draft(
        actor=actor or applicant_of(plan),
        plan=plan,
        parts=list(parts),
        proposed=values if values is not None else new_targets(plan),
        reason=reason,
    )
    return change, problems


def submitted(plan, **kwargs) -> PlanChange:
    change, problems = draft(plan, **kwargs)
    assert problems == {}
    services.change_evidence_attach(actor=applicant_of(plan), change=change, uploaded=evidence())
    return services.change_submit(actor=applicant_of(plan), change=change)


def forwarded(plan, reviewer=None, **kwargs) -> PlanChange:
    change = submitted(plan, **kwargs)
    return services.change_forward(actor=reviewer or officer(), change=change, opinion="理由充分，同意调整。")


@pytest.fixture
def plan(db):
    return approved_plan()


# --- the state machine ----------------------------------------------------------------------------------------


def test_an_approved_change_makes_a_new_version_in_force_and_keeps_the_old_one(plan):
    v1 = version_in_force(plan)
    # the values in force as the form shows them: counts whole, percentages with one place
    assert in_force(plan)["targets"][target_id(plan, RETROFIT_ABOVE)] == {
        "baseline": "0",
        "midterm_target": "30",
        "target": "60",
    }
    assert in_force(plan)["targets"][target_id(plan, "企业上云率")]["target"] == "80.5"
    v1_snapshot = dict(v1.snapshot)
    the_leader = leader()
    change = forwarded(plan)
    version = services.change_approve(actor=the_leader, change=change, comment="同意。")

    plan.refresh_from_db()
    change.refresh_from_db()
    assert (plan.version, version.number, version.created_by) == (2, 2, the_leader)
    assert version_in_force(plan) == version
    assert (change.status, change.result_version, change.base_version) == (Status.APPROVED, version, v1)
    row = next(r for r in version.snapshot["targets"] if r["name"] == RETROFIT_ABOVE)
    assert (row["midterm_target"], row["target"]) == ("40.0", "80.0")
    # the live row too
    live = TargetValue.objects.get(plan=plan, indicator_id=int(target_id(plan, RETROFIT_ABOVE)))
    assert (live.midterm_target, live.target) == (Decimal("40.0"), Decimal("80.0"))
    # version 1 is untouched, in the database
    v1.refresh_from_db()
    assert v1.snapshot == v1_snapshot
    old_row = next(r for r in v1.snapshot["targets"] if r["name"] == RETROFIT_ABOVE)
    assert (old_row["midterm_target"], old_row["target"]) == ("30.0", "60.0")
    assert list(plan.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    # the approval and its amount stay as they were
    assert plan.approval.approved_amount == APPROVED_AMOUNT
    assert plan.approval.version == v1
    # every step audited
    actions = list(
        AuditEvent.objects.filter(target_type="pilots.planchange", target_id=str(change.pk))
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "plan_change.create",
        "plan_change.evidence_attach",
        "plan_change.submit",
        "plan_change.forward",
        "plan_change.approve",
    ]
    applied = AuditEvent.objects.get(action="plan.change_apply", target_id=str(plan.pk))
    assert applied.changes["version"] == [1, 2]


def test_a_change_of_every_part_is_written_into_the_plan(plan):
    values = in_force(plan)
    values["sections"].update(
        implementation_content="新的实施内容：建设两个行业级平台。",
        funds_overview="资金调整说明。",
        targets_overview="总体目标不变。",
    )
    values["targets"][target_id(plan, RETROFIT_ABOVE)].update(target="70")
    values["fund_lines"]["platform"].update(subsidy_requested="1000000.00", description="平台建设（压缩）")
    values["fund_lines"]["retrofit"].update(subsidy_requested="7000000")
    values["fund_lines"]["consulting"].update(subsidy_requested="0")
    values["fund_lines"]["training"].update(subsidy_requested="0")
    values["phased_tasks"] = [
        {"task": "完成诊断", "owner": "市工信局", "due": "2025-09-30"},
        {"task": "完成改造", "owner": "各旗县区", "due": "2026-06-30"},
    ]
    change = forwarded(plan, parts=["targets", "funds", "implementation", "timeline"], values=values)
    services.change_approve(actor=leader(), change=change)
    plan.refresh_from_db()
    assert plan.implementation_content == "新的实施内容：建设两个行业级平台。"
    assert plan.funds_overview == "资金调整说明。"
    platform = FundLine.objects.get(plan=plan, direction="platform")
    assert (platform.subsidy_requested, platform.description) == (Decimal("1000000.00"), "平台建设（压缩）")
    assert sum(line.subsidy_requested for line in plan.fund_lines.all()) == Decimal("8000000.00")
    assert [(t.order, t.task, t.owner, t.due.isoformat()) for t in plan.phased_tasks.order_by("order")] == [
        (1, "完成诊断", "市工信局", "2025-09-30"),
        (2, "完成改造", "各旗县区", "2026-06-30"),
    ]
    snapshot = version_in_force(plan).snapshot
    assert [t["task"] for t in snapshot["phased_tasks"]] == ["完成诊断", "完成改造"]
    assert snapshot["sections"]["implementation_content"] == "新的实施内容：建设两个行业级平台。"


def test_returned_change_is_revised_and_submitted_again(plan):
    change = submitted(plan)
    change = services.change_return(actor=officer(), change=change, reasons="请补充链主企业的改造合同。")
    assert change.status == Status.RETURNED
    values = new_targets(plan)
    values["targets"][target_id(plan, RETROFIT_ABOVE)]["target"] = "85"
    change, problems = services.change_save_draft(
        actor=applicant_of(plan), plan=plan, change=change, parts=["targets"], proposed=values, reason="补充说明。"
    )
    assert problems == {}
    change = services.change_submit(actor=applicant_of(plan), change=change)
    assert change.status == Status.SUBMITTED
    assert change.proposed["targets"][target_id(plan, RETROFIT_ABOVE)]["target"] == "85.0"


def test_a_rejected_change_changes_nothing(plan):
    change = forwarded(plan)
    with pytest.raises(ValidationError) as error:
        services.change_reject(actor=leader(), change=change, reason="  ")
    assert error.value.messages == ["不予批准时请写明理由。"]
    change = services.change_reject(actor=leader(), change=change, reason="目标上调依据不足。")
    assert change.status == Status.REJECTED
    plan.refresh_from_db()
    assert plan.version == 1
    assert PlanVersion.objects.filter(plan=plan).count() == 1
    assert version_in_force(plan).snapshot == PlanVersion.objects.get(plan=plan, number=1).snapshot
    # a decided change cannot be decided again
    with pytest.raises(ValidationError) as error:
        services.change_approve(actor=leader(), change=change)
    assert "未批准" in error.value.messages[0]


def test_only_one_open_change_per_plan_and_withdrawing_frees_the_plan(plan):
    first, _problems = draft(plan)
    with pytest.raises(ValidationError) as error:
        draft(plan)
    assert "已有一项未办结的变更申请" in error.value.messages[0]
    # the database says so too
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanChange.objects.create(
            plan=plan, number=9, base_version=first.base_version, created_by=applicant_of(plan), status=Status.DRAFT
        )
    services.change_withdraw(actor=applicant_of(plan), change=first)
    second, _problems = draft(plan)
    assert (second.number, second.status) == (2, Status.DRAFT)


def test_a_change_whose_base_is_no_longer_in_force_is_refused(plan):
    change, _problems = draft(plan)
    services.change_evidence_attach(actor=applicant_of(plan), change=change, uploaded=evidence())
    # another version appears meanwhile (as an earlier change approved in between would make)
    with transaction.atomic():
        locked = lock_plan(plan)
        PlanVersion.objects.create(plan=locked, number=2, snapshot=version_in_force(plan).snapshot, created_by=leader())
    with pytest.raises(ValidationError) as error:
        services.change_submit(actor=applicant_of(plan), change=change)
    assert error.value.messages == [
        "该变更申请依据的是第1版，而方案现行版本已是第2版，不能再按此申请办理。请撤回后依据现行版本重新申请。"
    ]


def test_approving_a_stale_change_is_refused_too(plan):
    change = forwarded(plan)
    PlanVersion.objects.create(plan=plan, number=2, snapshot=version_in_force(plan).snapshot, created_by=leader())
    with pytest.raises(ValidationError) as error:
        services.change_approve(actor=leader(), change=change)
    assert "现行版本已是第2版" in error.value.messages[0]
    assert PlanChange.objects.get(pk=change.pk).status == Status.FORWARDED


# --- who may do what --------------------------------------------------------------------------------------


def test_four_eyes_the_reviewer_never_decides(plan):
    both = make_user(Role.DEPARTMENT_OFFICER)
    UserGroupFactory(user=both, group=role_group(Role.DEPARTMENT_LEADER))
    change = forwarded(plan, reviewer=both)
    for decide in (
        lambda: services.change_approve(actor=both, change=change),
        lambda: services.change_reject(actor=both, change=change, reason="不同意"),
    ):
        with pytest.raises(PermissionDenied) as error:
            decide()
        assert "须由另一位领导审批" in str(error.value)
    assert PlanChange.objects.get(pk=change.pk).status == Status.FORWARDED
    # not in the reviewer's inbox, and the decision page is not found for him
    assert not [item for item in inbox_items(both) if item.title == "审批方案变更申请"]
    client = Client()
    client.force_login(both)
    assert client.get(reverse("pilots:change_decide", args=[plan.pk, change.number])).status_code == 404
    # the database refuses it as well
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanChange.objects.filter(pk=change.pk).update(decided_by=both)
    services.change_approve(actor=leader(), change=change)


def test_each_step_only_by_its_role(plan):
    change, _problems = draft(plan)
    other_bureau = make_applicant(LeagueCityFactory())
    with pytest.raises(PermissionDenied):
        draft(plan, actor=other_bureau)
    for actor in (other_bureau, cosigner_of(plan), officer()):
        with pytest.raises(PermissionDenied):
            services.change_submit(actor=actor, change=change)
    services.change_evidence_attach(actor=applicant_of(plan), change=change, uploaded=evidence())
    change = services.change_submit(actor=applicant_of(plan), change=change)
    for actor in (leader(), applicant_of(plan), make_user(Role.AUDITOR)):
        with pytest.raises(PermissionDenied):
            services.change_forward(actor=actor, change=change, opinion="同意")
    change = services.change_forward(actor=officer(), change=change, opinion="同意")
    for actor in (officer(), applicant_of(plan), make_user(Role.FINANCE_DEPARTMENT)):
        with pytest.raises(PermissionDenied):
            services.change_approve(actor=actor, change=change)


def test_only_an_approved_pilot_plan_takes_changes(db):
    from .factories import PilotPlanFactory

    plan = PilotPlanFactory(state="submitted", state__enterprises=3)
    with pytest.raises(ValidationError) as error:
        draft(plan, values={})
    assert "不能申请或办理方案变更" in error.value.messages[0]


def test_officer_needs_an_opinion_and_reasons(plan):
    change = submitted(plan)
    with pytest.raises(ValidationError) as error:
        services.change_forward(actor=officer(), change=change, opinion=" ")
    assert error.value.messages == ["请填写审核意见。"]
    with pytest.raises(ValidationError) as error:
        services.change_return(actor=officer(), change=change, reasons="")
    assert error.value.messages == ["退回时请写明原因。"]


# --- the rules of the proposed values ---------------------------------------------------------------------------


def _with_target(plan, name, field, raw):
    values = new_targets(plan)
    values["targets"][target_id(plan, name)][field] = raw
    return values


@pytest.mark.parametrize(
    ("name", "field", "raw", "message"),
    [
        (RETROFIT_ABOVE, "baseline", "abc", "“改造规上企业数量”期初值：“abc”不是数字"),
        (RETROFIT_ABOVE, "target", "80.5", "“改造规上企业数量”目标值：家数须为整数"),
        (RETROFIT_ABOVE, "baseline", "-1", "“改造规上企业数量”期初值：数量不能为负数"),
        (RETROFIT_ABOVE, "target", "", "“改造规上企业数量”目标值：未填写"),
        (
            RETROFIT_ABOVE,
            "midterm_target",
            "90",
            "“改造规上企业数量”中期目标：中期目标应介于期初值和目标值之间（不高于目标值）",
        ),
        ("企业上云率", "target", "100.5", "“企业上云率”目标值：百分比须在0到100之间"),
        ("企业上云率", "target", "80.55", "“企业上云率”目标值：百分比最多保留一位小数"),
        ("企业上云率", "baseline", "90", "“企业上云率”目标值：目标值不能低于期初值"),
    ],
)
def test_each_bad_target_cell_gets_its_message_at_its_cell(plan, name, field, raw, message):
    change, problems = draft(plan, values=_with_target(plan, name, field, raw))
    assert message in problems.values()
    # the draft keeps what was typed
    assert change.proposed["targets"][target_id(plan, name)][field] == raw
    with pytest.raises(ValidationError) as error:
        services.change_submit(actor=applicant_of(plan), change=change)
    assert message in error.value.messages


def test_a_nul_character_in_a_cell_is_refused_with_a_message_not_stored(plan):
    # PostgreSQL's jsonb cannot hold a NUL: it is kept as a visible character that the cell's rule refuses.
    change, problems = draft(plan, values=_with_target(plan, RETROFIT_ABOVE, "baseline", "4\x002"))
    assert (
        problems[f"target-{target_id(plan, RETROFIT_ABOVE)}-baseline"] == "“改造规上企业数量”期初值：“4\ufffd2”不是数字"
    )
    assert change.proposed["targets"][target_id(plan, RETROFIT_ABOVE)]["baseline"] == "4\ufffd2"
    change, _problems = services.change_save_draft(
        actor=applicant_of(plan),
        plan=plan,
        change=change,
        parts=change.parts,
        proposed=change.proposed,
        reason="因\x00",
    )
    assert change.reason == "因\ufffd"


def test_the_retrofit_targets_together_must_reach_the_minimum(plan):
    values = in_force(plan)
    values["targets"][target_id(plan, RETROFIT_ABOVE)].update(midterm_target="10", target="20")
    _change, problems = draft(plan, values=values)
    assert problems == {"targets": "改造规上、规下企业数量目标合计为70家，不足100家。"}


@pytest.mark.parametrize(
    ("direction", "source", "raw", "message"),
    [
        ("platform", "enterprise", "-5", "“平台建设”企业自筹：金额不能为负数"),
        ("platform", "enterprise", "12.345", "“平台建设”企业自筹：金额最多保留两位小数（精确到分）"),
        ("platform", "matching", "一百万", "“平台建设”盟市配套：“一百万”不是金额"),
    ],
)
def test_each_bad_fund_cell_gets_its_message(plan, direction, source, raw, message):
    values = in_force(plan)
    values["fund_lines"][direction][source] = raw
    _change, problems = draft(plan, parts=["funds"], values=values)
    assert problems == {f"fund-{direction}-{source}": message}


def test_a_fund_change_may_not_ask_for_more_than_the_approved_amount(plan):
    values = in_force(plan)  # asks for 11,600,000.00; 8,000,000.00 approved
    values["fund_lines"]["platform"]["enterprise"] = "1300000.00"
    _change, problems = draft(plan, parts=["funds"], values=values)
    assert problems == {
        "funds": "调整后申请自治区奖补资金合计11,600,000.00元，超过批复金额8,000,000.00元。方案变更不改变批复金额，"
        "申请的自治区奖补不能高于批复金额。"
    }
    values["fund_lines"]["retrofit"]["subsidy_requested"] = "4400000.00"  # 2.5M + 4.4M + 0.8M + 0.3M = 8.0M
    _change, problems = services.change_save_draft(
        actor=applicant_of(plan), plan=plan, change=_change, parts=["funds"], proposed=values, reason="调整"
    )
    assert problems == {}


def test_other_rules_and_their_messages(plan):
    values = in_force(plan)
    values["sections"]["implementation_path"] = "  "
    values["phased_tasks"] = [
        {"task": "完成诊断", "owner": "", "due": "2025-13-01"},
        {"task": "", "owner": "", "due": ""},  # an empty row is no task
    ]
    _change, problems = draft(plan, parts=["implementation", "timeline"], values=values)
    assert problems == {
        "section-implementation_path": "“实施路径”未填写",
        "task-0-owner": "第1项阶段任务：请写明责任单位",
        "task-0-due": "第1项阶段任务：完成时限“2025-13-01”不是日期（格式如2025-06-30）",
    }
    values["phased_tasks"] = []
    _change, problems = draft_again(plan, _change, ["timeline"], values)
    assert problems == {"timeline": "至少要有一项阶段任务（做什么、谁来做、何时完成）。"}
    _change, problems = draft_again(plan, _change, [], values)
    assert problems == {"parts": "请至少选择一项变更内容。"}
    _change, problems = draft_again(plan, _change, ["implementation"], in_force(plan))
    assert problems == {"implementation": "所选的“实施内容”与现行版本相同，没有变更，请修改或取消选择。"}


def draft_again(plan, change, parts, values, reason="理由"):
    return services.change_save_draft(
        actor=applicant_of(plan), plan=plan, change=change, parts=parts, proposed=values, reason=reason
    )


def test_submission_needs_a_reason_and_evidence(plan):
    change, problems = draft(plan, reason="")
    assert problems == {}
    with pytest.raises(ValidationError) as error:
        services.change_submit(actor=applicant_of(plan), change=change)
    assert error.value.messages == ["请写明变更理由。", "请上传至少一份佐证材料（PDF或图片）。"]


def test_evidence_is_judged_by_content(plan):
    change, _problems = draft(plan)
    with pytest.raises(ValidationError) as error:
        services.change_evidence_attach(
            actor=applicant_of(plan), change=change, uploaded=SimpleUploadedFile("合同.pdf", docx_bytes())
        )
    assert "实际是Word文档" in error.value.messages[0]


# --- the comparison -------------------------------------------------------------------------------------------


def test_text_diff_marks_words_and_lines():
    left, right = text_diff("第一行不变。\n建设行业级平台。\n", "第一行不变。\n建设区域级平台两个。\n新增一行。")
    assert left == [("第一行不变。\n建设", "equal"), ("行业", "del"), ("级平台。\n", "equal")]
    assert right == [
        ("第一行不变。\n建设", "equal"),
        ("区域", "ins"),
        ("级平台", "equal"),
        ("两个", "ins"),
        ("。\n", "equal"),
        ("新增一行。", "ins"),
    ]
    # Latin words and numbers are compared as words
    left, right = text_diff("建设 MES system 2 套", "建设 ERP system 3 套")
    assert ("MES", "del") in left and ("ERP", "ins") in right and ("3", "ins") in right


def test_the_diff_of_two_versions_cell_by_cell_and_line_by_line(plan):
    values = new_targets(plan)
    values["fund_lines"]["platform"]["subsidy_requested"] = "1000000.00"
    values["fund_lines"]["retrofit"]["subsidy_requested"] = "5900000.00"
    change = forwarded(plan, parts=["targets", "funds"], values=values)
    services.change_approve(actor=leader(), change=change)
    old, new = (PlanVersion.objects.get(plan=plan, number=n).snapshot for n in (1, 2))
    diff = version_diff(old, new)
    changed = [
        (row["name"], cell["field"], cell["old"], cell["new"])
        for row in diff["targets"]
        for cell in row["cells"]
        if cell["changed"]
    ]
    assert changed == [(RETROFIT_ABOVE, "midterm_target", "30", "40"), (RETROFIT_ABOVE, "target", "60", "80")]
    lines = {line["label"]: line for line in diff["funds"]["lines"] if line["changed"]}
    assert set(lines) == {"平台建设", "企业数字化改造"}
    assert lines["平台建设"]["total"] == {"old": "5,000,000.00", "new": "3,500,000.00", "changed": True}
    subsidy = diff["funds"]["totals"][2]
    assert (subsidy["old"], subsidy["new"]) == ("11,600,000.00", "8,000,000.00")
    assert diff["counts"]["sections"] == 0 and diff["counts"]["tasks"] == 0
    moved = [{**task, "due": "2026-03-31"} if n == 1 else task for n, task in enumerate(new["phased_tasks"])]
    (row,) = [row for row in version_diff(new, {**new, "phased_tasks": moved})["tasks"] if row["kind"] != "equal"]
    assert (row["kind"], row["changed_fields"], row["new"]["due"]) == ("changed", ["due"], "2026-03-31")
    assert version_diff(old, old)["has_changes"] is False


# --- the pages -----------------------------------------------------------------------------------------------------


def page(client, user, name, plan, number=None, **params):
    client.force_login(user)
    kwargs = {"pk": plan.pk} if number is None else {"pk": plan.pk, "number": number}
    return client.get(reverse(f"pilots:{name}", kwargs=kwargs), params)


def form_data(plan, values, parts, reason="理由", action="preview") -> dict:
    data = {"parts": parts, "reason": reason, "action": action}
    for name, text in values["sections"].items():
        data[f"section-{name}"] = text
    for indicator_id, row in values["targets"].items():
        for field, text in row.items():
            data[f"target-{indicator_id}-{field}"] = text
    for direction, line in values["fund_lines"].items():
        for field, text in line.items():
            data[f"fund-{direction}-{field}"] = text
    for index, task in enumerate(values["phased_tasks"]):
        for field, text in task.items():
            data[f"task-{index}-{field}"] = text
    return data


def test_the_whole_change_through_the_pages(plan):
    client = Client()
    bureau = applicant_of(plan)
    plan_page = page(client, bureau, "plan_detail", plan).content.decode()
    assert reverse("pilots:versions", args=[plan.pk]) in plan_page
    versions = page(client, bureau, "versions", plan).content.decode()
    assert reverse("pilots:change_new", args=[plan.pk]) in versions

    # the form is prefilled with the values in force
    form = page(client, bureau, "change_new", plan)
    html = form.content.decode()
    key = target_id(plan, RETROFIT_ABOVE)
    assert f'name="target-{key}-target" value="60"' in html
    assert 'name="fund-retrofit-subsidy_requested" value="8000000.00"' in html
    assert "方案变更不改变批复金额（8,000,000.00 元）" in html

    # a bad cell: its message at the cell, everything typed kept, a draft saved
    values = new_targets(plan)
    values["targets"][key]["baseline"] = "七"
    response = client.post(
        reverse("pilots:change_new", args=[plan.pk]),
        {**form_data(plan, values, ["targets"]), "evidence": evidence()},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“改造规上企业数量”期初值：“七”不是数字" in html
    assert f'name="target-{key}-baseline" value="七"' in html
    assert f'name="target-{key}-target" value="80"' in html
    change = PlanChange.objects.get(plan=plan)
    assert change.status == Status.DRAFT
    # the page now posts to the draft it made (posting to "new" again would find it open and lose the form)
    assert f'action="{reverse("pilots:change_edit", args=[plan.pk, change.number])}"' in html
    assert "调整说明.pdf" in html  # the evidence was kept

    # corrected: the preview (confirmation page) with the comparison
    values["targets"][key]["baseline"] = "0"
    response = client.post(
        reverse("pilots:change_edit", args=[plan.pk, change.number]), form_data(plan, values, ["targets"])
    )
    assert response.status_code == 302
    assert response.url == reverse("pilots:change_detail", args=[plan.pk, change.number])
    confirm = client.get(response.url).content.decode()
    assert 'data-testid="submit-change"' in confirm
    assert 'data-confirm="确定提交该变更申请吗？提交后不能修改。"' in confirm  # asked again (static/js/portal.js)
    assert f'data-changed="{RETROFIT_ABOVE}-target"' in confirm
    assert f'data-changed="{RETROFIT_ABOVE}-baseline"' not in confirm

    # submitted; the officer forwards it from the review page
    assert client.post(reverse("pilots:change_submit", args=[plan.pk, change.number])).status_code == 302
    change.refresh_from_db()
    assert change.status == Status.SUBMITTED
    the_officer = officer()
    review = page(client, the_officer, "change_review", plan, change.number)
    assert review.status_code == 200
    response = client.post(review.request["PATH_INFO"], {"decision": "forward", "opinion": "同意调整。"})
    assert response.status_code == 302
    # the leader approves from the decision page
    the_leader = leader()
    decide = page(client, the_leader, "change_decide", plan, change.number)
    assert "同意调整。" in decide.content.decode()
    response = client.post(decide.request["PATH_INFO"], {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == Status.APPROVED and change.result_version.number == 2

    # the versions page and the comparison
    client.force_login(bureau)
    versions = client.get(reverse("pilots:versions", args=[plan.pk])).content.decode()
    assert "第1号变更经批准" in versions and "现行" in versions
    compare = client.get(reverse("pilots:version_compare", args=[plan.pk]), {"from": 1, "to": 2}).content.decode()
    assert re.search(rf'class="zg-num zg-diff-new" data-changed="{RETROFIT_ABOVE}-target">80<', compare)
    assert 'data-testid="diff-fund-total-new">32,250,000.50<' in compare


def test_a_rejection_through_the_page_needs_a_reason(plan):
    change = forwarded(plan)
    client = Client()
    decide = page(client, leader(), "change_decide", plan, change.number)
    response = client.post(decide.request["PATH_INFO"], {"decision": "reject", "comment": ""})
    assert response.status_code == 200
    assert "不予批准时请写明理由。" in response.content.decode()
    response = client.post(decide.request["PATH_INFO"], {"decision": "reject", "comment": "依据不足。"})
    assert response.status_code == 302
    assert PlanChange.objects.get(pk=change.pk).status == Status.REJECTED


def test_an_empty_opinion_is_refused_on_the_review_page(plan):
    change = submitted(plan)
    client = Client()
    review = page(client, officer(), "change_review", plan, change.number)
    response = client.post(review.request["PATH_INFO"], {"decision": "return", "opinion": ""})
    assert response.status_code == 200
    assert "这个字段是必填项。" in response.content.decode() or "This field is required." in response.content.decode()
    assert PlanChange.objects.get(pk=change.pk).status == Status.SUBMITTED


def test_a_failed_submit_leads_back_to_the_form_with_the_messages(plan):
    change, _problems = draft(plan)  # no evidence
    client = Client()
    client.force_login(applicant_of(plan))
    response = client.post(reverse("pilots:change_submit", args=[plan.pk, change.number]), follow=True)
    assert "请上传至少一份佐证材料（PDF或图片）。" in response.content.decode()
    assert PlanChange.objects.get(pk=change.pk).status == Status.DRAFT


def test_the_change_page_answers_a_nul_in_the_reason_without_a_500(plan):
    client = Client()
    client.force_login(applicant_of(plan))
    response = client.post(reverse("pilots:change_new", args=[plan.pk]), {"reason": "\x00", "parts": "targets"})
    assert response.status_code in (200, 302)


# --- who sees what ---------------------------------------------------------------------------------------------


def test_another_region_finds_nothing(plan):
    change = submitted(plan)
    client = Client()
    for user in (make_applicant(LeagueCityFactory()), make_user(Role.COSIGNER), make_user(Role.EXPERT)):
        for name, number in (
            ("versions", None),
            ("version_compare", None),
            ("change_new", None),
            ("change_detail", change.number),
            ("change_edit", change.number),
        ):
            assert page(client, user, name, plan, number).status_code == 404, (user, name)
    # and nothing changes by posting
    client.force_login(make_applicant(LeagueCityFactory()))
    assert client.post(reverse("pilots:change_submit", args=[plan.pk, change.number])).status_code == 404
    assert client.post(reverse("pilots:change_withdraw", args=[plan.pk, change.number])).status_code == 404


def test_the_auditor_reads_every_version_and_decision_and_changes_nothing(plan):
    first = forwarded(plan)
    services.change_reject(actor=leader(), change=first, reason="依据不足，暂不调整。")
    second = forwarded(plan, reason="第二次申请，补充了合同。")
    services.change_approve(actor=leader(), change=second, comment="同意。")
    draft_only, _problems = draft(plan, values=_with_target(plan, RETROFIT_ABOVE, "target", "90"))

    client = Client()
    auditor = make_user(Role.AUDITOR)
    versions = page(client, auditor, "versions", plan).content.decode()
    assert 'data-testid="version-1"' in versions and 'data-testid="version-2"' in versions
    assert 'data-testid="change-1"' in versions and 'data-testid="change-2"' in versions
    assert 'data-testid="change-3"' not in versions  # the bureau's draft is its own
    assert "依据不足，暂不调整。" in versions
    for number in (1, 2):
        assert page(client, auditor, "version_detail", plan, number).status_code == 200
    rejected = page(client, auditor, "change_detail", plan, first.number).content.decode()
    assert (
        "领导审批：不予批准" in rejected and "依据不足，暂不调整。" in rejected and "理由充分，同意调整。" in rejected
    )
    assert "提交方案变更申请" in rejected  # the timeline
    assert 'data-testid="change-actions"' not in rejected
    approved = page(client, auditor, "change_detail", plan, second.number).content.decode()
    assert "领导审批：批准" in approved and 'data-testid="result-version"' in approved
    assert page(client, auditor, "change_detail", plan, draft_only.number).status_code == 404
    for name in ("change_review", "change_decide", "change_edit"):
        assert page(client, auditor, name, plan, second.number).status_code == 404
    assert page(client, auditor, "change_new", plan).status_code == 404


def test_the_region_sees_its_changes_and_only_the_applicant_edits(plan):
    change, _problems = draft(plan)
    client = Client()
    cosigner = cosigner_of(plan)
    assert page(client, cosigner, "change_detail", plan, change.number).status_code == 200
    assert page(client, cosigner, "change_edit", plan, change.number).status_code == 404
    assert page(client, applicant_of(plan), "change_edit", plan, change.number).status_code == 200
    # the Department does not see a draft before it is submitted
    assert page(client, officer(), "change_detail", plan, change.number).status_code == 404


# --- the inbox ----------------------------------------------------------------------------------------------


def titles(user) -> list[str]:
    return [item.title for item in inbox_items(user)]


def test_each_waiting_step_is_in_the_inbox_of_whoever_acts(plan):
    the_officer, the_leader, bureau = officer(), leader(), applicant_of(plan)
    change = submitted(plan)
    assert "审核方案变更申请" in titles(the_officer)
    services.change_return(actor=the_officer, change=change, reasons="请补充合同。")
    assert "审核方案变更申请" not in titles(the_officer)
    assert "修改被退回的方案变更申请" in titles(bureau)
    assert "修改被退回的方案变更申请" not in titles(make_applicant(LeagueCityFactory()))
    services.change_submit(actor=bureau, change=change)
    services.change_forward(actor=the_officer, change=change, opinion="同意")
    assert "审批方案变更申请" in titles(the_leader)
    items = [item for item in inbox_items(the_leader) if item.title == "审批方案变更申请"]
    assert items[0].url == reverse("pilots:change_decide", args=[plan.pk, change.number])
    services.change_approve(actor=the_leader, change=change)
    assert "审批方案变更申请" not in titles(the_leader)


# --- query counts ---------------------------------------------------------------------------------------------


def plan_with_changes(*, changes: int, enterprises: int) -> PilotPlan:
    """An approved plan with ``changes`` approved changes (``changes + 1`` versions) and one rejected."""
    plan = approved_plan(enterprises=enterprises)
    for number in range(changes):
        values = in_force(plan)
        values["targets"][target_id(plan, RETROFIT_ABOVE)]["target"] = str(70 + number)
        change = forwarded(plan, values=values)
        services.change_approve(actor=leader(), change=change)
    change = forwarded(plan, values=_with_target(plan, RETROFIT_ABOVE, "target", "99"))
    services.change_reject(actor=leader(), change=change, reason="不同意。")
    return plan


@pytest.mark.django_db
def test_the_versions_and_comparison_pages_read_in_the_same_number_of_queries_at_both_sizes(client):
    auditor = make_user(Role.AUDITOR)
    small = plan_with_changes(changes=1, enterprises=5)
    large = plan_with_changes(changes=4, enterprises=60)
    pages = {
        "versions (auditor)": lambda plan: (auditor, reverse("pilots:versions", args=[plan.pk])),
        "versions (bureau)": lambda plan: (applicant_of(plan), reverse("pilots:versions", args=[plan.pk])),
        "compare (auditor)": lambda plan: (
            auditor,
            reverse("pilots:version_compare", args=[plan.pk]) + f"?from=1&to={plan.version}",
        ),
        "change (bureau)": lambda plan: (applicant_of(plan), reverse("pilots:change_detail", args=[plan.pk, 1])),
    }
    for make in pages.values():
        measure(client, *make(small))
    before = {name: measure(client, *make(small)) for name, make in pages.items()}
    after = {name: measure(client, *make(large)) for name, make in pages.items()}
    report = "\n".join(f"{name}: {before[name].count} → {after[name].count}" for name in pages)
    differing = [name for name in pages if before[name].count != after[name].count]
    assert not differing, report + "\n" + "\n".join(repeated(before[n], after[n]) for n in differing)


# --- at the same moment (PostgreSQL, one connection per thread) ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_leaders_approving_one_change_at_once_make_one_version():
    from django.db import connection

    from .test_approvals import at_once

    assert connection.vendor == "postgresql"
    plan = approved_plan(enterprises=3)
    change = forwarded(plan)
    leaders = leader(), leader()
    results = at_once(*(lambda actor=actor: services.change_approve(actor=actor, change=change) for actor in leaders))
    versions = [result for result in results if isinstance(result, PlanVersion)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert (len(versions), len(refused)) == (1, 1), results
    assert "已批准" in refused[0].messages[0]
    plan.refresh_from_db()
    assert plan.version == 2
    assert list(plan.versions.order_by("number").values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_two_changes_started_at_once_make_one():
    from .test_approvals import at_once

    plan = approved_plan(enterprises=3)
    bureau = applicant_of(plan)
    colleague = make_user(Role.APPLICANT, organisation=bureau.membership.organisation)
    values = new_targets(plan)
    results = at_once(
        *(
            lambda actor=actor: services.change_save_draft(
                actor=actor, plan=plan, parts=["targets"], proposed=values, reason="上调目标。"
            )
            for actor in (bureau, colleague)
        )
    )
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(refused) == 1, results
    assert "已有一项未办结的变更申请" in refused[0].messages[0]
    assert PlanChange.objects.filter(plan=plan).count() == 1
