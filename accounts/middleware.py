import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SESSION_KEY = "last_activity"


class IdleTimeoutMiddleware:
    """Logs a user out after IDLE_TIMEOUT_SECONDS without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > settings.IDLE_TIMEOUT_SECONDS:
                logout(request)
                messages.info(request, _("您已超过30分钟未操作，为安全起见已自动退出，请重新登录。"))
                return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
            request.session[SESSION_KEY] = now
        return self.get_response(request)


class DefaultLanguageMiddleware:
    """Chinese unless the user chose otherwise (language cookie or /i18n/setlang/): the browser's
    Accept-Language is ignored, so an English-configured browser does not get a half-English page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
