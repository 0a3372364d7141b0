"""A database that went away mid-request (connection dropped, server restarting, a deadlock victim) gets a
page in Chinese that says nothing was saved and to try again, with status 503, instead of a bare 500.

Two ways in: ``DatabaseUnavailableMiddleware`` for errors raised by a view (a service's transaction), and
``server_error`` (``handler500``) for those raised before the view, while middleware loads the session or
the user."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger("config.database")
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def database_unavailable(request, error: Exception) -> HttpResponse:
    """The 503 page. Every write is one transaction, so when the connection fails inside it PostgreSQL rolls
    the whole change back: the page can promise that nothing was half done. It is rendered without a request
    context (no context processors), so it needs no database itself."""
    request_id = getattr(request, "request_id", "")
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    logger.warning(
        "database unavailable: %s %s (request %s): %s", request.method, request.path, request_id or "-", first_line
    )
    response = HttpResponse(render_to_string("503.html", {"request_id": request_id}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turns ``OperationalError``/``InterfaceError`` raised by a view into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None


def server_error(request):
    """``handler500``: the 503 page for a database error raised outside a view, Django's 500 otherwise."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable(request, error)
    return defaults.server_error(request)
