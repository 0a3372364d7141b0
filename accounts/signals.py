from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver

from audit.services import record_event


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    with transaction.atomic():
        record_event(actor=user, action="auth.login", target=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        with transaction.atomic():
            record_event(actor=user, action="auth.logout", target=user)
