"""Password rules with their messages in Chinese.

Django 5.2 reworded the minimum-length messages (``%d`` instead of ``%(min_length)d``) and its zh_Hans
catalogue has not caught up, so the stock validator speaks English on a Chinese page."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("密码太短，至少需要%(min_length)d个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要%(min_length)d个字符。") % {"min_length": self.min_length}
