"""The later pages: expert conclusion, the round's notice, approval, fiscal contributions and payments;
and the inbox entries of each role."""

from datetime import timedelta

import pytest
from django.urls import reverse

from applications import services
from applications.models import SubsidyApplication, SubsidyPayment, SubsidyRound
from applications.selectors import inbox_items, today
from notices import services as notice_services
from notices.models import PublicNotice

from .cases import D, city_passed, county_passed, make_world, submitted

pytestmark = pytest.mark.django_db
Status = SubsidyApplication.Status


@pytest.fixture
def world(db):
    return make_world()


def login(client, user):
    client.force_login(user)
    return client


def detail(application) -> str:
    return reverse("applications:application_detail", args=[application.pk])


def end_and_finalise(world, notice):
    start = notice.starts_on
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=start - timedelta(days=14), ends_on=start - timedelta(days=7)
    )
    notice.refresh_from_db()
    notice_services.notice_finalise(actor=world.officer, notice=notice)


def test_expert_conclusion_then_notice_then_approval_then_payment_through_the_pages(client, world):
    year = today().year
    application = city_passed(world)
    login(client, world.officer)
    assert "expert-review" in client.get(detail(application)).content.decode()
    client.post(reverse("applications:expert_review", args=[application.pk]), {"passed": "1", "conclusion": "同意推荐"})
    application.refresh_from_db()
    assert application.status == Status.CITY_PASSED

    response = client.post(reverse("applications:round_notice_publish", args=[world.subsidy_round.pk]), follow=True)
    assert "公示已发布" in response.content.decode()
    notice = PublicNotice.objects.get()
    assert notice.entries.get().title == application.project_name
    end_and_finalise(world, notice)
    application.refresh_from_db()
    assert application.status == Status.NOTICE_PASSED

    login(client, world.finance)
    for y, amount in ((year, "2000000"), (year + 1, "1500000")):
        response = client.post(
            reverse("applications:contribution_record", args=[application.pk]), {"year": y, "amount": amount}
        )
        assert response.status_code == 302

    login(client, world.leader)
    response = client.post(
        reverse("applications:approve", args=[application.pk]),
        {"decision": "approve", "amount": "3,120,000", "comment": ""},
        follow=True,
    )
    assert "批准结论已保存" in response.content.decode()
    assert dict(application.payments.values_list("year", "scheduled_amount")) == {
        year: D("2000000"),
        year + 1: D("1120000"),
    }

    login(client, world.finance)
    page = client.get(detail(application)).content.decode()
    assert "payment-schedule" in page and "尚未安排兑付：0.00 元" in page
    response = client.post(
        reverse("applications:payment_record", args=[application.pk, year]),
        {"amount": "2000000", "paid_on": today().isoformat(), "voucher": "CZ-2026-001"},
        follow=True,
    )
    assert "兑付已登记" in response.content.decode()
    assert SubsidyPayment.objects.get(application=application, year=year).paid_amount == D("2000000")


def test_unscheduled_remainder_is_shown(client, world):
    application = city_passed(world, amount="900000")
    end_and_finalise(world, services.round_notice_publish(actor=world.officer, subsidy_round=world.subsidy_round))
    application.refresh_from_db()
    login(client, world.leader).post(
        reverse("applications:approve", args=[application.pk]), {"decision": "approve", "amount": "900000"}
    )
    page = login(client, world.enterprise_user).get(detail(application)).content.decode()
    assert "尚未安排兑付：900,000.00 元" in page


@pytest.mark.parametrize("role", ["enterprise_user", "county_user", "city_user", "leader", "finance"])
def test_only_officers_publish_the_rounds_notice(client, world, role):
    response = login(client, getattr(world, role)).post(
        reverse("applications:round_notice_publish", args=[world.subsidy_round.pk])
    )
    assert response.status_code == 404
    assert SubsidyRound.objects.get().status == SubsidyRound.Status.OPEN


def test_finance_only_records_contributions_and_payments(client, world):
    application = submitted(world)
    for role in ("enterprise_user", "officer", "leader"):
        response = login(client, getattr(world, role)).post(
            reverse("applications:contribution_record", args=[application.pk]), {"year": 2026, "amount": "1"}
        )
        assert response.status_code == 404


def test_round_list_for_every_role(client, world):
    for role in ("enterprise_user", "county_user", "city_user", "officer", "auditor"):
        response = login(client, getattr(world, role)).get(reverse("applications:round_list"))
        assert world.subsidy_round.title in response.content.decode()
    response = login(client, world.officer).get(reverse("applications:round_list"))
    assert "publish-notice" in response.content.decode()
    response = login(client, world.county_user).get(reverse("applications:round_list"))
    assert "publish-notice" not in response.content.decode()


def test_inbox_items_per_role(world):
    submitted_one = submitted(world)
    passed_one = county_passed(world, name="第二个项目", investments=None)
    assert [item.url for item in inbox_items(world.county_user)] == [detail(submitted_one)]
    assert [item.url for item in inbox_items(world.city_user)] == [detail(passed_one)]
    assert inbox_items(world.other_county_user) == []
    assert inbox_items(world.other_city_user) == []
    assert inbox_items(world.auditor) == []
    assert inbox_items(world.enterprise_user) == []
