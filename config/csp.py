"""Content-Security-Policy for every HTML page.

The policy is ``settings.CSP_DIRECTIVES``. Scripts come only from our own static files: no inline ``<script>``,
no ``onclick=`` (confirmations and one-click forms are wired by static/js/portal.js through ``data-confirm``,
``data-once`` and ``data-autosubmit``), no ``eval``. Inline *styles* stay allowed: viewflow's Material
components set them, and a style cannot run code. Downloads (PDF, Excel) get no policy: browsers' PDF
viewers are pages of their own and a policy on the file would only get in their way.

A small middleware rather than django-csp: one header, one setting, no nonces needed.
"""

from django.conf import settings

HEADER = "Content-Security-Policy"


def build_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = build_policy(getattr(settings, "CSP_DIRECTIVES", {}))
        self.header = f"{HEADER}-Report-Only" if getattr(settings, "CSP_REPORT_ONLY", False) else HEADER

    def __call__(self, request):
        response = self.get_response(request)
        if (
            self.policy
            and HEADER not in response
            and response.get("Content-Type", "").split(";")[0].strip() == "text/html"
        ):
            response[self.header] = self.policy
        return response
