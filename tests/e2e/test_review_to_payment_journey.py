"""From the expert review to the first payment, in a real browser, for three plans of the demo call
(issue 4, "Done when").

Set up in Python (issue 3's journey covers it in the browser): the demo set, with 包头市, 赤峰市 and
鄂尔多斯市 brought to "形式审查通过" through workflows.services (so each has its viewflow process), the
call's deadline moved into the past and closed, and 2 pilots sought. Then in the browser:

1. agency starts the review and takes the suggested experts (李明华 of 包头 is screened out of the 包头 plan
   automatically, with the reason in Chinese);
2. one expert declines the 包头 plan before seeing it; agency assigns someone else (trying 李明华 first, who
   is refused with the reason);
3. every expert declares no conflict and scores (half points, comments, opinion, suggestions, conclusion);
   one 赤峰 expert is 20 points under the mean, so agency writes the consensus note; agency submits the
   ranking report, and its PDF holds every region and mean;
4. dept proposes the default list (top 2), dept_leader approves it, dept publishes the notice;
5. an anonymous visitor reads the notice and files an objection (reference number);
6. dept proposes to dismiss it, dept_leader confirms;
7. the period is moved into the past; a late objection is refused;
8. dept makes the list final: 包头 and 赤峰 SELECTED, 鄂尔多斯 NOT_SELECTED;
9. dept drafts the 包头 approval from the inbox, dept_leader approves it: 内工信数字〔YYYY〕1号, PDF;
10. finance records the first instalment, once.
Then the audit log and the plan's timeline.
"""

import contextlib
import re
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.demo import load_demo_accounts
from audit.models import AuditEvent
from evaluation.demo import load_demo_experts
from evaluation.models import Assignment, ExpertProfile
from notices.calendar import is_working_day, today_in_china
from notices.models import HolidayOverride, Objection, PublicNotice
from pilots import services as pilot_services
from pilots.models import Instalment, Payment, PilotCall, PilotPlan
from workflows import services as flow_services
from workflows.demo import DEMO_CALL_TITLE, load_demo_pilots

from .pages import expect_status, is_subsequence, login, open_inbox_item, pdf_text, timeline_steps

BAOTOU, CHIFENG, ORDOS = "150200", "150400", "150600"
REGION_NAMES = {BAOTOU: "包头市", CHIFENG: "赤峰市", ORDOS: "鄂尔多斯市"}
# Scores per criterion of the default scorecard, in its order: 真实性 15, 完整性 15, 科学性 20, 可行性 20,
# 符合国家产业方向 15, 目标和保障措施 15 (all weight 1, so an expert's total is the plain sum). One list per
# expert of the plan, in the order the experts were assigned (the replacement of the one who declined last).
SCORES = {
    BAOTOU: [
        ["13.5", "13", "18", "18.5", "13", "13"],  # 89
        ["13", "13.5", "17.5", "18", "13.5", "12.5"],  # 88
        ["14", "13", "18", "17", "13", "12"],  # 87
    ],
    CHIFENG: [
        ["12", "12.5", "16", "16.5", "12", "11"],  # 80
        ["12.5", "12", "16.5", "16", "11.5", "11.5"],  # 80
        ["7.5", "8", "10", "10.5", "7", "7"],  # 50: 20 under the mean of 70 (> 15) → spread flag
    ],
    ORDOS: [
        ["10", "10", "13", "13", "9.5", "9.5"],  # 65
        ["9.5", "10", "13.5", "12.5", "10", "9.5"],  # 65
        ["10", "9.5", "13", "13.5", "9.5", "10"],  # 65.5
    ],
}
MEANS = {BAOTOU: "88.00", CHIFENG: "70.00", ORDOS: "65.17"}
RECOMMENDATION = {BAOTOU: "recommend", CHIFENG: "with_revisions", ORDOS: "with_revisions"}
REVISIONS = [
    "建议细化分年度改造企业清单，补充规下企业改造的服务商遴选办法。",
    "建议补充平台建设的运营模式和可持续投入安排。",
    "建议明确中期评价的量化指标和数据来源。",
]
DECLINE_NOTE = "本人近三年曾为该市工信局承担数字化转型规划咨询项目。"
CONSENSUS_NOTE = "经合议，第三位专家对可行性的顾虑已在修改意见中体现，以三位专家平均分作为评审结果。"
OBJECTION_GROUNDS = "该市申报的改造企业名单中有多家企业已于去年停产，申报的改造企业数量不实，请核查。"
APPROVED_AMOUNT = Decimal("25000000.00")  # requested: 30,000,000.00 (pilots.demo.FUNDS)
FIRST_INSTALMENT = Decimal("10000000.00")  # 40 % at approval
VOUCHER = "NMCZ-2026-000123"
PDF_TIMEOUT = 60_000  # WeasyPrint renders the ranking report and the approval inside the request (eager Celery)
TIMELINE = ["形式审查通过", "进入专家评审", "列入拟入选名单并公示", "确定入选", "起草批复", "批复", "登记拨付"]
AUDITED = {
    "call.close",
    "call.review_start",
    "plan.review_start",
    "assignment.create",
    "assignment.decline",
    "assignment.declare",
    "assignment.submit",
    "consensus_note.save",
    "call.ranked",
    "ranking_report.submit",
    "selection.propose",
    "selection.approve",
    "notice.publish",
    "plan.shortlist",
    "call.publish_list",
    "objection.file",
    "objection.propose",
    "objection.confirm",
    "notice.finalise",
    "plan.select",
    "plan.not_select",
    "call.finalise_list",
    "plan.approval_draft",
    "plan.approve",
    "plan.payment_record",
}


@pytest.fixture
def review_call(transactional_db) -> PilotCall:
    """The demo call with three accepted plans (包头, 赤峰, 鄂尔多斯) and none waiting for its check,
    closed, seeking 2 pilots."""
    from tests.factories import ensure_role_groups
    from tests.pilots.factories import shipped_target_template

    ensure_role_groups()
    shipped_target_template()
    users = get_user_model().objects
    # Version PDFs (WeasyPrint, seconds apiece) are never looked at here.
    with mock.patch("pilots.tasks.render_version_pdf.delay"):
        # The parts of ``load_demo`` this journey starts from: accounts, the expert pool, the demo call.
        # (Not the whole command: its other demo calls would share the inboxes and the approval numbers.)
        load_demo_accounts()
        load_demo_experts()
        call = load_demo_pilots()
        assert call.title == DEMO_CALL_TITLE
        officer = users.get(username="dept")
        plans = {plan.region.code: plan for plan in call.plans.select_related("region")}
        # 包头: a filled draft → co-signed → submitted → accepted.
        bureau, finance = users.get(username=f"bureau_{BAOTOU}"), users.get(username=f"finbureau_{BAOTOU}")
        flow_services.plan_send_to_cosign(actor=bureau, plan=plans[BAOTOU])
        flow_services.plan_cosign(actor=finance, plan=plans[BAOTOU], comment="资金计划与本级预算安排一致，同意。")
        flow_services.plan_submit(actor=bureau, plan=plans[BAOTOU])
        flow_services.plan_accept(actor=officer, plan=plans[BAOTOU])
        # 赤峰: submitted → accepted (review_start refuses while a plan waits for its check). 鄂尔多斯: accepted.
        flow_services.plan_accept(actor=officer, plan=plans[CHIFENG])
    pilot_services.call_update(actor=officer, call=call, deadline=timezone.now() - timedelta(hours=1), pilots_sought=2)
    assert [c.pk for c in pilot_services.close_due_calls()] == [call.pk]
    statuses = dict(call.plans.values_list("region__code", "status"))
    assert {code: statuses[code] for code in REGION_NAMES} == dict.fromkeys(REGION_NAMES, PilotPlan.Status.ACCEPTED)
    assert PilotPlan.Status.SUBMITTED not in statuses.values()
    call.refresh_from_db()
    return call


@pytest.fixture
def sessions(browser, live_server):
    """``sessions(username=None)``: a page in a fresh browser context (logged in as ``username``, or anonymous),
    each with its own cookies, so that several people work side by side without logging out. Every
    confirm() dialog is accepted and its text kept in ``sessions.dialogs``."""
    contexts = []
    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    def open_page(username: str | None = None) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            viewport={"width": 1366, "height": 900},
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", accept)
        if username:
            login(page, live_server.url, username)
        return page

    def save_screenshots(directory, prefix: str) -> None:
        """Every page still open, as it is (called when the journey fails)."""
        for number, context in enumerate(contexts):
            for page in context.pages:
                with contextlib.suppress(Exception):  # a page that has gone: nothing to keep
                    page.screenshot(path=directory / f"{prefix}-{number}.png", full_page=True)

    open_page.dialogs = dialogs
    open_page.save_screenshots = save_screenshots
    yield open_page
    for context in contexts:
        context.close()


def messages(page: Page):
    return page.locator(".zg-messages")


def home(page: Page) -> None:
    """The home page with "我的待办" (where logging in lands; not loaded again if already there)."""
    if urlsplit(page.url).path != "/":
        page.goto("/")
    expect(page.get_by_test_id("home")).to_be_visible()


def fill_scorecard(page: Page, criteria, scores: list[str], *, region: str, revision: str, recommendation: str) -> None:
    card = page.get_by_test_id("scorecard")
    for criterion, score in zip(criteria, scores, strict=True):
        card.locator(f"[name=score_{criterion.pk}]").fill(score)
        card.locator(f"[name=comment_{criterion.pk}]").fill(
            f"{region}方案{criterion.name}方面：得{score}分，依据充分。"
        )
    card.locator("[name=overall_opinion]").fill(f"{region}方案基础扎实，目标明确，实施路径清晰。")
    card.locator("[name=revision_suggestions]").fill(revision)
    card.locator(f"[name=recommendation][value={recommendation}]").check()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_review_to_payment_journey(review_call, sessions, live_server, artifacts_dir):
    call = review_call
    plans = {plan.region.code: plan for plan in call.plans.filter(status=PilotPlan.Status.ACCEPTED)}
    titles = {code: plan.title for code, plan in plans.items()}
    criteria = list(call.criteria.order_by("order"))
    experts = {expert.user.username: expert for expert in ExpertProfile.objects.select_related("user", "home_region")}
    screened = experts["expert2"]  # 李明华, home region 包头市
    assert screened.home_region.code == BAOTOU
    # The notice's PDF (WeasyPrint) is not looked at here; the ranking report and the approval are real.
    with mock.patch("notices.tasks.render_notice_pdf.delay"):
        try:
            _journey(call, plans, titles, criteria, experts, screened, sessions, live_server.url, artifacts_dir)
        except Exception:
            sessions.save_screenshots(artifacts_dir, "failure-review-journey")
            raise


def _journey(call, plans, titles, criteria, experts, screened, sessions, base, artifacts_dir):
    dialogs = sessions.dialogs

    # --- 1. agency starts the review and takes the suggested experts ---------------------------------
    agency = sessions("agency")
    open_inbox_item(agency, "启动专家评审", call.title)
    agency.wait_for_url(re.compile(rf"/evaluation/calls/{call.pk}/$"))
    agency.get_by_test_id("review-start").click()
    expect(messages(agency)).to_contain_text("专家评审已启动")
    assert "确定启动吗" in dialogs[-1], dialogs
    expect(agency.get_by_test_id("call-status")).to_have_text(str(PilotCall.Status.IN_REVIEW.label))
    agency.get_by_test_id("suggest").click()
    agency.wait_for_url(re.compile(rf"/evaluation/calls/{call.pk}/suggest/$"))
    baotou_proposal = agency.get_by_test_id(f"proposal-{plans[BAOTOU].pk}")
    expect(baotou_proposal.get_by_test_id("excluded")).to_contain_text(
        f"{screened.full_name}：与申报地区相同：{REGION_NAMES[BAOTOU]}"
    )
    for code in REGION_NAMES:
        expect(agency.get_by_test_id(f"proposal-{plans[code].pk}").locator("input[name=pair]:checked")).to_have_count(3)
    agency.screenshot(path=artifacts_dir / "review-suggest-screened.png", full_page=True)
    agency.get_by_test_id("confirm").click()
    agency.wait_for_url(re.compile(rf"/evaluation/calls/{call.pk}/$"))
    expect(messages(agency)).to_contain_text("已分配9项评审任务")
    rows = agency.get_by_test_id("review-table").locator("tbody tr")
    for name in REGION_NAMES.values():
        expect(rows.filter(has_text=name).locator(".zg-status--pending")).to_have_count(3)
    assert not Assignment.objects.filter(expert=screened, plan=plans[BAOTOU]).exists()
    agency.screenshot(path=artifacts_dir / "review-call-assigned.png", full_page=True)
    # --- 2. one expert declines the 包头 plan before seeing it; agency assigns another -----------------
    decliner = Assignment.objects.filter(plan=plans[BAOTOU]).select_related("expert__user").order_by("pk").first()
    expert_page = sessions(decliner.expert.user.username)
    open_inbox_item(expert_page, "声明利益冲突并评审", REGION_NAMES[BAOTOU])
    expert_page.wait_for_url(re.compile(rf"/evaluation/assignments/{decliner.pk}/$"))
    expect(expert_page.get_by_test_id("declaration")).to_be_visible()
    expect(expert_page.get_by_test_id("plan-link")).to_have_count(0)  # no plan before the declaration
    response = expert_page.request.get(f"{base}/pilots/plans/{plans[BAOTOU].pk}/")
    assert response.status == 404, response.status
    decline = expert_page.get_by_test_id("decline")
    decline.locator("select[name=reason]").select_option("employer")
    decline.locator("textarea[name=note]").fill(DECLINE_NOTE)
    decline.get_by_test_id("decline-submit").click()
    expert_page.wait_for_url(re.compile(r"/evaluation/assignments/$"))
    expect(messages(expert_page)).to_contain_text("已申请回避")
    expect(expert_page.get_by_test_id("assignment-table")).to_contain_text("已申请回避")
    expert_page.context.close()

    home(agency)
    open_inbox_item(agency, "重新分配评审专家", REGION_NAMES[BAOTOU])
    agency.wait_for_url(re.compile(rf"/evaluation/plans/{plans[BAOTOU].pk}/assign/$"))
    declined = f"{decliner.expert.full_name} · 已申请回避（任职或曾任职于相关单位：{DECLINE_NOTE}）"
    expect(agency.get_by_text(declined)).to_be_visible()
    expect(agency.get_by_test_id("excluded")).to_contain_text(
        f"{screened.full_name}：与申报地区相同：{REGION_NAMES[BAOTOU]}"
    )
    # The drop-down offers only experts who pass the screening (the service refuses the others anyway).
    offered = agency.locator("select[name=expert] option").evaluate_all("options => options.map(o => o.value)")
    assert str(screened.pk) not in offered
    assert str(decliner.expert.pk) not in offered
    agency.screenshot(path=artifacts_dir / "review-assign-screened.png", full_page=True)
    replacement_name = agency.get_by_test_id("eligible").locator("tbody tr").first.locator("td").first.inner_text()
    replacement = next(e for e in experts.values() if e.full_name == replacement_name.strip())
    agency.locator("select[name=expert]").select_option(str(replacement.pk))
    agency.get_by_role("button", name="分配", exact=True).click()
    agency.wait_for_url(re.compile(rf"/evaluation/plans/{plans[BAOTOU].pk}/$"))
    expect(messages(agency)).to_contain_text("已分配")
    active = {
        code: list(
            Assignment.objects.filter(plan=plans[code])
            .exclude(status=Assignment.Status.DECLINED)
            .select_related("expert__user")
            .order_by("pk")
        )
        for code in REGION_NAMES
    }
    assert all(len(assignments) == 3 for assignments in active.values()), active
    assert active[BAOTOU][-1].expert == replacement
    # --- 3. every expert declares no conflict and scores ----------------------------------------------
    by_expert: dict[str, list[tuple[str, int, Assignment]]] = {}
    for code, assignments in active.items():
        for index, assignment in enumerate(assignments):
            by_expert.setdefault(assignment.expert.user.username, []).append((code, index, assignment))
    submitted = dict.fromkeys(REGION_NAMES, 0)
    scorecard_shot = False
    for username, work in by_expert.items():
        expert_page = sessions(username)
        for code, index, assignment in work:
            region = REGION_NAMES[code]
            home(expert_page)
            open_inbox_item(expert_page, "声明利益冲突并评审", region)
            expert_page.wait_for_url(re.compile(rf"/evaluation/assignments/{assignment.pk}/$"))
            expert_page.locator("input[name=confirm]").check()
            expert_page.get_by_test_id("declare").click()
            expect(messages(expert_page)).to_contain_text("已声明无利益冲突")
            expect(expert_page.get_by_test_id("assignment-status")).to_have_text("评审中")
            expect(expert_page.get_by_test_id("plan-link")).to_be_visible()
            fill_scorecard(
                expert_page,
                criteria,
                SCORES[code][index],
                region=region,
                revision=REVISIONS[index],
                recommendation=RECOMMENDATION[code],
            )
            if code == CHIFENG and index == 2 and not scorecard_shot:
                expert_page.screenshot(path=artifacts_dir / "review-scorecard.png", full_page=True)
                scorecard_shot = True
            expert_page.get_by_test_id("submit").click()
            expect(expert_page.get_by_test_id("assignment-status")).to_have_text("已提交")
            assert dialogs[-1] == "提交后不能再修改，确定提交吗？", dialogs[-1]
            expect(expert_page.get_by_test_id("scorecard")).to_have_count(0)  # locked
            total = sum(Decimal(score) for score in SCORES[code][index])
            expect(expert_page.get_by_test_id("own-scores")).to_contain_text(f"{total:.2f}")
            submitted[code] += 1
            peers = expert_page.get_by_test_id("peers")
            if submitted[code] < 3:  # blind until every review of the plan is in
                expect(peers).to_contain_text("全部专家提交后才能看到其他专家的评分。")
            else:
                expect(peers).to_contain_text(f"本方案平均分：{MEANS[code]}")
        expert_page.context.close()
    if not scorecard_shot:
        raise AssertionError("no scorecard screenshot")

    # agency: the consensus note on the spread plan, then the ranking report.
    home(agency)
    open_inbox_item(agency, "记录合议意见", REGION_NAMES[CHIFENG])
    agency.wait_for_url(re.compile(rf"/evaluation/plans/{plans[CHIFENG].pk}/$"))
    expect(agency.get_by_test_id("spread")).to_contain_text("相差超过 15")
    expect(agency.get_by_test_id("mean")).to_have_text(MEANS[CHIFENG])
    consensus = agency.get_by_test_id("consensus")
    consensus.locator("textarea[name=note]").fill(CONSENSUS_NOTE)
    consensus.get_by_role("button", name="保存合议意见").click()
    expect(messages(agency)).to_contain_text("合议意见已保存")
    expect(agency.get_by_test_id("consensus")).to_contain_text(CONSENSUS_NOTE)

    home(agency)
    open_inbox_item(agency, "提交评审排名报告", call.title)
    agency.wait_for_url(re.compile(rf"/evaluation/calls/{call.pk}/$"))
    ranking = agency.get_by_test_id("ranking").locator("tbody tr")
    expect(ranking).to_have_count(3)
    for position, code in enumerate((BAOTOU, CHIFENG, ORDOS)):
        expect(ranking.nth(position)).to_contain_text(REGION_NAMES[code])
        expect(ranking.nth(position)).to_contain_text(MEANS[code])
    chifeng_row = agency.get_by_test_id("review-table").locator("tbody tr").filter(has_text=REGION_NAMES[CHIFENG])
    expect(chifeng_row).to_contain_text("已合议")
    agency.get_by_test_id("ranking-submit").click()
    agency.wait_for_url(re.compile(rf"/evaluation/calls/{call.pk}/ranking/$"), timeout=PDF_TIMEOUT)
    assert "提交后评审结果将被锁定" in dialogs[-1], dialogs[-1]
    report_rows = agency.get_by_test_id("report-ranking").locator("tbody tr")
    expect(report_rows).to_have_count(3)
    expect(report_rows.nth(1)).to_contain_text("是，已合议")
    agency.screenshot(path=artifacts_dir / "review-ranking.png", full_page=True)
    with agency.expect_download() as download_info:
        agency.get_by_test_id("report-pdf").click()
    text = pdf_text(download_info.value.path().read_bytes())
    for code, name in REGION_NAMES.items():
        assert name in text, (name, text[:500])
        assert MEANS[code] in text, (MEANS[code], text[:500])
    agency.context.close()
    # --- 4. dept proposes the default list, dept_leader approves, dept publishes ----------------------
    dept = sessions("dept")
    open_inbox_item(dept, "拟定初步名单", call.title)
    dept.wait_for_url(re.compile(rf"/pilots/calls/{call.pk}/selection/$"))
    proposal = dept.get_by_test_id("proposal")
    for code, checked in ((BAOTOU, True), (CHIFENG, True), (ORDOS, False)):
        box = proposal.get_by_role("checkbox", name=REGION_NAMES[code])
        (expect(box).to_be_checked if checked else expect(box).not_to_be_checked)()
    proposal.get_by_test_id("propose").click()
    expect(messages(dept)).to_contain_text("初步名单已提交领导审批")

    leader = sessions("dept_leader")
    open_inbox_item(leader, "审批初步名单", call.title)
    leader.wait_for_url(re.compile(r"/pilots/selections/\d+/decide/$"))
    expect(leader.get_by_text("按排名遴选，与专家评审结果一致。")).to_be_visible()
    leader.get_by_test_id("approve").click()
    leader.wait_for_url(re.compile(rf"/pilots/calls/{call.pk}/selection/$"))
    expect(messages(leader)).to_contain_text("初步名单已批准")

    today = today_in_china()
    if not is_working_day(today):
        # A notice published on a weekend or holiday starts on the next working day, and objections are
        # refused until then; the Department marks today as a working day so the journey runs any day.
        HolidayOverride.objects.create(date=today, is_working_day=True, note="端到端测试：按工作日")
    home(dept)
    open_inbox_item(dept, "发布初步名单公示", call.title)
    dept.wait_for_url(re.compile(rf"/pilots/calls/{call.pk}/selection/$"))
    dept.get_by_test_id("publish").click()
    expect(messages(dept)).to_contain_text("公示已发布，公示期为")
    assert "确定发布吗" in dialogs[-1], dialogs[-1]
    notice = PublicNotice.objects.get(subject_id=call.pk, subject_type__model="pilotcall")
    assert notice.starts_on == today, (notice.starts_on, today)
    # --- 5. an anonymous visitor reads the notice and objects ----------------------------------------
    public = sessions()
    public.goto("/notices/")
    public.get_by_role("link", name=notice.title).click()
    public.wait_for_url(re.compile(rf"/notices/{notice.pk}/$"))
    opened = time.monotonic()
    expect(public.get_by_test_id("notice-state")).to_have_text("公示中")
    entries = public.get_by_test_id("entry")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text(REGION_NAMES[BAOTOU])
    expect(entries.nth(1)).to_contain_text(REGION_NAMES[CHIFENG])
    expect(public.locator("main")).not_to_contain_text(REGION_NAMES[ORDOS])
    public.screenshot(path=artifacts_dir / "notice-public.png", full_page=True)
    form = public.locator("#objection form")
    form.locator("select[name=entry]").select_option(label=f"2. {REGION_NAMES[CHIFENG]} · {titles[CHIFENG]}")
    form.locator("input[name=name]").fill("张某某")
    form.locator("input[name=contact]").fill("13800000000")
    form.locator("textarea[name=grounds]").fill(OBJECTION_GROUNDS)
    honeypot = form.locator("input[name=website]")
    expect(honeypot).to_have_value("")  # the honeypot stays empty, as a person leaves it
    expect(honeypot).not_to_be_in_viewport()
    # The form's signed token refuses a submission less than 3 seconds after the page was rendered (a
    # bot is faster than that). This is the one deliberate wait of the journey: the anti-spam delay.
    remaining_ms = 3_300 - (time.monotonic() - opened) * 1000
    if remaining_ms > 0:
        public.wait_for_timeout(remaining_ms)
    form.get_by_role("button", name="提交异议").click()
    public.wait_for_url(re.compile(rf"/notices/{notice.pk}/received/[^/]+/(#objection)?$"))
    reference = public.get_by_test_id("reference").inner_text()
    assert re.fullmatch(r"YY\d{8}-\d{6}", reference), reference
    objection = Objection.objects.get(notice=notice)
    assert objection.reference == reference and objection.entry.label == REGION_NAMES[CHIFENG]
    # --- 6. dept investigates and proposes to dismiss; dept_leader confirms ---------------------------
    home(dept)
    open_inbox_item(dept, "调查异议并提出处理意见", reference)
    dept.wait_for_url(re.compile(rf"/notices/manage/objections/{objection.pk}/$"))
    expect(dept.get_by_test_id("objector-contact")).to_have_text("13800000000")
    dept.locator("input[name=decision][value=dismiss]").check()
    dept.locator("textarea[name=investigation]").fill(
        "经赤峰市工信局核实并抽查企业用电数据，名单所列企业均在正常生产。"
    )
    dept.locator("textarea[name=reason]").fill("异议所称企业停产情况与核查结果不符，异议不成立。")
    dept.get_by_test_id("propose").click()
    expect(messages(dept)).to_contain_text("处理意见已提交，待领导确认")
    expect(dept.get_by_test_id("objection-status")).to_have_text("拟认定不成立，待领导确认")

    home(leader)
    open_inbox_item(leader, "确认异议处理意见", reference)
    leader.wait_for_url(re.compile(rf"/notices/manage/objections/{objection.pk}/$"))
    leader.locator("textarea[name=confirm-comment]").fill("同意。")
    leader.get_by_test_id("confirm").click()
    expect(messages(leader)).to_contain_text("已确认：异议不成立")
    expect(leader.get_by_test_id("objection-status")).to_have_text("异议不成立")
    # --- 7. the period ends; a late objection is refused ---------------------------------------------
    late = sessions()
    late.goto(f"/notices/{notice.pk}/")
    late_form = late.locator("#objection form")
    late_form.locator("select[name=entry]").select_option(label=f"1. {REGION_NAMES[BAOTOU]} · {titles[BAOTOU]}")
    late_form.locator("input[name=name]").fill("李某某")
    late_form.locator("input[name=contact]").fill("13900000000")
    late_form.locator("textarea[name=grounds]").fill("公示期最后一天才看到公示，对包头市的改造企业数量有疑问，请核查。")
    # While the form is open, the notice's period ends (moved into the past in the database).
    ended = today - timedelta(days=1)
    PublicNotice.objects.filter(pk=notice.pk).update(starts_on=ended - timedelta(days=6), ends_on=ended)
    late_form.get_by_role("button", name="提交异议").click()
    expect(late.get_by_test_id("closed-message")).to_have_text(
        f"公示期已于{ended.year}年{ended.month}月{ended.day}日结束，逾期提出的异议不予受理。"
    )
    expect(late.get_by_test_id("notice-state")).to_have_text("公示已结束")
    expect(late.locator("#objection form")).to_have_count(0)
    assert Objection.objects.filter(notice=notice).count() == 1
    # --- 8. dept makes the list final ----------------------------------------------------------------
    dept.goto(f"/pilots/calls/{call.pk}/selection/")
    dept.get_by_test_id("finalise").click()
    expect(messages(dept)).to_contain_text("名单已确定")
    expect(dept.get_by_test_id("call-status")).to_have_text(str(PilotCall.Status.FINAL.label))
    statuses = {code: PilotPlan.objects.get(pk=plan.pk).status for code, plan in plans.items()}
    assert statuses == {
        BAOTOU: PilotPlan.Status.SELECTED,
        CHIFENG: PilotPlan.Status.SELECTED,
        ORDOS: PilotPlan.Status.NOT_SELECTED,
    }, statuses
    # --- 9. the 包头 approval: drafted by dept, approved by dept_leader --------------------------------
    plan = plans[BAOTOU]
    home(dept)
    open_inbox_item(dept, "起草批复", REGION_NAMES[BAOTOU])
    dept.wait_for_url(re.compile(rf"/workflows/plans/{plan.pk}/approval/draft/$"))
    expect(dept.get_by_test_id("requested")).to_have_text(re.compile(r"^30,?000,?000\.00$"))
    for revision in REVISIONS:  # the experts' suggestions, as the approval's revision requests
        expect(dept.locator("textarea[name=revision_requests]")).to_contain_text(revision)
    dept.locator("input[name=approved_amount]").fill(str(APPROVED_AMOUNT))
    dept.locator("textarea[name=conditions]").fill("试点期内每季度报送进展；自治区奖补资金专款专用。")
    dept.get_by_test_id("draft-approval").click()
    dept.wait_for_url(re.compile(rf"/pilots/plans/{plan.pk}/$"))
    expect(messages(dept)).to_contain_text("批复已起草，已送领导审批")

    home(leader)
    open_inbox_item(leader, "审批批复", REGION_NAMES[BAOTOU])
    leader.wait_for_url(re.compile(rf"/workflows/plans/{plan.pk}/approval/approve/$"))
    expect(leader.get_by_test_id("approved-amount")).to_have_text(re.compile(r"^25,?000,?000\.00$"))
    leader.screenshot(path=artifacts_dir / "approval-decide.png", full_page=True)
    leader.get_by_test_id("approve").click()
    leader.wait_for_url(re.compile(rf"/pilots/plans/{plan.pk}/$"), timeout=PDF_TIMEOUT)
    assert "批复文号一经编发不能收回" in dialogs[-1], dialogs[-1]
    number = f"内工信数字〔{today.year}〕1号"
    expect(messages(leader)).to_contain_text(f"已批复，批复文号{number}")
    expect(leader.get_by_test_id("approval-number")).to_have_text(number)
    expect_status(leader, str(PilotPlan.Status.APPROVED.label))
    with leader.expect_download() as download_info:
        leader.get_by_test_id("approval-pdf").click()
    approval_text = pdf_text(download_info.value.path().read_bytes())
    assert number in approval_text and REGION_NAMES[BAOTOU] in approval_text, approval_text[:500]
    leader.reload()
    leader.get_by_test_id("approval-section").screenshot(path=artifacts_dir / "approval-issued.png")
    # --- 10. finance pays the first instalment, once --------------------------------------------------
    finance = sessions("finance")
    open_inbox_item(finance, "拨付试点奖补资金", REGION_NAMES[BAOTOU])
    instalment = Instalment.objects.get(plan=plan, stage=Instalment.Stage.APPROVAL)
    finance.wait_for_url(re.compile(rf"/pilots/instalments/{instalment.pk}/pay/$"))
    expect(finance.get_by_test_id("instalment-amount")).to_have_text(re.compile(r"^10,?000,?000\.00$"))
    expect(finance.locator("input[name=amount]")).to_have_value(re.compile(r"^10000000(\.00)?$"))
    finance.locator("input[name=paid_on]").fill(today.isoformat())
    finance.locator("input[name=amount]").fill(str(FIRST_INSTALMENT))
    finance.locator("input[name=voucher_number]").fill(VOUCHER)
    finance.get_by_test_id("record-payment").click()
    finance.wait_for_url(re.compile(r"/pilots/instalments/$"))
    expect(messages(finance)).to_contain_text("拨付已登记")
    expect(finance.get_by_test_id("payments").locator("tbody tr").filter(has_text=VOUCHER)).to_have_count(1)
    expect(finance.get_by_test_id("due-instalments").locator("tbody tr").filter(has_text=number)).to_have_count(0)
    finance.screenshot(path=artifacts_dir / "instalments-paid.png", full_page=True)
    # Not offered again; the old link is refused.
    finance.goto(f"/pilots/instalments/{instalment.pk}/pay/")
    finance.wait_for_url(re.compile(r"/pilots/instalments/$"))
    expect(messages(finance)).to_contain_text("该期资金当前状态为“已拨付”，不能登记拨付。")
    finance.goto(f"/pilots/plans/{plan.pk}/")
    first_row = finance.get_by_test_id("instalments").locator("tbody tr").first
    expect(first_row).to_contain_text("已拨付")
    expect(first_row).to_contain_text(VOUCHER)
    payment = Payment.objects.get(instalment=instalment)
    assert (payment.amount, payment.voucher_number) == (FIRST_INSTALMENT, VOUCHER)
    assert Instalment.objects.get(pk=instalment.pk).status == Instalment.Status.PAID

    # --- the record ----------------------------------------------------------------------------------
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions >= AUDITED, sorted(AUDITED - actions)
    counts = Counter(AuditEvent.objects.filter(action__startswith="assignment.").values_list("action", flat=True))
    assert counts == {
        "assignment.create": 10,  # 9 suggested + the replacement
        "assignment.decline": 1,
        "assignment.declare": 9,
        "assignment.submit": 9,
    }, counts
    home(dept)
    dept.goto(f"/pilots/plans/{plan.pk}/")
    steps = timeline_steps(dept)
    assert is_subsequence(TIMELINE, steps), steps
    dept.goto(f"/evaluation/plans/{plan.pk}/")
    review_events = dept.locator(".zg-timeline li strong").all_inner_texts()
    for label in ("分配评审专家", "专家申请回避", "专家声明无利益冲突", "提交评审意见"):
        assert label in review_events, (label, review_events)
