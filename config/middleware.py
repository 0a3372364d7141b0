"""A database that went away mid-request (connection dropped, server restarting, a deadlock victim) gets a
page in Chinese that says nothing was saved and to try again, with status 503, instead of a bare 500."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("config.database")
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """Turns ``OperationalError``/``InterfaceError`` raised by a view into a 503 page.

    Every write is one transaction, so when the connection fails inside it PostgreSQL rolls the whole change
    back: the page can promise that nothing was half done. The page is rendered without a request context
    (no context processors), so it needs no database itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "database unavailable during %s %s (request %s): %s",
            request.method,
            request.path,
            getattr(request, "request_id", "-"),
            str(exception).strip().splitlines()[0] if str(exception).strip() else type(exception).__name__,
        )
        response = HttpResponse(
            render_to_string("503.html", {"request_id": getattr(request, "request_id", "")}), status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
