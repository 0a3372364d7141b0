"""Rounds managed by the Department officer (services and pages, permission both ways, bad input in
Chinese, the round list at a fixed number of queries) and the Finance Department's inbox items."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import SubsidyApplication, SubsidyPayment, SubsidyRound
from applications.selectors import CHINA, inbox_items, today
from audit.models import AuditEvent
from tests.factories import LeagueCityFactory

from .cases import D, draft, make_world

pytestmark = pytest.mark.django_db
Status = SubsidyApplication.Status


@pytest.fixture
def world(db):
    return make_world()


def china(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


def round_kwargs(world, **overrides) -> dict:
    year = today().year
    kwargs = {
        "policy": world.subsidy_round.policy,
        "year": year,
        "title": f"{year}年制造业智能化改造奖补（第二批）",
        "opens_at": china(f"{year}-01-10T09:00"),
        "closes_at": china(f"{year}-12-20T17:00"),
        "regions": [world.city],
    }
    return kwargs | overrides


def errors_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# Services ---------------------------------------------------------------------------------------------------


def test_create_update_open_close_are_audited(world):
    subsidy_round = services.round_create(actor=world.officer, **round_kwargs(world))
    assert subsidy_round.status == SubsidyRound.Status.DRAFT
    assert subsidy_round.expert_review_threshold == D("1000000")
    assert subsidy_round.notice_working_days == 5
    assert list(subsidy_round.regions.all()) == [world.city]
    subsidy_round = services.round_update(
        actor=world.officer, subsidy_round=subsidy_round, **round_kwargs(world, title="改名后的批次", regions=[])
    )
    assert (subsidy_round.title, list(subsidy_round.regions.all())) == ("改名后的批次", [])
    subsidy_round = services.round_open(actor=world.officer, subsidy_round=subsidy_round)
    assert subsidy_round.status == SubsidyRound.Status.OPEN
    with pytest.raises(ValidationError) as error:
        services.round_update(actor=world.officer, subsidy_round=subsidy_round, **round_kwargs(world))
    assert "只有草稿状态的批次可以修改" in errors_of(error)
    before = subsidy_round.closes_at
    subsidy_round = services.round_close(actor=world.officer, subsidy_round=subsidy_round)
    assert subsidy_round.status == SubsidyRound.Status.CLOSED
    assert subsidy_round.closes_at <= min(before, timezone.now())
    assert not subsidy_round.accepts_on(timezone.now())
    actions = set(
        AuditEvent.objects.filter(target_id=str(subsidy_round.pk), action__startswith="subsidy_round.").values_list(
            "action", flat=True
        )
    )
    assert {"subsidy_round.create", "subsidy_round.update", "subsidy_round.open", "subsidy_round.close"} <= actions


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"closes_at": "opens"}, "截止时间须晚于开始受理时间"),
        ({"title": "  "}, "请填写批次名称"),
        ({"expert_review_threshold": D("-1")}, "专家评审起点金额不能为负数"),
        ({"notice_working_days": 0}, "公示期至少为1个工作日"),
        ({"regions": "county"}, "适用地区只能选择盟市"),
    ],
)
def test_bad_input_is_refused_in_chinese(world, overrides, message):
    kwargs = round_kwargs(world)
    if overrides.get("closes_at") == "opens":
        overrides = {"closes_at": kwargs["opens_at"]}
    if overrides.get("regions") == "county":
        overrides = {"regions": [world.county]}
    with pytest.raises(ValidationError) as error:
        services.round_create(actor=world.officer, **kwargs | overrides)
    assert message in errors_of(error)


def test_the_policy_must_be_valid_during_the_whole_round(world, yangzhou):
    with pytest.raises(ValidationError) as error:
        services.round_create(actor=world.officer, **round_kwargs(world, policy=yangzhou))
    assert "政策有效期" in errors_of(error) and "须覆盖整个受理期" in errors_of(error)
    services.round_create(
        actor=world.officer,
        **round_kwargs(
            world, policy=yangzhou, year=2023, opens_at=china("2023-03-01T09:00"), closes_at=china("2023-04-01T17:00")
        ),
    )
    assert SubsidyRound.objects.filter(policy=yangzhou, year=2023).exists()


@pytest.mark.parametrize("role", ["county_user", "city_user", "enterprise_user", "leader", "finance"])
def test_only_the_officer_manages_rounds_in_services(world, role):
    with pytest.raises(ValidationError) as error:
        services.round_create(actor=getattr(world, role), **round_kwargs(world))
    assert "只有工信厅经办人" in errors_of(error)
    with pytest.raises(ValidationError):
        services.round_close(actor=getattr(world, role), subsidy_round=world.subsidy_round)


def test_open_and_close_check_the_status(world):
    with pytest.raises(ValidationError) as error:
        services.round_open(actor=world.officer, subsidy_round=world.subsidy_round)
    assert "只有草稿状态的批次可以开启受理" in errors_of(error)
    subsidy_round = services.round_create(actor=world.officer, **round_kwargs(world))
    with pytest.raises(ValidationError) as error:
        services.round_close(actor=world.officer, subsidy_round=subsidy_round)
    assert "只有受理中的批次可以截止" in errors_of(error)


# Pages ------------------------------------------------------------------------------------------------------


def form_data(world, **overrides) -> dict:
    year = today().year
    data = {
        "policy": world.subsidy_round.policy.pk,
        "year": year,
        "title": "页面新建的批次",
        "opens_at": f"{year}-01-10T09:00",
        "closes_at": f"{year}-12-20T17:00",
        "regions": [world.city.pk],
        "expert_review_threshold": "1,000,000",
        "notice_working_days": "5",
    }
    return data | overrides


def test_the_officer_creates_a_round_with_china_times_on_the_page(client, world):
    client.force_login(world.officer)
    response = client.get(reverse("applications:round_new"))
    assert response.status_code == 200
    assert 'type="datetime-local"' in response.content.decode()
    assert 'value="1000000"' in response.content.decode() or "1000000" in response.content.decode()
    response = client.post(reverse("applications:round_new"), form_data(world))
    subsidy_round = SubsidyRound.objects.get(title="页面新建的批次")
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:round_detail", args=[subsidy_round.pk])
    assert subsidy_round.opens_at == china(f"{today().year}-01-10T09:00")
    assert subsidy_round.status == SubsidyRound.Status.DRAFT
    response = client.get(reverse("applications:round_edit", args=[subsidy_round.pk]))
    assert f"{today().year}-01-10T09:00" in response.content.decode()
    response = client.post(reverse("applications:round_edit", args=[subsidy_round.pk]), form_data(world, title="改名"))
    assert response.status_code == 302
    subsidy_round.refresh_from_db()
    assert subsidy_round.title == "改名"


def test_bad_input_on_the_page_shows_the_message(client, world):
    client.force_login(world.officer)
    year = today().year
    response = client.post(reverse("applications:round_new"), form_data(world, closes_at=f"{year}-01-01T09:00"))
    assert response.status_code == 400
    assert "截止时间须晚于开始受理时间" in response.content.decode()
    response = client.post(reverse("applications:round_new"), form_data(world, opens_at="明天"))
    assert response.status_code == 400
    assert "请输入有效的日期时间" in response.content.decode()
    assert not SubsidyRound.objects.filter(title="页面新建的批次").exists()


def test_open_and_close_ask_for_confirmation(client, world):
    client.force_login(world.officer)
    subsidy_round = services.round_create(actor=world.officer, **round_kwargs(world))
    url = reverse("applications:round_open", args=[subsidy_round.pk])
    response = client.get(url)
    assert "确定开启受理" in response.content.decode()
    subsidy_round.refresh_from_db()
    assert subsidy_round.status == SubsidyRound.Status.DRAFT
    client.post(url)
    subsidy_round.refresh_from_db()
    assert subsidy_round.status == SubsidyRound.Status.OPEN
    response = client.get(reverse("applications:round_edit", args=[subsidy_round.pk]), follow=True)
    assert "只有草稿状态的批次可以修改" in response.content.decode()
    url = reverse("applications:round_close", args=[subsidy_round.pk])
    assert "确定立即截止" in client.get(url).content.decode()
    client.post(url)
    subsidy_round.refresh_from_db()
    assert subsidy_round.status == SubsidyRound.Status.CLOSED


def test_the_detail_page_counts_applications_by_status(client, world):
    draft(world)
    draft(world, name="另一个项目")
    client.force_login(world.officer)
    response = client.get(reverse("applications:round_detail", args=[world.subsidy_round.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="round-total">2<' in text
    response = client.get(reverse("applications:round_list"))
    assert f'data-testid="round-count-{world.subsidy_round.pk}">2<' in response.content.decode()


@pytest.mark.parametrize("role", ["county_user", "city_user", "enterprise_user", "leader", "finance", "auditor"])
def test_others_get_404_on_the_round_pages(client, world, role):
    client.force_login(getattr(world, role))
    pk = world.subsidy_round.pk
    assert client.get(reverse("applications:round_new")).status_code == 404
    assert client.post(reverse("applications:round_new"), form_data(world)).status_code == 404
    for name in ["round_detail", "round_edit", "round_open", "round_close"]:
        assert client.get(reverse(f"applications:{name}", args=[pk])).status_code == 404
    assert client.post(reverse("applications:round_close", args=[pk])).status_code == 404
    world.subsidy_round.refresh_from_db()
    assert world.subsidy_round.status == SubsidyRound.Status.OPEN
    assert not SubsidyRound.objects.filter(title="页面新建的批次").exists()
    assert "round-new" not in client.get(reverse("applications:round_list")).content.decode()


def test_enterprises_see_the_apply_button_of_open_rounds_only(client, world):
    services.round_create(actor=world.officer, **round_kwargs(world, title="尚未开启的批次"))
    client.force_login(world.enterprise_user)
    text = client.get(reverse("applications:round_list")).content.decode()
    assert reverse("applications:application_new", args=[world.subsidy_round.pk]) in text
    assert text.count("申报</a>") == 1


def round_list_queries(client, user) -> int:
    url = reverse("applications:round_list")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def make_rounds(world, count: int) -> None:
    policy, now = world.subsidy_round.policy, timezone.now()
    rounds = SubsidyRound.objects.bulk_create(
        SubsidyRound(policy=policy, year=today().year, title=f"批次{n}", opens_at=now, closes_at=now + timedelta(1))
        for n in range(count)
    )
    through = SubsidyRound.regions.through
    city = LeagueCityFactory()
    through.objects.bulk_create(through(subsidyround_id=r.pk, region_id=city.pk) for r in rounds)


@pytest.mark.parametrize("role", ["officer", "enterprise_user"])
def test_the_round_list_uses_a_fixed_number_of_queries(client, world, role):
    client.force_login(getattr(world, role))
    draft(world)
    make_rounds(world, 5)
    few = round_list_queries(client, getattr(world, role))
    make_rounds(world, 200)
    assert round_list_queries(client, getattr(world, role)) == few


# The Finance Department's inbox ------------------------------------------------------------------------------


def approved(world, name: str, amount: str, schedule: dict[int, str]) -> SubsidyApplication:
    application = draft(world, name=name)
    SubsidyApplication.objects.filter(pk=application.pk).update(
        status=Status.APPROVED,
        recognised_quote=D(amount),
        recommended_amount=D(amount),
        approved_amount=D(amount),
        approved_on=date(today().year, 1, 5),
    )
    SubsidyPayment.objects.bulk_create(
        SubsidyPayment(application=application, year=year, scheduled_amount=D(value))
        for year, value in schedule.items()
    )
    return application


def test_finance_sees_payments_due_and_awards_waiting_for_contributions(world):
    year = today().year
    approved(world, "已全部安排", "3000000", {year: "2000000", year + 1: "1000000"})
    approved(world, "未全部安排", "3000000", {year: "1000000"})
    paid = approved(world, "已兑付", "500000", {year: "500000"})
    paid.payments.update(paid_amount=D("500000"), paid_on=today(), voucher="V-1")
    inbox_items(world.finance)  # the user's roles and organisation are cached after the first call
    with CaptureQueriesContext(connection) as queries:
        items = inbox_items(world.finance)
    assert len(queries) == 2
    titles = [(item.title, item.subject) for item in items]
    due = [subject for title, subject in titles if title == f"登记{year}年度奖补兑付"]
    assert len(due) == 2 and all("已兑付" not in subject for subject in due)
    assert not any(f"登记{year + 1}年度" in title for title, _ in titles)
    waiting = [subject for title, subject in titles if title == "录入企业地方财政贡献"]
    assert len(waiting) == 1 and "未全部安排" in waiting[0] and "2,000,000.00" in waiting[0]


def test_the_finance_inbox_uses_two_queries_however_many(world):
    year = today().year
    for n in range(3):
        approved(world, f"项目{n}", "3000000", {year: "1000000"})
    inbox_items(world.finance)
    with CaptureQueriesContext(connection) as few:
        inbox_items(world.finance)
    for n in range(30):
        approved(world, f"更多项目{n}", "3000000", {year: "1000000"})
    with CaptureQueriesContext(connection) as many:
        assert len(inbox_items(world.finance)) == 66
    assert len(few) == len(many) == 2


@pytest.mark.parametrize("role", ["enterprise_user", "county_user", "officer"])
def test_others_do_not_get_the_finance_items(world, role):
    approved(world, "未全部安排", "3000000", {today().year: "1000000"})
    assert not any(item.title == "录入企业地方财政贡献" for item in inbox_items(getattr(world, role)))
