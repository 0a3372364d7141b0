"""Pilot services: creating a plan, drafting it, co-signing, the submission checks, versions, the
completeness check; every transition audited inside its transaction."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.validators import validate_uscc
from audit.models import AuditEvent
from pilots import services
from pilots.models import FundLine, PilotCall, PilotPlan, PlanVersion
from tests.factories import LeagueCityFactory

from .factories import (
    CHAINS,
    FUND_LINES,
    PLAN_STATES,
    SECTION_TEXT,
    PilotCallFactory,
    PilotPlanFactory,
    applicant_of,
    cosigner_of,
    enterprise_rows,
    fill_plan_ready_to_submit,
    make_applicant,
    make_department_officer,
    stamped_pdf_upload,
)

RARE_EARTH, EQUIPMENT = (chain["name"] for chain in CHAINS)
NOT_COSIGNED = "资金计划尚未经同级财政局会签。"
RECOSIGN = "资金计划在会签后有改动，请重新送财政局会签。"


def actions(plan: PilotPlan) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="pilots.pilotplan", target_id=str(plan.pk))
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def messages_of(error: ValidationError) -> list[str]:
    return error.messages


@pytest.fixture
def ready(db):
    """A plan filled and co-signed (3 enterprises: the list's size plays no part here)."""
    return PilotPlanFactory(state="ready", state__enterprises=3)


@pytest.fixture
def officer(db):
    return make_department_officer()


# --- creating a plan --------------------------------------------------------------------------------


def test_plan_create_makes_an_empty_draft_with_the_calls_table_and_six_fund_lines(db):
    region = LeagueCityFactory(name="乌海市")
    actor = make_applicant(region)
    call = PilotCallFactory()
    plan = services.plan_create(actor=actor, call=call)

    assert plan.status == PilotPlan.Status.DRAFT
    assert plan.region == region
    assert plan.applicant == actor.membership.organisation
    assert plan.title == "乌海市制造业数字化转型试点总体方案"
    assert plan.target_values.count() == call.target_template.indicators.count() == 23
    assert sorted(plan.fund_lines.values_list("direction", flat=True)) == sorted(FundLine.Direction.values)
    assert actions(plan) == ["plan.create"]


def test_one_plan_per_region_per_call(db):
    region = LeagueCityFactory(name="赤峰市")
    call = PilotCallFactory()
    first = services.plan_create(actor=make_applicant(region), call=call)

    with pytest.raises(ValidationError) as caught:
        services.plan_create(actor=make_applicant(region), call=call)  # a colleague of the same bureau

    assert caught.value.code == "duplicate_plan"
    assert messages_of(caught.value) == ["赤峰市在本批次已有一份总体方案，每个盟市每批次只能申报一份。"]
    assert list(PilotPlan.objects.filter(call=call, region=region)) == [first]


def test_another_region_or_another_call_may_have_its_own_plan(db):
    region, call = LeagueCityFactory(), PilotCallFactory()
    services.plan_create(actor=make_applicant(region), call=call)
    services.plan_create(actor=make_applicant(LeagueCityFactory()), call=call)
    services.plan_create(actor=make_applicant(region), call=PilotCallFactory())
    assert PilotPlan.objects.count() == 3


def test_the_database_holds_one_plan_per_region_per_call_too(db):
    plan = PilotPlanFactory()
    with pytest.raises(IntegrityError, match="pilotplan_one_per_region_per_call"), transaction.atomic():
        PilotPlan.objects.create(call=plan.call, region=plan.region, applicant=plan.applicant, title="第二份")


@pytest.mark.parametrize("trait", ["closed", "past_deadline", "draft"])
def test_no_plan_in_a_call_that_does_not_accept_submissions(db, trait):
    call = PilotCallFactory(**{trait: True})
    actor = make_applicant()
    with pytest.raises(ValidationError) as caught:
        services.plan_create(actor=actor, call=call)
    assert caught.value.code == "call_closed"
    assert messages_of(caught.value) == ["该批次不在申报期内，不能新建方案。"]
    assert not PilotPlan.objects.exists()
    assert not AuditEvent.objects.filter(action="plan.create").exists()


# --- drafting ---------------------------------------------------------------------------------------


def test_sections_are_saved_stripped_and_audited(db):
    plan = PilotPlanFactory()
    services.plan_update_sections(actor=applicant_of(plan), plan=plan, safeguards="  出台专项政策。\n")
    plan.refresh_from_db()
    assert plan.safeguards == "出台专项政策。"
    event = AuditEvent.objects.get(action="plan.update_sections", target_id=str(plan.pk))
    assert event.changes == {"safeguards": ["", "出台专项政策。"]}


def test_two_chains_of_a_plan_cannot_share_a_name(db):
    plan = PilotPlanFactory()
    actor = applicant_of(plan)
    services.chain_save(actor=actor, plan=plan, **CHAINS[0])
    with pytest.raises(ValidationError) as caught:
        services.chain_save(actor=actor, plan=plan, **CHAINS[0])
    (message,) = caught.value.messages
    assert "产业链" in message and "存在" in message
    # shown to the bureau as it is (chain form, non-field error): Chinese only, no model field names
    assert not re.search("[A-Za-z]", message), message
    assert plan.chains.count() == 1


def test_a_chain_with_enterprises_cannot_be_deleted(db):
    plan = PilotPlanFactory()
    actor = applicant_of(plan)
    chain = services.chain_save(actor=actor, plan=plan, **CHAINS[0])
    services.enterprises_replace(actor=actor, plan=plan, rows=enterprise_rows(2, [RARE_EARTH], seed=plan.pk))
    with pytest.raises(ValidationError) as caught:
        services.chain_delete(actor=actor, plan=plan, chain=chain)
    assert messages_of(caught.value) == ["产业链“稀土新材料产业链”下还有企业，请先在企业名单中移除或改到其他产业链。"]
    assert plan.chains.count() == 1


@pytest.fixture
def listed(db):
    """A draft with both chains and five enterprises."""
    plan = PilotPlanFactory()
    actor = applicant_of(plan)
    for chain in CHAINS:
        services.chain_save(actor=actor, plan=plan, **chain)
    services.enterprises_replace(
        actor=actor, plan=plan, rows=enterprise_rows(5, [RARE_EARTH, EQUIPMENT], seed=plan.pk), source="第一版.xlsx"
    )
    return plan


def enterprise_list(plan):
    return list(plan.enterprises.order_by("row").values_list("row", "name", "uscc", "chain__name"))


def test_enterprises_replace_replaces_the_whole_list(listed):
    rows = enterprise_rows(3, [EQUIPMENT], seed=listed.pk + 1)
    assert services.enterprises_replace(actor=applicant_of(listed), plan=listed, rows=rows, source="第二版.xlsx") == 3
    assert enterprise_list(listed) == [(n, row.name, row.uscc, EQUIPMENT) for n, row in enumerate(rows, start=1)]
    event = AuditEvent.objects.filter(action="plan.enterprises_replace", target_id=str(listed.pk)).last()
    assert event.changes == {"count": [5, 3], "source": "第二版.xlsx"}


def test_enterprises_replace_is_all_or_nothing_on_a_repeated_code(listed):
    before = enterprise_list(listed)
    rows = enterprise_rows(4, [RARE_EARTH], seed=listed.pk + 1)
    rows.append(rows[1])
    with pytest.raises(ValidationError) as caught:
        services.enterprises_replace(actor=applicant_of(listed), plan=listed, rows=rows)
    assert messages_of(caught.value) == [f"统一社会信用代码 {rows[1].uscc} 重复。"]
    assert enterprise_list(listed) == before


def test_enterprises_replace_is_all_or_nothing_on_an_unknown_chain(listed):
    before = enterprise_list(listed)
    rows = enterprise_rows(4, [RARE_EARTH, "化工产业链", "乳业产业链"], seed=listed.pk + 1)
    with pytest.raises(ValidationError) as caught:
        services.enterprises_replace(actor=applicant_of(listed), plan=listed, rows=rows)
    assert messages_of(caught.value) == ["以下产业链不在方案中：乳业产业链、化工产业链。请先添加产业链。"]
    assert enterprise_list(listed) == before


def test_enterprises_replace_refuses_a_row_its_model_would_refuse(listed):
    """The service is the last gate before the table (style rule 2: full_clean, then save): a row with a
    wrong code, whatever its source, is refused and the list is left as it was."""
    before = enterprise_list(listed)
    rows = enterprise_rows(3, [RARE_EARTH], seed=listed.pk + 1)
    wrong = rows[2].uscc[:-1] + ("0" if rows[2].uscc[-1] != "0" else "1")
    rows[2] = type(rows[2])(**{**rows[2].__dict__, "uscc": wrong})
    with pytest.raises(ValidationError) as caught:
        services.enterprises_replace(actor=applicant_of(listed), plan=listed, rows=rows)
    with pytest.raises(ValidationError) as expected:
        validate_uscc(wrong)
    assert expected.value.messages[0] in " ".join(caught.value.messages)
    assert enterprise_list(listed) == before


def test_a_negative_amount_in_the_fund_plan_is_refused_and_nothing_saved(db):
    plan = PilotPlanFactory()
    with pytest.raises(ValidationError) as caught:
        services.fund_plan_save(
            actor=applicant_of(plan),
            plan=plan,
            lines={"platform": {"enterprise": Decimal(100)}, "retrofit": {"subsidy_requested": Decimal(-1)}},
        )
    assert caught.value.message_dict == {"subsidy_requested": ["确保该值大于或等于0。"]}
    assert sum(line.total for line in plan.fund_lines.all()) == 0


# --- co-signing -------------------------------------------------------------------------------------


def test_sending_an_empty_fund_plan_to_cosign_is_refused(db):
    plan = PilotPlanFactory()
    with pytest.raises(ValidationError) as caught:
        services.plan_send_to_cosign(actor=applicant_of(plan), plan=plan)
    assert messages_of(caught.value) == ["资金计划合计为0，请先填写资金使用计划再送会签。"]
    plan.refresh_from_db()
    assert plan.status == PilotPlan.Status.DRAFT
    assert actions(plan) == ["plan.create"]


def test_co_signing_records_the_fund_plan_and_the_comment(db):
    plan = PilotPlanFactory(state="cosigning", state__enterprises=3)
    assert plan.status == PilotPlan.Status.COSIGNING
    assert not plan.is_editable
    services.plan_cosign(actor=cosigner_of(plan), plan=plan, comment="  同意。 ")
    plan.refresh_from_db()
    assert plan.status == PilotPlan.Status.COSIGNED
    assert plan.cosign_comment == "同意。"
    assert plan.cosigned_funds_hash == services.funds_fingerprint(plan)
    assert services.submission_problems(plan) == []


@pytest.mark.parametrize("comment", ["", "   "])
def test_returning_from_cosign_needs_a_comment(db, comment):
    plan = PilotPlanFactory(state="cosigning", state__enterprises=3)
    with pytest.raises(ValidationError) as caught:
        services.plan_return_from_cosign(actor=cosigner_of(plan), plan=plan, comment=comment)
    assert messages_of(caught.value) == ["退回时请写明意见。"]
    plan.refresh_from_db()
    assert plan.status == PilotPlan.Status.COSIGNING


def test_returning_from_cosign_goes_back_to_draft_without_a_cosignature(db):
    plan = PilotPlanFactory(state="cosigning", state__enterprises=3)
    services.plan_return_from_cosign(actor=cosigner_of(plan), plan=plan, comment="配套资金超出本级预算。")
    plan.refresh_from_db()
    assert (plan.status, plan.cosigned_funds_hash, plan.cosign_comment) == ("draft", "", "配套资金超出本级预算。")
    assert NOT_COSIGNED in services.submission_problems(plan)


def test_changing_the_fund_plan_after_cosigning_invalidates_the_cosignature(ready):
    assert ready.status == PilotPlan.Status.COSIGNED
    services.fund_plan_save(
        actor=applicant_of(ready), plan=ready, lines={"platform": {"subsidy_requested": Decimal("2600000.00")}}
    )
    ready.refresh_from_db()
    assert ready.status == PilotPlan.Status.DRAFT
    event = AuditEvent.objects.filter(action="plan.fund_plan_save", target_id=str(ready.pk)).last()
    assert event.changes["cosign"] == ["valid", "invalidated: fund plan changed"]
    # The bureau is told why: the plan was co-signed, and changed since.
    assert services.submission_problems(ready) == [RECOSIGN]


def test_saving_the_fund_plan_unchanged_keeps_the_cosignature(ready):
    services.fund_plan_save(actor=applicant_of(ready), plan=ready, lines=FUND_LINES)
    ready.refresh_from_db()
    assert ready.status == PilotPlan.Status.COSIGNED
    assert services.submission_problems(ready) == []


def test_other_edits_after_cosigning_keep_the_cosignature(ready):
    services.plan_update_sections(actor=applicant_of(ready), plan=ready, safeguards="新增人才保障措施。")
    ready.refresh_from_db()
    assert ready.status == PilotPlan.Status.COSIGNED
    assert services.submission_problems(ready) == []


# --- the submission checks --------------------------------------------------------------------------


def test_an_empty_plan_lists_everything_that_is_missing_each_with_its_message(db):
    plan = PilotPlanFactory()
    problems = services.submission_problems(plan)
    sections = "、".join(str(PilotPlan._meta.get_field(name).verbose_name) for name in PilotPlan.SECTION_FIELDS)
    table = [problem for problem in problems if problem.startswith("绩效目标表：")]
    assert [problem for problem in problems if problem not in table] == [
        f"以下章节未填写：{sections}。",
        "实施内容中至少要有一项阶段任务（做什么、谁来做、何时完成）。",
        "至少要选择一条产业链。",
        "改造规上、规下企业数量目标合计为0家，不足100家。",
        "产业链企业名单为空，请导入企业名单。",
        "资金计划合计为0，请填写资金使用计划。",
        "资金计划中未填写申请自治区奖补资金。",
        "请上传盖章的总体方案PDF。",
        NOT_COSIGNED,
    ]
    assert len(table) == 23


def remove_section(plan, actor):
    services.plan_update_sections(actor=actor, plan=plan, safeguards="", basis_chains="  ")


def remove_tasks(plan, actor):
    for item in plan.phased_tasks.all():
        services.phased_task_delete(actor=actor, plan=plan, item=item)


def remove_enterprises(plan, actor):
    services.enterprises_replace(actor=actor, plan=plan, rows=[])


def remove_chains(plan, actor):
    remove_enterprises(plan, actor)
    for chain in plan.chains.all():
        services.chain_delete(actor=actor, plan=plan, chain=chain)


def remove_subsidy(plan, actor):
    services.fund_plan_save(
        actor=actor, plan=plan, lines={direction: {"subsidy_requested": Decimal(0)} for direction in FUND_LINES}
    )


def remove_funds(plan, actor):
    zero = dict.fromkeys(FundLine.SOURCES, Decimal(0))
    services.fund_plan_save(actor=actor, plan=plan, lines={direction: zero for direction in FUND_LINES})


def remove_stamped_pdf(plan, actor):
    PilotPlan.objects.filter(pk=plan.pk).update(stamped_pdf=None)  # there is no service for it


def pass_deadline(plan, actor):
    PilotCall.objects.filter(pk=plan.call_id).update(deadline=timezone.now() - timedelta(minutes=1))


def close_call(plan, actor):
    services.call_close(actor=None, call=plan.call)


@pytest.mark.parametrize(
    ("breaking", "expected"),
    [
        (remove_section, ["以下章节未填写：所选产业链基础、优势、特色及已有试点示范项目、保障措施。"]),
        (remove_tasks, ["实施内容中至少要有一项阶段任务（做什么、谁来做、何时完成）。"]),
        (remove_enterprises, ["产业链企业名单为空，请导入企业名单。"]),
        (remove_chains, ["至少要选择一条产业链。", "产业链企业名单为空，请导入企业名单。"]),
        (remove_subsidy, ["资金计划中未填写申请自治区奖补资金。"]),
        (remove_funds, ["资金计划合计为0，请填写资金使用计划。", "资金计划中未填写申请自治区奖补资金。"]),
        (remove_stamped_pdf, ["请上传盖章的总体方案PDF。"]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_each_missing_part_of_a_ready_plan_is_named(ready, breaking, expected):
    assert services.submission_problems(ready) == []
    breaking(ready, applicant_of(ready))
    ready.refresh_from_db()
    problems = services.submission_problems(ready)
    # a change of the fund plan also voids the co-signature (see the co-signing tests for that message)
    cosign = [problem for problem in problems if problem in (NOT_COSIGNED, RECOSIGN)]
    assert [problem for problem in problems if problem not in cosign] == expected
    assert bool(cosign) is (breaking in (remove_subsidy, remove_funds))


@pytest.mark.parametrize("breaking", [pass_deadline, close_call], ids=lambda f: f.__name__)
def test_after_the_deadline_the_plan_cannot_be_submitted(ready, breaking):
    breaking(ready, applicant_of(ready))
    ready.refresh_from_db()
    deadline = timezone.localtime(ready.call.deadline).strftime("%Y-%m-%d %H:%M")
    message = f"申报批次未开放或已过截止时间（{deadline}），不能提交。"
    assert services.submission_problems(ready) == [message]
    with pytest.raises(ValidationError) as caught:
        services.plan_submit(actor=applicant_of(ready), plan=ready)
    assert messages_of(caught.value) == [message]
    assert not ready.versions.exists()


def test_the_deadline_is_checked_against_the_time_given(ready):
    assert services.submission_problems(ready, now=ready.call.deadline - timedelta(seconds=1)) == []
    assert len(services.submission_problems(ready, now=ready.call.deadline)) == 1


def test_a_plan_not_cosigned_cannot_be_submitted(db):
    plan = PilotPlanFactory()
    fill_plan_ready_to_submit(plan, applicant_of(plan), enterprises=3, cosign=False)
    assert services.submission_problems(plan) == [NOT_COSIGNED]
    with pytest.raises(ValidationError) as caught:
        services.plan_submit(actor=applicant_of(plan), plan=plan)
    assert messages_of(caught.value) == [NOT_COSIGNED]
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PilotPlan.Status.DRAFT, 0)
    assert "plan.submit" not in actions(plan)


# --- submitting, versions, the completeness check ---------------------------------------------------


def test_submitting_freezes_version_1_and_renders_its_pdf_after_commit(ready, django_capture_on_commit_callbacks):
    actor = applicant_of(ready)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        version = services.plan_submit(actor=actor, plan=ready)
    # nothing rendered inside the transaction: the PDF task waits for the commit
    version.refresh_from_db()
    assert version.pdf is None
    assert len(pending) == 1

    pending[0]()  # what the commit runs
    version.refresh_from_db()
    ready.refresh_from_db()

    assert (ready.status, ready.version) == (PilotPlan.Status.SUBMITTED, 1)
    assert ready.submitted_at is not None
    assert not ready.is_editable
    assert (version.number, version.created_by) == (1, actor)
    assert version.pdf is not None and version.pdf.content_type == "application/pdf"
    snapshot = version.snapshot
    assert snapshot["title"] == ready.title
    assert snapshot["region"] == {"code": ready.region.code, "name": ready.region.name}
    assert snapshot["sections"] == SECTION_TEXT
    assert [chain["name"] for chain in snapshot["chains"]] == [RARE_EARTH, EQUIPMENT]
    assert len(snapshot["enterprises"]) == 3
    assert len(snapshot["phased_tasks"]) == 3
    assert len(snapshot["targets"]) == 23
    assert snapshot["stamped_pdf"] == ready.stamped_pdf.sha256
    event = AuditEvent.objects.get(action="plan.submit", target_id=str(ready.pk))
    assert event.changes == {"status": ["cosigned", "submitted"], "version": 1}


def test_submitting_twice_is_refused_and_makes_one_version(ready):
    actor = applicant_of(ready)
    services.plan_submit(actor=actor, plan=ready)
    with pytest.raises(ValidationError) as caught:
        services.plan_submit(actor=actor, plan=ready)  # the stale object of a second click
    assert caught.value.code == "wrong_status"
    assert messages_of(caught.value) == [
        "方案当前状态为“已提交，待形式审查”，不能执行此操作（可能已被他人处理，请刷新页面）。"
    ]
    assert ready.versions.count() == 1
    assert actions(ready).count("plan.submit") == 1


@pytest.mark.parametrize("reasons", ["", "  \n "])
def test_returning_needs_reasons(ready, officer, reasons):
    services.plan_submit(actor=applicant_of(ready), plan=ready)
    with pytest.raises(ValidationError) as caught:
        services.plan_return(actor=officer, plan=ready, reasons=reasons)
    assert caught.value.code == "reasons_required"
    assert messages_of(caught.value) == ["退回时请写明原因。"]
    ready.refresh_from_db()
    assert ready.status == PilotPlan.Status.SUBMITTED
    assert "plan.return" not in actions(ready)


def test_a_returned_plan_keeps_everything_and_shows_the_reasons(ready, officer):
    services.plan_submit(actor=applicant_of(ready), plan=ready)
    ready.refresh_from_db()
    kept = (
        [getattr(ready, name) for name in PilotPlan.SECTION_FIELDS],
        list(ready.enterprises.values_list("uscc", flat=True)),
        list(ready.target_values.values_list("baseline", "midterm_target", "target")),
        list(ready.fund_lines.values_list("direction", *FundLine.SOURCES)),
        ready.stamped_pdf_id,
        ready.cosigned_funds_hash,
    )
    services.plan_return(actor=officer, plan=ready, reasons=" 盖章PDF与填报内容不一致。 ")
    ready.refresh_from_db()

    assert ready.status == PilotPlan.Status.RETURNED
    assert ready.is_editable
    assert ready.return_reasons == "盖章PDF与填报内容不一致。"
    assert (
        [getattr(ready, name) for name in PilotPlan.SECTION_FIELDS],
        list(ready.enterprises.values_list("uscc", flat=True)),
        list(ready.target_values.values_list("baseline", "midterm_target", "target")),
        list(ready.fund_lines.values_list("direction", *FundLine.SOURCES)),
        ready.stamped_pdf_id,
        ready.cosigned_funds_hash,
    ) == kept
    event = AuditEvent.objects.get(action="plan.return", target_id=str(ready.pk))
    assert event.changes == {"status": ["submitted", "returned"], "reasons": "盖章PDF与填报内容不一致。"}
    # still co-signed and complete: it can go again as it is
    assert services.submission_problems(ready) == []


def test_a_resubmitted_plan_is_version_2_and_version_1_stays_as_it_was(ready, officer):
    actor = applicant_of(ready)
    services.plan_submit(actor=actor, plan=ready)
    services.plan_return(actor=officer, plan=ready, reasons="请补充保障措施。")
    services.plan_update_sections(actor=actor, plan=ready, safeguards="补充：设立市级专项资金2000万元。")
    version = services.plan_submit(actor=actor, plan=ready)

    ready.refresh_from_db()
    assert (ready.status, ready.version, version.number) == (PilotPlan.Status.SUBMITTED, 2, 2)
    first, second = ready.versions.order_by("number")
    assert first.snapshot["sections"]["safeguards"] == SECTION_TEXT["safeguards"]
    assert second.snapshot["sections"]["safeguards"] == "补充：设立市级专项资金2000万元。"
    event = AuditEvent.objects.filter(action="plan.submit", target_id=str(ready.pk)).last()
    assert event.changes == {"status": ["returned", "submitted"], "version": 2}


def test_accepting_moves_the_plan_on_to_review(ready, officer):
    services.plan_submit(actor=applicant_of(ready), plan=ready)
    services.plan_accept(actor=officer, plan=ready)
    ready.refresh_from_db()
    assert ready.status == PilotPlan.Status.ACCEPTED
    assert not ready.is_editable


@pytest.mark.parametrize(
    ("state", "transition", "status_label"),
    [
        ("draft", "plan_accept", "草稿"),
        ("draft", "plan_return", "草稿"),
        ("draft", "plan_cosign", "草稿"),
        ("ready", "plan_return_from_cosign", "已会签"),
        ("cosigning", "plan_send_to_cosign", "财政局会签中"),
        ("cosigning", "plan_submit", "财政局会签中"),
        ("accepted", "plan_submit", "形式审查通过，待专家评审"),
        ("accepted", "plan_return", "形式审查通过，待专家评审"),
    ],
    ids=lambda value: value if value in PLAN_STATES or value.startswith("plan_") else "",
)
def test_a_transition_from_the_wrong_state_is_refused(db, state, transition, status_label):
    plan = PilotPlanFactory(state=state, state__enterprises=3)
    before = actions(plan)
    arguments = {"reasons": "理由"} if transition == "plan_return" else {}
    arguments |= {"comment": "意见"} if transition == "plan_return_from_cosign" else {}
    with pytest.raises(ValidationError) as caught:
        getattr(services, transition)(actor=applicant_of(plan), plan=plan, **arguments)
    assert caught.value.code == "wrong_status"
    assert messages_of(caught.value) == [
        f"方案当前状态为“{status_label}”，不能执行此操作（可能已被他人处理，请刷新页面）。"
    ]
    assert actions(plan) == before


@pytest.mark.parametrize(
    "edit",
    [
        lambda plan, actor: services.plan_update_sections(actor=actor, plan=plan, safeguards="改"),
        lambda plan, actor: services.chain_save(actor=actor, plan=plan, **{**CHAINS[0], "name": "新产业链"}),
        lambda plan, actor: services.phased_task_add(
            actor=actor, plan=plan, task="新任务", owner="工信局", due="2026-01-01"
        ),
        lambda plan, actor: services.enterprises_replace(actor=actor, plan=plan, rows=[]),
        lambda plan, actor: services.fund_plan_save(actor=actor, plan=plan, lines={"platform": {"other": Decimal(1)}}),
        lambda plan, actor: services.stamped_pdf_attach(actor=actor, plan=plan, uploaded=stamped_pdf_upload()),
        lambda plan, actor: services.evidence_attach(actor=actor, plan=plan, uploaded=stamped_pdf_upload("佐证.pdf")),
    ],
    ids=["sections", "chain", "task", "enterprises", "funds", "stamped_pdf", "evidence"],
)
@pytest.mark.parametrize(
    ("state", "label"),
    [("cosigning", "财政局会签中"), ("submitted", "已提交，待形式审查")],
    ids=["cosigning", "submitted"],
)
def test_a_plan_that_is_not_a_draft_cannot_be_edited(db, edit, state, label):
    plan = PilotPlanFactory(state=state, state__enterprises=3)
    before = actions(plan)
    with pytest.raises(ValidationError) as caught:
        edit(plan, applicant_of(plan))
    assert caught.value.code == "not_editable"
    assert messages_of(caught.value) == [f"方案当前状态为“{label}”，不能修改。"]
    assert actions(plan) == before


# --- audit ------------------------------------------------------------------------------------------


def test_every_transition_writes_its_audit_event_in_order(db, officer):
    plan = PilotPlanFactory()
    actor = applicant_of(plan)
    fill_plan_ready_to_submit(plan, actor, enterprises=3, cosign=False)
    cosigner = cosigner_of(plan)
    services.plan_send_to_cosign(actor=actor, plan=plan)
    services.plan_return_from_cosign(actor=cosigner, plan=plan, comment="请核实配套资金。")
    services.plan_send_to_cosign(actor=actor, plan=plan)
    services.plan_cosign(actor=cosigner, plan=plan)
    services.plan_submit(actor=actor, plan=plan)
    services.plan_return(actor=officer, plan=plan, reasons="请补充。")
    services.plan_submit(actor=actor, plan=plan)
    services.plan_accept(actor=officer, plan=plan)

    transitions = [action for action in actions(plan) if action in TRANSITIONS]
    assert transitions == [
        "plan.send_to_cosign",
        "plan.cosign_return",
        "plan.send_to_cosign",
        "plan.cosign",
        "plan.submit",
        "plan.return",
        "plan.submit",
        "plan.accept",
    ]
    events = AuditEvent.objects.filter(target_id=str(plan.pk), action__in=TRANSITIONS).order_by("created_at", "id")
    assert [event.changes["status"] for event in events] == [
        ["draft", "cosigning"],
        ["cosigning", "draft"],
        ["draft", "cosigning"],
        ["cosigning", "cosigned"],
        ["cosigned", "submitted"],
        ["submitted", "returned"],
        ["returned", "submitted"],
        ["submitted", "accepted"],
    ]
    assert [event.actor for event in events] == [actor, cosigner, actor, cosigner, actor, officer, actor, officer]
    assert events[1].organisation == cosigner.membership.organisation


TRANSITIONS = {
    "plan.send_to_cosign",
    "plan.cosign",
    "plan.cosign_return",
    "plan.submit",
    "plan.return",
    "plan.accept",
}


def test_a_rolled_back_transition_leaves_no_event_no_version_and_no_change(ready):
    before = actions(ready)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.plan_submit(actor=applicant_of(ready), plan=ready)
        raise RuntimeError("the caller failed after the service returned")
    ready.refresh_from_db()
    assert (ready.status, ready.version) == (PilotPlan.Status.COSIGNED, 0)
    assert not PlanVersion.objects.filter(plan=ready).exists()
    assert actions(ready) == before


def test_a_rolled_back_edit_leaves_no_event(db):
    plan = PilotPlanFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.plan_update_sections(actor=applicant_of(plan), plan=plan, safeguards="将被回滚")
        raise RuntimeError
    plan.refresh_from_db()
    assert plan.safeguards == ""
    assert actions(plan) == ["plan.create"]
