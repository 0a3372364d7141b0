from django.core.management.base import BaseCommand

from evaluation.services.report_schedule import report_reminders_send, self_assessments_ensure


class Command(BaseCommand):
    help = (
        "Schedule missing yearly self-assessments, then e-mail the 14- and 3-day reminders of reports that are "
        "due (each reminder once per report; also run daily by Celery beat)."
    )

    def handle(self, *args, **options):
        made = self_assessments_ensure()
        sent = report_reminders_send()
        self.stdout.write(f"scheduled {made} self-assessment(s); sent {len(sent)} reminder(s)")
        for reminder in sent:
            self.stdout.write(
                f"  report {reminder.report_id}: {reminder.days}-day reminder to {len(reminder.recipients)}"
            )
