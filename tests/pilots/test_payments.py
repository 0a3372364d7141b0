"""The subsidy paid in instalments (pilots.services.payments): the Finance Department records each payment
once; amounts never exceed the instalment or the approval; the list of due instalments costs the same
number of queries whatever its length; the plan page shows the schedule."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from pilots import services
from pilots.models import Instalment, Payment, PilotPlan
from pilots.selectors import inbox_items
from pilots.services import approvals, payments
from tests.factories import make_user

from .factories import PilotCallFactory, applicant_of
from .test_selection import finance, leader, officer, selected_plan

TODAY = timezone.localdate


def approved_plan(amount="1000000.01", call=None) -> PilotPlan:
    plan = selected_plan(call=call)
    approval = services.approval_draft(
        actor=officer(), plan=plan, approved_amount=Decimal(amount), conditions="", revision_requests=""
    )
    services.approval_approve(actor=leader(), approval=approval)
    plan.refresh_from_db()
    return plan


def instalment(plan, stage="approval") -> Instalment:
    return Instalment.objects.get(plan=plan, stage=stage)


def pay(item, amount=None, voucher="财付〔2025〕0001号", paid_on=None, actor=None) -> Payment:
    return services.payment_record(
        actor=actor or finance(),
        instalment=item,
        amount=item.amount if amount is None else Decimal(amount),
        paid_on=paid_on or TODAY(),
        voucher_number=voucher,
    )


# --- recording ------------------------------------------------------------------------------------------


def test_a_due_instalment_is_paid_once(db):
    plan = approved_plan()
    first = instalment(plan)
    payment = pay(first)
    first.refresh_from_db()
    assert first.status == Instalment.Status.PAID
    assert (payment.amount, payment.voucher_number) == (Decimal("400000.00"), "财付〔2025〕0001号")
    event = AuditEvent.objects.get(action="plan.payment_record", target_id=str(plan.pk))
    assert event.changes["amount"] == "400000.00"

    with pytest.raises(ValidationError) as error:
        pay(first, voucher="财付〔2025〕0002号")
    assert error.value.messages == ["该期资金已经登记拨付，不能重复登记。"]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("400000.01", "拨付金额（400,000.01元）不能超过本期应拨付金额（400,000.00元）。"),
        ("0", "拨付金额必须大于0元。"),
        ("1.001", "拨付金额最多保留两位小数（精确到分）。"),
    ],
)
def test_a_bad_amount_is_refused(db, amount, message):
    first = instalment(approved_plan())
    with pytest.raises(ValidationError) as error:
        pay(first, amount=amount)
    assert error.value.messages == [message]
    first.refresh_from_db()
    assert first.status == Instalment.Status.DUE


def test_a_part_payment_is_recorded_as_it_was_made(db):
    first = instalment(approved_plan())
    assert pay(first, amount="150000.00").amount == Decimal("150000.00")


def test_an_instalment_not_yet_due_is_not_paid(db):
    midterm = instalment(approved_plan(), "midterm")
    with pytest.raises(ValidationError) as error:
        pay(midterm)
    assert error.value.messages == ["该期资金尚未到拨付条件（中期评价达标后拨付），不能登记拨付。"]


def test_a_voucher_number_is_used_once(db):
    plan = approved_plan()
    pay(instalment(plan), voucher="V-1")
    midterm = services.instalment_make_due(actor=officer(), instalment=instalment(plan, "midterm"))
    with pytest.raises(ValidationError) as error:
        pay(midterm, voucher="V-1")
    assert error.value.messages == ["凭证号“V-1”已经登记过，请核对。"]
    pay(midterm, voucher="V-2")
    assert Payment.objects.count() == 2


def test_dates_in_the_future_or_before_the_approval_are_refused(db):
    first = instalment(approved_plan())
    with pytest.raises(ValidationError) as error:
        pay(first, paid_on=TODAY() + timedelta(days=1))
    assert error.value.messages == ["拨付日期不能晚于今天。"]
    with pytest.raises(ValidationError) as error:
        pay(first, paid_on=TODAY() - timedelta(days=1))
    assert error.value.messages[0].startswith("拨付日期不能早于批复日期")


def test_the_total_paid_never_exceeds_the_approved_amount(db):
    plan = approved_plan("1000.00")
    pay(instalment(plan), voucher="V-1")
    midterm = services.instalment_make_due(actor=officer(), instalment=instalment(plan, "midterm"))
    # an instalment row made larger than the schedule (by hand, in the database) still cannot overpay
    Instalment.objects.filter(pk=midterm.pk).update(amount=Decimal("700.00"))
    midterm.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        pay(midterm, voucher="V-2")
    assert error.value.messages == ["累计拨付金额（1,100.00元）将超过批复金额（1,000.00元）。"]
    assert Payment.objects.aggregate(total=Sum("amount"))["total"] == Decimal("400.00")


def test_only_the_finance_department_records_payments(db):
    first = instalment(approved_plan())
    for role in (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR, Role.COSIGNER):
        with pytest.raises(PermissionDenied):
            pay(first, actor=make_user(role))
    assert not Payment.objects.exists()


# --- pages ----------------------------------------------------------------------------------------------


def test_the_finance_department_pays_from_its_list(db):
    plan = approved_plan()
    first = instalment(plan)
    client = Client()
    client.force_login(finance())
    page = client.get(reverse("pilots:instalments")).content.decode()
    assert plan.title in page and plan.approval.number in page
    url = reverse("pilots:payment_record", kwargs={"pk": first.pk})
    assert f'href="{url}"' in page

    answer = client.post(url, {"amount": "400000.01", "paid_on": TODAY().isoformat(), "voucher_number": "V-9"})
    assert "不能超过本期应拨付金额" in answer.content.decode()
    answer = client.post(url, {"amount": "400000.00", "paid_on": TODAY().isoformat(), "voucher_number": "V-9"})
    assert answer.status_code == 302
    first.refresh_from_db()
    assert first.status == Instalment.Status.PAID
    # a second post (a double click) is turned away with a message
    answer = client.post(url, {"amount": "400000.00", "paid_on": TODAY().isoformat(), "voucher_number": "V-10"})
    assert answer.status_code == 302
    assert Payment.objects.count() == 1


def test_others_read_the_list_but_cannot_pay(db):
    first = instalment(approved_plan())
    url = reverse("pilots:payment_record", kwargs={"pk": first.pk})
    client = Client()
    for role in (Role.DEPARTMENT_OFFICER, Role.AUDITOR):
        client.force_login(make_user(role))
        page = client.get(reverse("pilots:instalments"))
        assert page.status_code == 200
        assert f'href="{url}"' not in page.content.decode()
        assert client.get(url).status_code == 404
        assert (
            client.post(url, {"amount": "1", "paid_on": TODAY().isoformat(), "voucher_number": "X"}).status_code == 404
        )
    client.force_login(applicant_of(first.plan))
    assert client.get(reverse("pilots:instalments")).status_code == 404
    assert not Payment.objects.exists()


def test_the_list_costs_the_same_queries_for_one_row_or_many(db):
    call = PilotCallFactory()
    plan = approved_plan(call=call)
    pay(instalment(plan), voucher="V-0")
    services.instalment_make_due(actor=officer(), instalment=instalment(plan, "midterm"))
    client = Client()
    client.force_login(finance())
    url = reverse("pilots:instalments")
    client.get(url)  # warm the session and the role cache

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        return len(queries), page.content.decode().count('data-testid="pay"')

    small = count()
    for number in range(3):
        other = approved_plan(call=call)
        pay(instalment(other), voucher=f"V-{number + 1}")
        services.instalment_make_due(actor=officer(), instalment=instalment(other, "midterm"))
        services.instalment_make_due(actor=officer(), instalment=instalment(other, "acceptance"))
    large = count()
    assert (small[1], large[1]) == (1, 7)
    assert small[0] == large[0]


def test_the_plan_page_shows_the_approval_and_the_instalments_to_its_bureau(db):
    plan = approved_plan()
    pay(instalment(plan), voucher="财付〔2025〕0001号")
    client = Client()
    client.force_login(applicant_of(plan))
    page = client.get(reverse("pilots:plan_detail", kwargs={"pk": plan.pk})).content.decode()
    assert plan.approval.number in page
    assert "财付〔2025〕0001号" in page
    assert "已拨付" in page and "未到拨付条件" in page


def test_a_draft_approval_is_not_shown_to_the_bureau(db):
    plan = selected_plan()
    services.approval_draft(
        actor=officer(), plan=plan, approved_amount=Decimal("123456.78"), conditions="", revision_requests=""
    )
    client = Client()
    client.force_login(applicant_of(plan))
    page = client.get(reverse("pilots:plan_detail", kwargs={"pk": plan.pk})).content.decode()
    assert 'data-testid="approval-section"' not in page and "123456.78" not in page


def test_the_finance_inbox_lists_due_instalments_until_paid(db, django_assert_max_num_queries):
    plan = approved_plan()
    the_finance = finance()
    with django_assert_max_num_queries(4):  # one query per kind: due instalments, clawbacks to record
        (item,) = inbox_items(the_finance)
    assert item.title == "拨付试点奖补资金"
    assert item.url == reverse("pilots:payment_record", kwargs={"pk": instalment(plan).pk})
    assert "400,000.00元" in item.subject
    pay(instalment(plan))
    assert inbox_items(the_finance) == []


# --- concurrency (PostgreSQL, one connection per thread) ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_clerks_recording_the_same_payment_at_once_make_one_payment(monkeypatch):
    assert connection.vendor == "postgresql"
    monkeypatch.setattr(approvals, "render_approval_pdf_now", lambda approval_id: None)
    first = instalment(approved_plan())
    real = payments._clean_payment_amount

    def slow(value, item):  # inside the lock: the other clerk surely waits for it
        time.sleep(0.3)
        return real(value, item)

    monkeypatch.setattr(payments, "_clean_payment_amount", slow)
    clerks = finance(), finance()
    start = threading.Barrier(2)
    results: list = [None, None]

    def run(index):
        try:
            start.wait(timeout=30)
            results[index] = pay(first, voucher=f"V-{index}", actor=clerks[index])
        except BaseException as error:  # handed back to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    payments_made = [r for r in results if isinstance(r, Payment)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert (len(payments_made), len(refusals)) == (1, 1), results
    assert refusals[0].messages == ["该期资金已经登记拨付，不能重复登记。"]
    assert Payment.objects.count() == 1
    first.refresh_from_db()
    assert first.status == Instalment.Status.PAID
