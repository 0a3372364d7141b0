from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续输错5次，账号将被锁定1小时。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }
