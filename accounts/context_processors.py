from django.utils.functional import SimpleLazyObject

from .permissions import organisation_of


def organisation(request):
    """The user's organisation for the page shell, read once per request (shared with the permission checks)."""
    return {"current_organisation": SimpleLazyObject(lambda: organisation_of(request.user))}
