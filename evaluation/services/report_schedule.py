"""The yearly self-assessments of an approved pilot and the reminders of every report that is due.

Schedule (docs/evaluation-rules.md): a pilot year runs from the approval date (``Approval.issued_on``).
For years k = 1 … ⌈period_months ÷ 12⌉ of the call, one self-assessment is due on
``issued_on + k years + call.self_assessment_due_days``: the bureau reports on a whole year and has the
grace days after its end to do so. It is made in the approving transaction (``schedule_on_approval``
listens to ``pilots.signals.plan_status_changed``) and, for plans approved before the schedule existed, by
``self_assessments_ensure`` in the daily job. Both lock the plan and make only the years that are missing.

Reminders: the daily job e-mails the applicant users of the plan's league/city 14 days (when 4 to 14 days
are left) and 3 days (0 to 3 days left) before a report that is open or returned is due, each once per
report: the day is recorded on the locked report row, so a second run sends nothing.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import record_event
from pilots.models import Approval, PilotPlan
from pilots.pdf import chinese_date

from ..models import Report
from ..selectors.reports import ENDED_PHASES, local_today

REMINDER_DAYS = (14, 3)


def pilot_years(period_months: int) -> int:
    """How many self-assessments a pilot period asks for: one per started year (24 months → 2, 30 → 3)."""
    return max(1, math.ceil(period_months / 12))


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def self_assessment_due_dates(*, issued_on: date, period_months: int, due_days: int) -> list[tuple[int, date]]:
    """(year, due date) of every self-assessment of a pilot approved on ``issued_on``."""
    return [
        (year, add_years(issued_on, year) + timedelta(days=due_days))
        for year in range(1, pilot_years(period_months) + 1)
    ]


@transaction.atomic
def self_assessments_schedule(*, actor, plan: PilotPlan) -> list[Report]:
    """Make the approved plan's missing self-assessments (none when it has them all, or has no issued
    approval). Returns the reports made."""
    plan = PilotPlan.objects.select_for_update(of=("self",)).select_related("call").get(pk=plan.pk)
    approval = Approval.objects.filter(plan=plan, status=Approval.Status.APPROVED, issued_on__isnull=False).first()
    if plan.status != PilotPlan.Status.APPROVED or approval is None:
        return []
    existing = set(plan.reports.filter(kind=Report.Kind.SELF_ASSESSMENT).values_list("year", flat=True))
    now = timezone.now()
    reports = [
        Report(plan=plan, kind=Report.Kind.SELF_ASSESSMENT, year=year, due_on=due_on, created_at=now)
        for year, due_on in self_assessment_due_dates(
            issued_on=approval.issued_on,
            period_months=plan.call.period_months,
            due_days=plan.call.self_assessment_due_days,
        )
        if year not in existing
    ]
    if not reports:
        return []
    for report in reports:
        report.full_clean(validate_unique=False, validate_constraints=False)  # the plan is locked: no other writer
    created = Report.objects.bulk_create(reports)
    record_event(
        actor=actor,
        action="plan.self_assessments_schedule",
        target=plan,
        changes={
            "issued_on": approval.issued_on,
            "self_assessments": [[report.year, report.due_on] for report in created],
        },
    )
    return created


def schedule_on_approval(sender, *, plan: PilotPlan, old: str, new: str, actor=None, **kwargs) -> None:
    """Receiver of ``pilots.signals.plan_status_changed`` (sent inside the approving transaction)."""
    if new == PilotPlan.Status.APPROVED and old != new:
        self_assessments_schedule(actor=actor, plan=plan)


def self_assessments_ensure() -> int:
    """Schedule the self-assessments of approved plans that lack some (approved before this existed).
    Idempotent; returns how many reports it made."""
    plans = (
        PilotPlan.objects.filter(
            status=PilotPlan.Status.APPROVED,
            approval__status=Approval.Status.APPROVED,
            approval__issued_on__isnull=False,
        )
        .exclude(phase__in=ENDED_PHASES)
        .select_related("call")
        .annotate(self_assessments=Count("reports", filter=Q(reports__kind=Report.Kind.SELF_ASSESSMENT)))
        .order_by("pk")
    )
    made = 0
    for plan in plans:
        if plan.self_assessments < pilot_years(plan.call.period_months):
            made += len(self_assessments_schedule(actor=None, plan=plan))
    return made


# --- reminders --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    report_id: int
    days: int  # 14 or 3: which reminder
    recipients: tuple[str, ...]


def reminder_due(report: Report, today: date) -> int | None:
    """Which reminder the report should get today, if any: 14 (4 to 14 days left, not yet sent) or 3
    (0 to 3 days left, not yet sent). Only open or returned reports of running pilots get reminders."""
    if report.status not in Report.EDITABLE or report.plan.phase in ENDED_PHASES:
        return None
    left = (report.due_on - today).days
    if 0 <= left <= 3:
        return 3 if report.reminded_3_on is None else None
    if 3 < left <= 14:
        return 14 if report.reminded_14_on is None else None
    return None


def region_addresses(region_id: int) -> tuple[str, ...]:
    """The e-mail addresses of the active applicant users of a league/city, in one query."""
    return tuple(
        get_user_model()
        .objects.filter(membership__organisation__region_id=region_id, groups__name=Role.APPLICANT, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
        .distinct()
    )


def reminder_candidates(today: date) -> list[int]:
    """Ids of the reports that may need a reminder today (each is checked again under its lock)."""
    return list(
        Report.objects.filter(
            status__in=Report.EDITABLE, due_on__gte=today, due_on__lte=today + timedelta(days=max(REMINDER_DAYS))
        )
        .exclude(plan__phase__in=ENDED_PHASES)
        .filter(
            Q(reminded_14_on__isnull=True, due_on__gt=today + timedelta(days=3))
            | Q(reminded_3_on__isnull=True, due_on__lte=today + timedelta(days=3))
        )
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )


def report_reminders_send(*, today: date | None = None) -> list[Reminder]:
    """Send today's reminders (the daily job). Each report is handled in its own transaction, so one
    failure does not hold back the others' records."""
    today = today or local_today()
    sent = []
    for report_id in reminder_candidates(today):
        reminder = _remind(report_id, today)
        if reminder is not None:
            sent.append(reminder)
    return sent


@transaction.atomic
def _remind(report_id: int, today: date) -> Reminder | None:
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("plan__region", "plan__call")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        return None
    days = reminder_due(report, today)
    if days is None:
        return None
    recipients = region_addresses(report.plan.region_id)
    if not recipients:
        return None  # nobody to tell yet: tried again tomorrow
    field = f"reminded_{days}_on"
    setattr(report, field, today)
    report.save(update_fields=[field])
    record_event(
        actor=None,
        action="report.remind",
        target=report,
        changes={"days": days, "due_on": report.due_on, "recipients": list(recipients)},
    )
    mail = reminder_mail(report, days=(report.due_on - today).days)
    transaction.on_commit(lambda: send_mail(mail[0], mail[1], None, list(recipients)), robust=True)
    return Reminder(report_id=report.pk, days=days, recipients=recipients)


def reminder_mail(report: Report, *, days: int) -> tuple[str, str]:
    """(subject, message) in Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "region": report.plan.region.name,
            "report": str(report),
            "title": report.plan.title,
            "kind": report.get_kind_display(),
            "due": chinese_date(report.due_on),
            "days": days,
        }
        subject = _("【智改数转】%(kind)s将于%(due)s到期（还有%(days)d天）") % values
        message = (
            _(
                "%(region)s工业和信息化局：\n\n《%(title)s》的%(kind)s应于%(due)s前提交，还有%(days)d天。"
                "请登录平台，在“绩效报告”中填报各项指标的实际值、情况说明和资金使用情况，上传佐证材料后提交。"
            )
            % values
        )
        if report.status == Report.Status.RETURNED:
            message += _("\n该报告已被退回修改，退回原因：%(reasons)s") % {"reasons": report.return_reasons}
    return subject, message
