from django.core.management.base import BaseCommand

from pilots.services import close_due_calls


class Command(BaseCommand):
    help = "Close every open pilot call whose deadline has passed (also run every minute by Celery beat)."

    def handle(self, *args, **options):
        closed = close_due_calls()
        self.stdout.write(f"closed {len(closed)} call(s): {', '.join(call.title for call in closed) or '-'}")
