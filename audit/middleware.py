import re

from . import context

REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


class RequestContextMiddleware:
    """Binds the client IP and a request id for the audit log; echoes the id in ``X-Request-ID``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        # A proxy's request id is kept when it looks like one, so logs and audit events line up.
        request_id = incoming if REQUEST_ID.fullmatch(incoming) else None
        token = context.bind(ip_address=request.META.get("REMOTE_ADDR"), request_id=request_id)
        request.request_id = context.current().request_id
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
