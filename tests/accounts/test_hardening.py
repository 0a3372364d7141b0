"""What the attack suite (tests/security) found at the sign-in and in Django's forms, each fixed and kept fixed:
a very long username made both login pages fail with a 500, the password rules spoke English, and "sNaN" in
a money field of a formset made the page fail."""

from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.lockout import lockout_username
from accounts.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("login"), reverse("admin:login")])
def test_a_username_too_long_for_any_account_is_a_failed_login_not_a_500(client, url):
    response = client.post(url, {"username": "字" * 300, "password": "whatever"})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.django_db
def test_lockout_still_counts_long_usernames_by_their_first_150_characters(client, settings):
    from axes.models import AccessAttempt

    name = "x" * 400
    client.post(reverse("login"), {"username": name, "password": "wrong"})
    assert AccessAttempt.objects.get().username == "x" * 150


def test_the_recorded_username_has_no_nul_and_fits():
    request = RequestFactory().post("/", {"username": "a\x00b"})
    assert lockout_username(request) == "ab"
    assert lockout_username(request, {"username": "y" * 200}) == "y" * 150
    assert lockout_username(request, {"username": None}) is None


@pytest.mark.django_db
def test_password_rules_speak_chinese(user_of, client):
    user = user_of(Role.APPLICANT)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password("a1", user)
    assert "密码太短，至少需要8个字符。" in caught.value.messages
    client.force_login(user)
    page = client.get(reverse("password_change")).content.decode()
    assert "密码至少需要8个字符。" in page
    assert "at least" not in page


@pytest.mark.parametrize("value", ["sNaN", "-sNaN", "+snan", "sNaN123"])
def test_a_signalling_nan_is_an_invalid_number_not_a_crash(value):
    field = forms.DecimalField(max_digits=16, decimal_places=2)
    with pytest.raises(ValidationError) as caught:
        field.clean(value)
    assert caught.value.code == "invalid"
    assert field.has_changed(Decimal("1.00"), value) is True


def test_quiet_nan_and_numbers_are_unchanged():
    field = forms.DecimalField(max_digits=16, decimal_places=2)
    assert field.clean("12.50") == Decimal("12.50")
    with pytest.raises(ValidationError):
        field.clean("NaN")


@pytest.mark.django_db
def test_the_fund_plan_refuses_a_signalling_nan_in_chinese(client):
    from tests.pilots.factories import PilotPlanFactory, applicant_of

    plan = PilotPlanFactory()
    client.force_login(applicant_of(plan))
    url = reverse("pilots:fund_plan_edit", args=[plan.pk])
    formset = client.get(url).context["formset"]
    data = {f"form-{key}": value for key, value in formset.management_form.initial.items()}
    for index, form in enumerate(formset.forms):
        data[f"form-{index}-id"] = form.instance.pk
        data[f"form-{index}-description"] = form.instance.description
        for source in ("enterprise", "provider_discount", "subsidy_requested", "matching", "other"):
            data[f"form-{index}-{source}"] = "0"
    data["form-0-matching"] = "sNaN"
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors["matching"]
    assert errors and all("数" in str(error) for error in errors), errors
