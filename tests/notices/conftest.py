import time

import pytest
from django.core.cache import cache

from accounts.roles import Role
from notices.antispam import issue_form_token


@pytest.fixture(autouse=True)
def _empty_cache():
    """The objection rate limit lives in the cache: every test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer(make_user):
    return make_user(Role.DEPARTMENT_OFFICER)


@pytest.fixture
def leader(make_user, officer):
    return make_user(Role.DEPARTMENT_LEADER, organisation=officer.membership.organisation)


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR)


@pytest.fixture
def objection_data():
    """``objection_data(notice, **changes)``: a valid public form body, its token issued a minute ago."""

    def build(notice, **changes):
        data = {
            "entry": notice.entries.order_by("position").first().pk,
            "name": "张三",
            "contact": "13900001111",
            "grounds": "该盟市申报材料中的企业数量与统计年鉴不符，请予核实。",
            "website": "",
            "token": issue_form_token(notice.pk, now=time.time() - 60),
        }
        data.update(changes)
        return data

    return build
