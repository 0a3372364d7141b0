"""Clawback and acceptance (pilots.services.clawbacks, pilots.services.acceptance) and the money invariants:

- a clawback takes at most what was paid less what was already clawed back;
- the total paid never exceeds the approved amount, nor (for any payment after a clawback) the approved amount
  less every decided clawback; instalments not yet paid are cancelled by a clawback;
- both hold when payments and clawbacks of one pilot are recorded at the same moment (PostgreSQL, threads).

The pilot of these tests: approved 1,000,000.00 yuan in instalments of 400,000 / 300,000 / 300,000."""

import threading
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
from evaluation.models import Evaluation
from pilots import services
from pilots.models import Acceptance, Clawback, Instalment, Payment, PilotPlan
from pilots.selectors import inbox_items
from pilots.selectors_money import plan_money
from pilots.services import approvals, clawbacks, payments
from tests.evaluation.factories import evaluated, evaluation_pilot, rectify
from tests.factories import make_user

from .factories import PilotCallFactory, applicant_of, make_applicant
from .test_payments import instalment, pay
from .test_selection import finance, leader, officer

TODAY = timezone.localdate
Phase = PilotPlan.Phase


def failed_pilot(call=None, *, paid: bool = True) -> PilotPlan:
    """An approved pilot whose first instalment (400,000.00) is paid and whose mid-term evaluation was still
    not met after rectification: it waits for the leader's clawback decision."""
    plan = evaluation_pilot(call=call)
    if paid:
        pay(instalment(plan), voucher=f"P-{plan.pk}-1")
    evaluation = evaluated(plan, "midterm", {1: "1"})
    rectify(evaluation, {1: "2"}, confirm=True)
    plan.refresh_from_db()
    return plan


def claw(plan, amount="400000.00", actor=None, reason="整改后仍未达标。") -> Clawback:
    return services.clawback_decide(actor=actor or leader(), plan=plan, amount=Decimal(amount), reason=reason)


def recover(clawback, voucher="收〔2026〕1号", recovered_on=None, actor=None) -> Clawback:
    return services.clawback_record(
        actor=actor or finance(), clawback=clawback, recovered_on=recovered_on or TODAY(), voucher_number=voucher
    )


def status(item: Instalment) -> str:
    item.refresh_from_db()
    return item.status


# --- deciding -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_leader_claws_back_at_most_what_was_paid_and_the_rest_is_not_paid():
    plan = failed_pilot()
    assert plan.phase == Phase.MIDTERM_RECTIFYING
    with pytest.raises(ValidationError) as error:
        claw(plan, "400000.01")
    assert error.value.messages == [
        "收回金额（400,000.01元）不能超过已拨付金额减去已决定收回金额（400,000.00 − 0.00 = 400,000.00元）。"
    ]
    clawback = claw(plan, "250000.00")
    evaluation = Evaluation.objects.get(plan=plan)
    assert (clawback.amount, clawback.status, clawback.evaluation_id) == (
        Decimal("250000.00"),
        Clawback.Status.DECIDED,
        evaluation.pk,
    )
    plan.refresh_from_db()
    assert plan.phase == Phase.CLAWED_BACK
    assert {i.stage: i.status for i in Instalment.objects.filter(plan=plan)} == {
        "approval": Instalment.Status.PAID,
        "midterm": Instalment.Status.CANCELLED,
        "acceptance": Instalment.Status.CANCELLED,
    }
    event = AuditEvent.objects.get(action="plan.clawback_decide", target_id=str(plan.pk))
    assert event.changes["paid"] == "400000.00" and event.changes["amount"] == "250000.00"
    # a further clawback takes at most what is left
    with pytest.raises(ValidationError) as error:
        claw(plan, "150000.01")
    assert error.value.messages[0].endswith("（400,000.00 − 250,000.00 = 150,000.00元）。")
    claw(plan, "150000.00")
    with pytest.raises(ValidationError) as error:
        claw(plan, "0.01")
    assert error.value.messages == ["该试点已拨付400,000.00元，已决定收回400,000.00元，没有可再收回的资金。"]
    money = plan_money(plan)
    assert (money.approved, money.paid, money.clawed_back, money.max_clawback, money.remaining) == (
        Decimal("1000000.00"),
        Decimal("400000.00"),
        Decimal("400000.00"),
        Decimal("0.00"),
        Decimal("200000.00"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("0", "理由", "收回金额必须大于0元。"),
        ("1.001", "理由", "收回金额最多保留两位小数（精确到分）。"),
        ("abc", "理由", "请输入正确的收回金额（元）。"),
        ("100", "  ", "请写明收回理由。"),
    ],
)
def test_bad_input_is_refused_with_a_message(amount, reason, message):
    plan = failed_pilot()
    with pytest.raises(ValidationError) as error:
        services.clawback_decide(actor=leader(), plan=plan, amount=amount, reason=reason)
    assert error.value.messages == [message]
    assert not Clawback.objects.exists()


@pytest.mark.django_db
def test_only_a_pilot_still_not_met_after_rectification_is_clawed_back():
    plan = evaluation_pilot()
    pay(instalment(plan))
    with pytest.raises(ValidationError) as error:
        claw(plan)
    assert error.value.messages == ["只有整改后经评价仍未达标的试点才能收回专项资金（当前阶段：实施中）。"]
    evaluation = evaluated(plan, "midterm", {1: "1"})  # round 1 not met: rectification first
    with pytest.raises(ValidationError):
        claw(plan)
    rectify(evaluation, {1: "1"}, confirm=None)  # round 2 proposed, not yet confirmed
    with pytest.raises(ValidationError):
        claw(plan)
    assert not Clawback.objects.exists()


@pytest.mark.django_db
def test_only_the_leader_decides_and_only_the_finance_department_records():
    plan = failed_pilot()
    for role in (Role.DEPARTMENT_OFFICER, Role.FINANCE_DEPARTMENT, Role.AUDITOR, Role.APPLICANT):
        with pytest.raises(PermissionDenied):
            claw(plan, actor=make_user(role))
    clawback = claw(plan)
    for role in (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR, Role.COSIGNER):
        with pytest.raises(PermissionDenied):
            recover(clawback, actor=make_user(role))
    clawback.refresh_from_db()
    assert clawback.status == Clawback.Status.DECIDED


# --- recording the recovery -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_finance_department_records_the_recovery_once():
    plan = failed_pilot()
    clawback = claw(plan)
    with pytest.raises(ValidationError) as error:
        recover(clawback, recovered_on=TODAY() + timedelta(days=1))
    assert error.value.messages == ["收回日期不能晚于今天。"]
    with pytest.raises(ValidationError) as error:
        recover(clawback, recovered_on=TODAY() - timedelta(days=1))
    assert error.value.messages == [f"收回日期不能早于决定收回的日期（{TODAY().isoformat()}）。"]
    with pytest.raises(ValidationError) as error:
        recover(clawback, voucher=" ")
    assert error.value.messages == ["请填写收回凭证号。"]
    recover(clawback, voucher="收-1")
    clawback.refresh_from_db()
    assert (clawback.status, clawback.voucher_number, clawback.recovered_on) == (
        Clawback.Status.RECOVERED,
        "收-1",
        TODAY(),
    )
    with pytest.raises(ValidationError) as error:
        recover(clawback, voucher="收-2")
    assert error.value.messages == ["该笔收回资金已经登记，不能重复登记。"]
    assert plan_money(plan).recovered == Decimal("400000.00")


@pytest.mark.django_db
def test_a_recovery_voucher_is_used_once():
    first = claw(failed_pilot(), "100.00")
    second = claw(failed_pilot(), "100.00")
    recover(first, voucher="收-9")
    with pytest.raises(ValidationError) as error:
        recover(second, voucher="收-9")
    assert error.value.messages == ["收回凭证号“收-9”已经登记过，请核对。"]


# --- payments after a clawback ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cancelled_instalment_is_not_paid():
    plan = failed_pilot()
    claw(plan, "100000.00")
    with pytest.raises(ValidationError) as error:
        pay(instalment(plan, "midterm"), voucher="P-late")
    assert error.value.messages == ["该试点已决定收回专项资金，该期资金不再拨付。"]


@pytest.mark.django_db
def test_a_payment_never_goes_past_approved_less_clawed_back():
    plan = failed_pilot()
    claw(plan, "400000.00")
    # an instalment put back to due by hand in the database is still refused by the money check
    Instalment.objects.filter(plan=plan, stage="midterm").update(status=Instalment.Status.DUE)
    with pytest.raises(ValidationError) as error:
        pay(instalment(plan, "midterm"), voucher="P-hand")
    assert error.value.messages == [
        "累计拨付金额（700,000.00元）将超过批复金额减去已决定收回的金额（1,000,000.00 − 400,000.00元）。"
    ]
    assert Payment.objects.filter(instalment__plan=plan).count() == 1


@pytest.mark.django_db
def test_the_first_instalment_cannot_be_clawed_back_before_it_is_paid():
    plan = failed_pilot(paid=False)
    with pytest.raises(ValidationError) as error:
        claw(plan, "1.00")
    assert error.value.messages == ["该试点已拨付0.00元，已决定收回0.00元，没有可再收回的资金。"]


# --- acceptance -----------------------------------------------------------------------------------------------------


def accepted_ready(call=None) -> PilotPlan:
    plan = evaluation_pilot(call=call)
    evaluated(plan, "midterm")
    evaluated(plan, "final")
    plan.refresh_from_db()
    return plan


@pytest.mark.django_db
def test_the_officer_accepts_a_pilot_after_the_final_evaluation_and_the_last_instalment_is_due():
    plan = evaluation_pilot()
    with pytest.raises(ValidationError) as error:
        services.acceptance_record(actor=officer(), plan=plan, summary="通过。", lessons="经验。")
    assert error.value.messages == ["试点当前阶段为“实施中”，期后绩效评价达标后才能验收。"]
    evaluated(plan, "midterm")
    evaluated(plan, "final")
    plan.refresh_from_db()
    assert plan.phase == Phase.AWAITING_ACCEPTANCE
    with pytest.raises(ValidationError) as error:
        services.acceptance_record(actor=officer(), plan=plan, summary=" ", lessons="")
    assert error.value.messages == ["请填写验收意见。", "请填写可复制推广的经验总结。"]
    with pytest.raises(PermissionDenied):
        services.acceptance_record(actor=leader(), plan=plan, summary="通过。", lessons="经验。")
    acceptance = services.acceptance_record(
        actor=officer(), plan=plan, summary="各项目标全部完成，同意通过验收。", lessons="链主企业带动中小企业上云。"
    )
    plan.refresh_from_db()
    assert plan.phase == Phase.COMPLETED
    assert acceptance.lessons == "链主企业带动中小企业上云。"
    assert status(instalment(plan, "acceptance")) == Instalment.Status.DUE
    with pytest.raises(ValidationError) as error:
        services.acceptance_record(actor=officer(), plan=plan, summary="再次。", lessons="再次。")
    assert error.value.messages == ["该试点已经验收，不能重复验收。"]
    assert Acceptance.objects.count() == 1


@pytest.mark.django_db
def test_a_completed_pilot_is_paid_in_full_and_never_more():
    plan = accepted_ready()
    services.acceptance_record(actor=officer(), plan=plan, summary="通过。", lessons="经验。")
    for number, stage in enumerate(("approval", "midterm", "acceptance")):
        pay(instalment(plan, stage), voucher=f"V-{number}")
    money = plan_money(plan)
    assert (money.paid, money.remaining) == (Decimal("1000000.00"), Decimal("0.00"))


# --- pages ----------------------------------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_clawback_and_recovery_through_the_pages():
    plan = failed_pilot()
    url = reverse("pilots:clawback_decide", args=[plan.pk])
    boss = client_for(leader())
    page = boss.get(url).content.decode()
    assert 'data-testid="maximum"><strong>400,000.00' in page
    answer = boss.post(url, {"amount": "400000.01", "reason": "整改后仍未达标。"})
    body = answer.content.decode()
    assert "不能超过已拨付金额减去已决定收回金额" in body and "整改后仍未达标。" in body
    answer = boss.post(url, {"amount": "300000.00", "reason": "整改后仍未达标。"})
    assert answer.status_code == 302
    clawback = Clawback.objects.get(plan=plan)

    clerk = finance()
    (item,) = [item for item in inbox_items(clerk) if item.title == "登记收回专项资金"]
    record_url = reverse("pilots:clawback_record", args=[clawback.pk])
    assert item.url == record_url and "300,000.00元" in item.subject
    teller = client_for(clerk)
    assert f'href="{record_url}"' in teller.get(reverse("pilots:clawbacks")).content.decode()
    answer = teller.post(record_url, {"recovered_on": TODAY().isoformat(), "voucher_number": ""})
    assert answer.status_code == 200
    answer = teller.post(record_url, {"recovered_on": TODAY().isoformat(), "voucher_number": "收-7"})
    assert answer.status_code == 302
    clawback.refresh_from_db()
    assert clawback.status == Clawback.Status.RECOVERED
    assert [item for item in inbox_items(clerk) if item.title == "登记收回专项资金"] == []
    assert "收-7" in teller.get(reverse("pilots:clawbacks")).content.decode()


@pytest.mark.django_db
def test_who_may_open_the_money_pages():
    plan = failed_pilot()
    decide_url = reverse("pilots:clawback_decide", args=[plan.pk])
    for user in (officer(), finance(), make_user(Role.AUDITOR), applicant_of(plan), make_applicant()):
        assert client_for(user).get(decide_url).status_code == 404, user
        assert client_for(user).post(decide_url, {"amount": "1", "reason": "x"}).status_code == 404
    clawback = claw(plan)
    record_url = reverse("pilots:clawback_record", args=[clawback.pk])
    for user in (officer(), leader(), make_user(Role.AUDITOR), applicant_of(plan)):
        assert client_for(user).get(record_url).status_code == 404
    # the auditor and the Department read the queue; the bureaus do not
    assert client_for(make_user(Role.AUDITOR)).get(reverse("pilots:clawbacks")).status_code == 200
    assert (
        'data-testid="record"'
        not in client_for(make_user(Role.AUDITOR)).get(reverse("pilots:clawbacks")).content.decode()
    )
    assert client_for(applicant_of(plan)).get(reverse("pilots:clawbacks")).status_code == 404
    # a pilot not waiting for a clawback has no clawback form
    assert client_for(leader()).get(reverse("pilots:clawback_decide", args=[evaluation_pilot().pk])).status_code == 404


@pytest.mark.django_db
def test_the_acceptance_form():
    plan = accepted_ready()
    url = reverse("pilots:acceptance_record", args=[plan.pk])
    assert client_for(leader()).get(url).status_code == 404
    assert client_for(applicant_of(plan)).get(url).status_code == 404
    staff = client_for(officer())
    answer = staff.post(url, {"summary": "同意通过验收。", "lessons": ""})
    assert answer.status_code == 200 and "同意通过验收。" in answer.content.decode()
    answer = staff.post(url, {"summary": "同意通过验收。", "lessons": "以链带面，整体推进。"})
    assert answer.status_code == 302
    plan.refresh_from_db()
    assert plan.phase == Phase.COMPLETED
    assert staff.get(url).status_code == 404


@pytest.mark.django_db
def test_the_recovery_queue_costs_the_same_queries_for_one_row_or_many():
    call = PilotCallFactory()
    claw(failed_pilot(call), "1000.00")
    teller = client_for(finance())
    url = reverse("pilots:clawbacks")
    teller.get(url)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            page = teller.get(url)
        return len(queries), page.content.decode().count('data-testid="record"')

    small = count()
    for number in range(2):
        recover(claw(failed_pilot(call), "1000.00"), voucher=f"收-{number}")
        claw(failed_pilot(call), "2000.00")
    large = count()
    assert (small[1], large[1]) == (1, 3)
    assert small[0] == large[0]


@pytest.mark.django_db
def test_money_of_many_pilots_in_one_query(django_assert_num_queries):
    from pilots.selectors_money import money_of, with_money

    call = PilotCallFactory()
    plans = [failed_pilot(call) for _ in range(2)]
    claw(plans[0], "100.00")
    with django_assert_num_queries(1):
        money = {plan.pk: money_of(plan) for plan in with_money(PilotPlan.objects.filter(call=call))}
    assert money[plans[0].pk].clawed_back == Decimal("100.00")
    assert money[plans[1].pk].max_clawback == Decimal("400000.00")


# --- concurrency (PostgreSQL, one connection per thread) --------------------------------------------------------------


def waiting_backends() -> int:
    """How many other connections wait for a lock right now (pg_locks is live, not a snapshot)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


def hold_first(monkeypatch, module, name, *, until_waiting: int):
    """Wrap ``module.name`` (called inside its service's locks): the first call holds its locks until
    ``until_waiting`` other connections wait for a lock, so the others surely queue behind it. Later calls
    pass straight through. Returns an event set when the first call is holding."""
    original = getattr(module, name)
    holding = threading.Event()
    first = threading.Lock()

    def held(*args, **kwargs):
        if first.acquire(blocking=False):
            holding.set()
            deadline = timezone.now() + timedelta(seconds=30)
            while waiting_backends() < until_waiting:
                assert timezone.now() < deadline, "the other requests never queued behind the lock"
                threading.Event().wait(0.01)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    return holding


def in_threads(*actions, after=None):
    """Run each action in its own thread and connection; ``after`` (an event): start the second and later
    actions only once it is set. Returns each result or the exception raised."""
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            results[index] = action()
        except BaseException as error:  # handed back to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    threads[0].start()
    if after is not None:
        assert after.wait(timeout=30), "the first request never took its lock"
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs (a deadlock?)"
    return results


@pytest.fixture
def concurrent(monkeypatch):
    assert connection.vendor == "postgresql", "concurrency is only meaningful on PostgreSQL"
    monkeypatch.setattr(approvals, "render_approval_pdf_now", lambda approval_id: None)
    from evaluation import tasks

    if hasattr(tasks, "render_evaluation_pdf"):
        monkeypatch.setattr(tasks.render_evaluation_pdf, "delay", lambda evaluation_id: None)


def two_due_instalments() -> PilotPlan:
    """A failed pilot (first instalment paid) whose other two instalments were made due anyway: the worst case
    for the invariant, with 600,000.00 payable at the moment of the clawback."""
    plan = failed_pilot()
    for stage in ("midterm", "acceptance"):
        services.instalment_make_due(actor=officer(), instalment=instalment(plan, stage))
    return plan


def assert_money_invariants(plan):
    paid = Payment.objects.filter(instalment__plan=plan).aggregate(total=Sum("amount"))["total"]
    clawbacks = list(Clawback.objects.filter(plan=plan).order_by("decided_at"))
    assert paid <= plan.approval.approved_amount
    for clawback in clawbacks:
        paid_before = Payment.objects.filter(instalment__plan=plan, recorded_at__lt=clawback.decided_at).aggregate(
            total=Sum("amount")
        )["total"]
        clawed_before = sum((c.amount for c in clawbacks if c.decided_at <= clawback.decided_at), Decimal(0))
        assert clawed_before <= paid_before  # never clawed back more than was paid
    if clawbacks:  # nothing is paid once a clawback is decided
        assert not Payment.objects.filter(instalment__plan=plan, recorded_at__gt=clawbacks[0].decided_at).exists()


@pytest.mark.django_db(transaction=True)
def test_a_clawback_first_stops_two_payments_waiting_behind_it(concurrent, monkeypatch):
    plan = two_due_instalments()
    holding = hold_first(monkeypatch, clawbacks, "clean_clawback_amount", until_waiting=2)
    clerks, boss = (finance(), finance()), leader()
    results = in_threads(
        lambda: claw(plan, "400000.00", actor=boss),
        lambda: pay(instalment(plan, "midterm"), voucher="P-m", actor=clerks[0]),
        lambda: pay(instalment(plan, "acceptance"), voucher="P-a", actor=clerks[1]),
        after=holding,
    )
    assert isinstance(results[0], Clawback), results
    assert [r.messages for r in results[1:]] == [["该试点已决定收回专项资金，该期资金不再拨付。"]] * 2, results
    plan.refresh_from_db()
    assert plan.phase == Phase.CLAWED_BACK
    assert Payment.objects.filter(instalment__plan=plan).count() == 1
    assert_money_invariants(plan)


@pytest.mark.django_db(transaction=True)
def test_payments_first_are_seen_by_the_clawback_waiting_behind_them(concurrent, monkeypatch):
    plan = two_due_instalments()
    holding = hold_first(monkeypatch, payments, "_clean_payment_amount", until_waiting=2)
    clerks, boss = (finance(), finance()), leader()
    results = in_threads(
        lambda: pay(instalment(plan, "midterm"), voucher="P-m", actor=clerks[0]),
        lambda: pay(instalment(plan, "acceptance"), voucher="P-a", actor=clerks[1]),
        lambda: claw(plan, "1000000.00", actor=boss),  # the whole approved amount, if both are paid first
        after=holding,
    )
    assert isinstance(results[0], Payment), results
    paid = Payment.objects.filter(instalment__plan=plan).aggregate(total=Sum("amount"))["total"]
    if isinstance(results[2], Clawback):
        # both payments got in before the clawback: it saw all 1,000,000.00 paid
        assert isinstance(results[1], Payment) and paid == Decimal("1000000.00"), results
    else:
        # the clawback came between the payments: it saw 700,000.00 paid and refused 1,000,000.00; the second
        # payment may then go in
        assert results[2].messages[0].startswith("收回金额（1,000,000.00元）不能超过已拨付金额"), results
    assert_money_invariants(plan)


@pytest.mark.django_db(transaction=True)
def test_two_leaders_clawing_back_at_once_never_take_more_than_was_paid(concurrent, monkeypatch):
    plan = failed_pilot()
    holding = hold_first(monkeypatch, clawbacks, "clean_clawback_amount", until_waiting=1)
    leaders = leader(), leader()
    results = in_threads(
        lambda: claw(plan, "300000.00", actor=leaders[0]),
        lambda: claw(plan, "300000.00", actor=leaders[1]),
        after=holding,
    )
    assert isinstance(results[0], Clawback), results
    assert isinstance(results[1], ValidationError), results
    assert results[1].messages == [
        "收回金额（300,000.00元）不能超过已拨付金额减去已决定收回金额（400,000.00 − 300,000.00 = 100,000.00元）。"
    ]
    assert Clawback.objects.filter(plan=plan).aggregate(total=Sum("amount"))["total"] == Decimal("300000.00")
    assert_money_invariants(plan)
