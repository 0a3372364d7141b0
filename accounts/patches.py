"""One correction to Django, applied at start-up (AccountsConfig.ready).

A form's DecimalField turns the text "sNaN" into a *signalling* NaN, and any comparison with one raises
``decimal.InvalidOperation``: ``Field.has_changed`` (every formset calls it) then fails with a 500 instead of
saying "enter a number". Django refuses quiet NaN and infinities in ``validate``; here ``to_python`` refuses
signalling NaN the same way, before anything compares it."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

_original_to_python = forms.DecimalField.to_python


def _to_python(self, value):
    result = _original_to_python(self, value)
    if isinstance(result, Decimal) and result.is_snan():
        raise ValidationError(self.error_messages["invalid"], code="invalid")
    return result


def refuse_signalling_nan() -> None:
    if forms.DecimalField.to_python is not _to_python:
        forms.DecimalField.to_python = _to_python
