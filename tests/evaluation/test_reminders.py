"""Reminders of reports that are due (evaluation.services.report_schedule): the league/city's applicant
users get an e-mail 14 days and 3 days before a report is due, each once per report; submitted reports,
overdue ones and ended pilots get none. The overdue flag of the selectors. The daily job (Celery beat and
``manage.py send_report_reminders``)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from evaluation.models import Report
from evaluation.selectors.reports import is_overdue, report_list, with_overdue
from evaluation.services import report_schedule
from evaluation.services import reports as services
from evaluation.tasks import send_report_reminders_task
from pilots.models import PilotPlan
from tests.factories import make_user
from tests.pilots.factories import make_applicant

from .report_factories import bureau, evaluation_with_report, fill, first_self_assessment, monitored_plan

TODAY = timezone.localdate


@pytest.fixture
def plan(db):
    return monitored_plan()


def due_in(report: Report, days: int) -> Report:
    Report.objects.filter(pk=report.pk).update(due_on=TODAY() + timedelta(days=days))
    report.refresh_from_db()
    return report


def send(today=None, *, capture):
    with capture(execute=True):
        return report_schedule.report_reminders_send(today=today)


def test_the_14_day_reminder_is_sent_once(plan, django_capture_on_commit_callbacks):
    report = due_in(first_self_assessment(plan), 14)
    colleague = make_applicant(plan.region)  # every applicant user of the league/city is told
    colleague.email = "colleague@example.test"
    colleague.save(update_fields=["email"])
    mail.outbox.clear()
    (reminder,) = send(capture=django_capture_on_commit_callbacks)
    assert (reminder.report_id, reminder.days) == (report.pk, 14)
    (message,) = mail.outbox
    assert sorted(message.to) == sorted([bureau(plan).email, "colleague@example.test"])
    assert "年度绩效自评" in message.subject and "还有14天" in message.subject
    assert plan.title in message.body
    report.refresh_from_db()
    assert report.reminded_14_on == TODAY() and report.reminded_3_on is None
    assert AuditEvent.objects.filter(action="report.remind", target_id=str(report.pk)).count() == 1
    # a second run (the same day, or the days after while more than 3 days are left) sends nothing
    assert send(capture=django_capture_on_commit_callbacks) == []
    assert send(TODAY() + timedelta(days=5), capture=django_capture_on_commit_callbacks) == []
    assert len(mail.outbox) == 1


def test_the_3_day_reminder_follows_and_is_sent_once(plan, django_capture_on_commit_callbacks):
    report = due_in(first_self_assessment(plan), 14)
    send(capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()
    three_days_before = report.due_on - timedelta(days=3)
    assert send(three_days_before - timedelta(days=1), capture=django_capture_on_commit_callbacks) == []
    (reminder,) = send(three_days_before, capture=django_capture_on_commit_callbacks)
    assert reminder.days == 3
    assert "还有3天" in mail.outbox[0].subject
    assert send(three_days_before, capture=django_capture_on_commit_callbacks) == []
    assert send(report.due_on, capture=django_capture_on_commit_callbacks) == []
    report.refresh_from_db()
    assert (report.reminded_14_on, report.reminded_3_on) == (TODAY(), three_days_before)
    assert len(mail.outbox) == 1


def test_a_report_due_within_3_days_gets_only_the_3_day_reminder(plan, django_capture_on_commit_callbacks):
    report = due_in(first_self_assessment(plan), 2)
    mail.outbox.clear()
    assert [r.days for r in send(capture=django_capture_on_commit_callbacks)] == [3]
    report.refresh_from_db()
    assert report.reminded_14_on is None and report.reminded_3_on == TODAY()
    assert send(capture=django_capture_on_commit_callbacks) == []
    assert len(mail.outbox) == 1


def test_no_reminder_far_ahead_after_submission_when_overdue_or_for_an_ended_pilot(
    plan, django_capture_on_commit_callbacks
):
    report = due_in(first_self_assessment(plan), 15)
    mail.outbox.clear()
    assert send(capture=django_capture_on_commit_callbacks) == []  # 15 days: not yet
    due_in(report, -1)
    assert send(capture=django_capture_on_commit_callbacks) == []  # overdue: the pages say so
    due_in(report, 10)
    PilotPlan.objects.filter(pk=plan.pk).update(phase=PilotPlan.Phase.CLAWED_BACK)
    assert send(capture=django_capture_on_commit_callbacks) == []
    PilotPlan.objects.filter(pk=plan.pk).update(phase=PilotPlan.Phase.IMPLEMENTING)
    fill(report)
    services.report_submit(actor=bureau(plan), report=report)
    assert send(capture=django_capture_on_commit_callbacks) == []
    assert mail.outbox == []


def test_returned_and_evaluation_reports_are_reminded_too(plan, django_capture_on_commit_callbacks):
    evaluation_report = due_in(evaluation_with_report(plan), 3)
    assessment = fill(due_in(first_self_assessment(plan), 20))
    services.report_submit(actor=bureau(plan), report=assessment)
    services.report_return(actor=make_user(Role.DEPARTMENT_OFFICER), report=assessment, reasons="请补充台账。")
    due_in(assessment, 7)
    mail.outbox.clear()
    sent = send(capture=django_capture_on_commit_callbacks)
    assert sorted((r.report_id, r.days) for r in sent) == sorted([(evaluation_report.pk, 3), (assessment.pk, 14)])
    bodies = {message.subject: message.body for message in mail.outbox}
    assert any("绩效评价报告" in subject for subject in bodies)
    assert any("请补充台账。" in body for body in bodies.values())


def test_without_an_address_nothing_is_recorded_and_it_is_tried_again(plan, django_capture_on_commit_callbacks):
    report = due_in(first_self_assessment(plan), 10)
    user = bureau(plan)
    user.email = ""
    user.save(update_fields=["email"])
    assert send(capture=django_capture_on_commit_callbacks) == []
    report.refresh_from_db()
    assert report.reminded_14_on is None
    user.email = "bureau@example.test"
    user.save(update_fields=["email"])
    assert [r.days for r in send(capture=django_capture_on_commit_callbacks)] == [14]


def test_the_daily_job_schedules_and_reminds(plan, django_capture_on_commit_callbacks):
    Report.objects.filter(plan=plan, year=2).delete()
    due_in(first_self_assessment(plan), 14)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_report_reminders", stdout=out)
    assert "scheduled 1 self-assessment(s); sent 1 reminder(s)" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_report_reminders_task() == 0  # the Celery task: nothing left to do
    assert Report.objects.filter(plan=plan).count() == 2
    schedule = settings.CELERY_BEAT_SCHEDULE["send-report-reminders"]
    assert schedule["task"] == "evaluation.tasks.send_report_reminders_task"


# --- overdue ----------------------------------------------------------------------------------------------


def test_overdue_means_due_before_today_and_not_submitted(plan):
    report = first_self_assessment(plan)
    flag = lambda: with_overdue(Report.objects.filter(pk=report.pk)).get().is_overdue  # noqa: E731
    due_in(report, 0)
    assert flag() is False and is_overdue(report) is False  # due today: not yet
    due_in(report, -1)
    assert flag() is True and is_overdue(report) is True
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RETURNED)
    report.refresh_from_db()
    assert flag() is True and is_overdue(report) is True
    Report.objects.filter(pk=report.pk).update(status=Report.Status.SUBMITTED)
    report.refresh_from_db()
    assert flag() is False and is_overdue(report) is False
    Report.objects.filter(pk=report.pk).update(status=Report.Status.OPEN)
    PilotPlan.objects.filter(pk=plan.pk).update(phase=PilotPlan.Phase.COMPLETED)
    report.refresh_from_db()
    assert flag() is False and is_overdue(report) is False
    assert [r.is_overdue for r in report_list(bureau(plan))] == [False, False]
