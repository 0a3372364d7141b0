"""One way for a view to show a service's refusal: each of its Chinese messages as an error message."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def flash_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)
