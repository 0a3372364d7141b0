from . import context


class RequestContextMiddleware:
    """Binds the client IP and a request id for the audit log; echoes the id in ``X-Request-ID``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.bind(ip_address=request.META.get("REMOTE_ADDR"), request_id=None)
        request.request_id = context.current().request_id
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
