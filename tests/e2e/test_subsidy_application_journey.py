"""The subsidy application journey of issue 6 in a real browser.

An enterprise tries the calculator (smart retrofit, 25,000,000 → 3,250,000), applies in the open round and
submits; the county bureau recognises 24,000,000 (3,120,000); the city bureau recommends 3,120,000, above
the round's 1,000,000 threshold, so the Department records the expert review; the round's public notice
is published, its period ends and it is finalised; the Department leader approves; the Finance Department
enters two years of fiscal contribution and the payments are scheduled over both years under the cap. A
second application for the same project under another category is flagged. Screenshots in artifacts/.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from applications.models import SubsidyApplication
from applications.selectors import today
from notices import services as notice_services
from notices.models import PublicNotice
from tests.applications.cases import make_world
from tests.evaluation.factories import ExpertProfileFactory
from tests.factories import PASSWORD, ensure_role_groups

from .pages import login, logout, small_pdf

PROJECT = "草原智造装备智能化产线改造项目"


@pytest.fixture
def world(transactional_db):
    ensure_role_groups()
    return make_world()


def shot(page: Page, artifacts_dir, name: str) -> None:
    page.screenshot(path=str(artifacts_dir / f"subsidy-{name}.png"), full_page=True)


def detail(base: str, application: SubsidyApplication) -> str:
    return f"{base}/applications/list/{application.pk}/"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_subsidy_application_journey(page: Page, live_server, world, tmp_path, artifacts_dir):
    base = live_server.url
    year = today().year

    # --- 1. the enterprise tries the calculator --------------------------------------------------------
    login(page, base, world.enterprise_user.username, PASSWORD)
    page.goto(f"{base}/applications/calculator/")
    page.locator("select[name=category]").select_option(label="智能化改造")
    page.get_by_test_id("category-chooser").locator("button[type=submit]").click()
    page.locator("input[name=investment]").fill("25,000,000")
    page.get_by_test_id("quote-submit").click()
    expect(page.get_by_test_id("quote-amount")).to_have_text("3,250,000.00")
    shot(page, artifacts_dir, "01-calculator")

    # --- 2. applies in the open round and submits ------------------------------------------------------
    page.goto(f"{base}/applications/list/")
    page.get_by_test_id(f"apply-{world.subsidy_round.pk}").click()
    page.locator("select[name=category]").select_option(label="智能化改造")
    page.get_by_test_id("category-chooser").locator("button[type=submit]").click()
    form = page.get_by_test_id("application-form")
    form.locator("input[name=project_name]").fill(PROJECT)
    form.locator("input[name=period_from]").fill(f"{year}-01-01")
    form.locator("input[name=period_to]").fill(f"{year}-12-31")
    form.locator("input[name=facts-investment]").fill("25000000")
    for row, (kind, text, amount, invoice) in enumerate(
        [
            ("equipment", "工业机器人及产线", "20000000", "FP-2026-001"),
            ("software", "MES 系统", "5000000", "FP-2026-002"),
        ]
    ):
        form.locator(f"select[name=inv-{row}-kind]").select_option(kind)
        form.locator(f"input[name=inv-{row}-description]").fill(text)
        form.locator(f"input[name=inv-{row}-amount]").fill(amount)
        form.locator(f"input[name=inv-{row}-invoice_number]").fill(invoice)
    shot(page, artifacts_dir, "02-application-form")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("quote-amount")).to_contain_text("3,250,000.00")
    evidence = tmp_path / "发票.pdf"
    evidence.write_bytes(small_pdf("发票"))
    page.locator("input[name=file]").set_input_files(str(evidence))
    page.get_by_test_id("upload-evidence").click()
    expect(page.get_by_test_id("evidence-list")).to_contain_text("发票.pdf")
    page.get_by_test_id("submit-application").click()
    expect(page.get_by_test_id("application-status")).to_have_text("待旗县区初审")
    application = SubsidyApplication.objects.get(project_name=PROJECT)
    shot(page, artifacts_dir, "03-submitted")

    # --- 3. a second application for the same project under another category is flagged ---------------
    page.goto(f"{base}/applications/rounds/{world.subsidy_round.pk}/apply/")
    page.locator("select[name=category]").select_option(label="工业互联网建设")
    page.get_by_test_id("category-chooser").locator("button[type=submit]").click()
    form = page.get_by_test_id("application-form")
    form.locator("input[name=project_name]").fill(PROJECT)
    form.locator("input[name=period_from]").fill(f"{year}-01-01")
    form.locator("input[name=period_to]").fill(f"{year}-12-31")
    form.locator("input[name=facts-platform_investment]").fill("10000000")
    form.locator("select[name=facts-recognition]").select_option("provincial")
    page.get_by_test_id("submit-application").click()
    expect(page.get_by_test_id("stacking-warning")).to_contain_text(f"编号 {application.pk}")
    shot(page, artifacts_dir, "04-stacking-flag")
    logout(page, base)

    # --- 4. the county bureau recognises 24,000,000 ----------------------------------------------------
    login(page, base, world.county_user.username, PASSWORD)
    page.goto(detail(base, application))
    review = page.get_by_test_id("county-review")
    review.locator("input[name=recognised-investment]").fill("24,000,000")
    review.locator("input[name=decision][value=pass]").check()
    review.locator("textarea[name=reasons]").fill("发票 FP-2026-001 中 1,000,000 元为厂房装修，不属智能制造投资。")
    page.get_by_test_id("county-review-submit").click()
    expect(page.get_by_test_id("recognised-quote")).to_have_text("3,120,000.00")
    shot(page, artifacts_dir, "05-county-review")
    logout(page, base)

    # --- 5. the city bureau recommends it ----------------------------------------------------------------
    login(page, base, world.city_user.username, PASSWORD)
    page.goto(detail(base, application))
    review = page.get_by_test_id("city-review")
    review.locator("input[name=decision][value=pass]").check()
    review.locator("input[name=recommended_amount]").fill("3,120,000")
    page.get_by_test_id("city-review-submit").click()
    expect(page.get_by_test_id("application-status")).to_have_text("专家评审中")
    shot(page, artifacts_dir, "06-city-review")
    logout(page, base)

    # --- 6. expert review, then the round's public notice ----------------------------------------------
    expert = ExpertProfileFactory(full_name="王评审")
    ExpertProfileFactory(full_name="李本地", home_region=world.county)  # screened out: same city
    login(page, base, world.officer.username, PASSWORD)
    page.goto(detail(base, application))
    expect(page.get_by_test_id("expert-assign")).to_contain_text("李本地")  # listed as 须回避, with why
    page.get_by_test_id("expert-assign").locator("select[name=expert]").select_option(label="王评审")
    page.get_by_test_id("expert-assign-submit").click()
    expect(page.get_by_test_id("expert-reviews")).to_contain_text("王评审")
    logout(page, base)
    login(page, base, expert.user.username, PASSWORD)
    page.goto(detail(base, application))
    opinion = page.get_by_test_id("expert-opinion")
    opinion.locator("input[name=no_conflict]").check()
    opinion.locator("input[name=recommend][value='1']").check()
    opinion.locator("textarea[name=comment]").fill("投资真实，改造效果明显，同意推荐。")
    page.get_by_test_id("expert-opinion-submit").click()
    expect(page.get_by_test_id("expert-reviews")).to_contain_text("同意推荐")
    shot(page, artifacts_dir, "07a-expert-opinion")
    logout(page, base)
    login(page, base, world.officer.username, PASSWORD)
    page.goto(detail(base, application))
    review = page.get_by_test_id("expert-review")
    review.locator("input[name=passed][value='1']").check()
    review.locator("textarea[name=conclusion]").fill("专家组评审通过，同意推荐。")
    page.get_by_test_id("expert-review-submit").click()
    expect(page.get_by_test_id("application-status")).to_have_text("盟市审核通过")
    page.goto(f"{base}/applications/rounds/")
    page.get_by_test_id(f"publish-notice-{world.subsidy_round.pk}").click()
    expect(page.locator(".zg-messages")).to_contain_text("公示已发布")
    shot(page, artifacts_dir, "07-notice-published")
    # The notice's working days go by; the Department fixes the result (the finalise hook moves the case).
    notice = PublicNotice.objects.get()
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=notice.starts_on - timedelta(days=14), ends_on=notice.starts_on - timedelta(days=7)
    )
    notice.refresh_from_db()
    notice_services.notice_finalise(actor=world.officer, notice=notice)
    logout(page, base)

    # --- 7. the Department leader approves ---------------------------------------------------------------
    login(page, base, world.leader.username, PASSWORD)
    page.goto(detail(base, application))
    approval = page.get_by_test_id("approval")
    approval.locator("input[name=decision][value=approve]").check()
    approval.locator("input[name=amount]").fill("3120000")
    page.get_by_test_id("approval-submit").click()
    expect(page.get_by_test_id("approved-amount")).to_have_text("3,120,000.00")
    shot(page, artifacts_dir, "08-approved")
    logout(page, base)

    # --- 8. the Finance Department enters two years of contribution; the schedule follows the cap -----
    login(page, base, world.finance.username, PASSWORD)
    page.goto(detail(base, application))
    for y, amount in ((year, "2000000"), (year + 1, "1500000")):
        section = page.get_by_test_id("payment-schedule")
        section.locator("input[name=year]").fill(str(y))
        section.locator("input[name=amount]").last.fill(amount)
        page.get_by_test_id("contribution-submit").click()
        expect(page.locator(".zg-messages")).to_contain_text("地方财政贡献已录入")
    expect(page.get_by_test_id(f"payment-{year}")).to_contain_text("2,000,000.00")
    expect(page.get_by_test_id(f"payment-{year + 1}")).to_contain_text("1,120,000.00")
    expect(page.get_by_test_id("unscheduled")).to_contain_text("0.00")
    shot(page, artifacts_dir, "09-payment-schedule")
    assert dict(application.payments.values_list("year", "scheduled_amount")) == {year: 2000000, year + 1: 1120000}
