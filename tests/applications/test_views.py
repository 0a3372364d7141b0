"""The calculator, the policy pages and the officer's revision page through the test client."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from applications import services
from applications.models import CategoryRule, Policy, PolicyCategory
from audit.models import AuditEvent
from tests.factories import UserFactory, make_user

from .conftest import YANGZHOU

pytestmark = pytest.mark.django_db

CALCULATOR = "applications:calculator"
INVESTMENT_LABEL = "年度智能制造设备、软件和技术服务投资额（元）"


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return " ".join(t.strip() for t in re.findall(r">([^<]+)<", html) if t.strip())


def field_errors(response, name: str) -> list[str]:
    form = response.context["form"]
    return form.errors.get(name, [])


def category(policy: Policy, code: str) -> PolicyCategory:
    return policy.categories.get(code=code)


def calculator_url(policy_category: PolicyCategory) -> str:
    return f"{reverse(CALCULATOR)}?category={policy_category.pk}"


@pytest.fixture
def enterprise_client(client, demo_policy):
    client.force_login(make_user(Role.ENTERPRISE))
    return client


@pytest.fixture
def officer(db):
    return make_user(Role.DEPARTMENT_OFFICER)


# --- Calculator -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_use_the_calculator(client, demo_policy, role):
    client.force_login(make_user(role))
    response = client.get(reverse(CALCULATOR))
    assert response.status_code == 200
    text = visible_text(response)
    assert "奖补试算" in text and "智能化改造" in text


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse(CALCULATOR))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_user_without_a_role_is_refused(client, demo_policy):
    client.force_login(UserFactory())
    assert client.get(reverse(CALCULATOR)).status_code in (403, 404)


def test_categories_are_grouped_by_policy_in_force(enterprise_client, demo_policy):
    html = enterprise_client.get(reverse(CALCULATOR)).content.decode()
    assert f'<optgroup label="{demo_policy}">' in html
    assert html.count("<option") == 1 + 7  # the placeholder and the demo copy's seven categories
    assert "扬府发〔2022〕20号《" not in html  # the expired original is not offered


def test_choosing_a_category_shows_its_fact_fields_in_chinese(enterprise_client, demo_policy):
    response = enterprise_client.get(calculator_url(category(demo_policy, "industrial_internet_platform")))
    text = visible_text(response)
    assert "年度平台投入（元）" in text and "平台认定级别" in text and "省级工业互联网平台" in text
    assert "省级及以上工业互联网平台认定文件" in text  # the evidence to prepare
    assert 'inputmode="decimal"' in response.content.decode()


def test_the_quote_of_the_issue(enterprise_client, demo_policy):
    url = calculator_url(category(demo_policy, "smart_retrofit"))
    response = enterprise_client.post(url, {"investment": "25,000,000"})
    assert response.status_code == 200
    assert response.context["quote"].amount == Decimal("3250000.00")
    text = visible_text(response)
    assert "最高可获奖补" in text and "3,250,000.00" in text
    assert "达到起点 20,000,000.00 元" in text and "演示数据" in text


def test_a_capped_quote_says_so(enterprise_client, demo_policy):
    response = enterprise_client.post(
        calculator_url(category(demo_policy, "smart_retrofit")), {"investment": "50000000"}
    )
    text = visible_text(response)
    assert "6,000,000.00" in text and "已按上限封顶" in text and "超过上限" in text


def test_below_the_threshold_the_reason_is_shown(enterprise_client, demo_policy):
    response = enterprise_client.post(
        calculator_url(category(demo_policy, "smart_retrofit")), {"investment": "19999999.99"}
    )
    text = visible_text(response)
    assert "不符合奖补条件" in text and "低于起点 20,000,000.00 元" in text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "请输入金额（阿拉伯数字，单位元），如 25000000 或 25,000,000.00。"),
        ("-5", "金额不能为负数。"),
        ("1.234", "金额最多保留两位小数（分）。"),
        ("1" * 20, "金额过大，请核对。"),
        ("", f"请填写“{INVESTMENT_LABEL}”。"),
    ],
)
def test_bad_amounts_get_a_chinese_message_at_the_field_and_keep_what_was_typed(
    enterprise_client, demo_policy, typed, message
):
    response = enterprise_client.post(calculator_url(category(demo_policy, "smart_retrofit")), {"investment": typed})
    assert response.status_code == 200
    assert field_errors(response, "investment") == [message]
    assert response.context["quote"] is None
    html = response.content.decode()
    assert message in html
    if typed:
        assert f'value="{typed}"' in html


def test_a_bad_choice_gets_a_message(enterprise_client, demo_policy):
    response = enterprise_client.post(
        calculator_url(category(demo_policy, "benchmark_award")), {"recognition": "municipal"}
    )
    assert field_errors(response, "recognition") == ["请从列表中选择。"]
    response = enterprise_client.post(calculator_url(category(demo_policy, "benchmark_award")), {})
    assert field_errors(response, "recognition") == ["请填写“新获批的认定”。"]


def test_a_park_needs_one_of_its_facts(enterprise_client, demo_policy):
    url = calculator_url(category(demo_policy, "park_digitalisation"))
    response = enterprise_client.post(url, {"investment": "", "recognition": ""})
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and "investment" in errors[0] and "recognition" in errors[0]
    response = enterprise_client.post(url, {"investment": "", "recognition": "internet_plus_base"})
    assert response.context["quote"].amount == Decimal("200000.00")


def test_an_expired_policy_can_be_opened_and_says_why_it_pays_nothing(enterprise_client, demo_policy):
    original = Policy.objects.get(code=YANGZHOU)
    response = enterprise_client.post(calculator_url(category(original, "smart_retrofit")), {"investment": "25000000"})
    assert response.status_code == 200
    assert not response.context["quote"].eligible
    assert "不在该政策的有效期（2022-02-24 — 2025-02-23）内" in visible_text(response)


def test_an_unknown_category_is_not_found_and_a_malformed_one_is_a_message(enterprise_client):
    assert enterprise_client.get(f"{reverse(CALCULATOR)}?category=999999").status_code == 404
    for malformed in ("abc", "²", "9" * 40, ""):
        response = enterprise_client.get(reverse(CALCULATOR), {"category": malformed})
        assert response.status_code == 200
        assert ("请选择奖补类别。" if malformed == "" else "请从列表中选择奖补类别。") in visible_text(response)


def test_the_calculator_costs_fixed_queries_whatever_the_number_of_policies(enterprise_client, demo_policy):
    url = calculator_url(category(demo_policy, "benchmark_award"))
    enterprise_client.post(url, {"recognition": "national_demo"})  # warm the user's caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = enterprise_client.post(url, {"recognition": "national_demo"})
        assert response.context["quote"].amount == Decimal("2000000.00")
        return len(queries)

    before = count()
    for n in range(3):
        services.policy_copy(
            actor=None,
            policy=demo_policy,
            code=f"more-{n}",
            title=f"更多政策{n}",
            issued_on=date(2026, 1, 1),
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
        )
    assert count() == before
    assert before <= 15


# --- Policy pages -----------------------------------------------------------------------------------------


def test_policy_list_for_everyone_shows_status_and_demo_label(enterprise_client, demo_policy):
    response = enterprise_client.get(reverse("applications:policy_list"))
    text = visible_text(response)
    assert "扬府发〔2022〕20号" in text and "射政办发〔2022〕12号" in text
    assert "已到期" in text and "有效" in text and "演示数据" in text
    assert "2022-02-24 — 2025-02-23" in text


def test_policy_list_costs_fixed_queries(enterprise_client, demo_policy):
    url = reverse("applications:policy_list")
    enterprise_client.get(url)
    with CaptureQueriesContext(connection) as few:
        enterprise_client.get(url)
    for n in range(3):
        services.policy_copy(
            actor=None,
            policy=demo_policy,
            code=f"list-{n}",
            title=f"政策{n}",
            issued_on=date(2026, 1, 1),
            valid_from=date(2026, 1, 1),
            valid_to=None,
        )
    with CaptureQueriesContext(connection) as many:
        enterprise_client.get(url)
    assert len(many) == len(few)


def test_policy_detail_shows_categories_facts_and_rules(enterprise_client, demo_policy):
    response = enterprise_client.get(reverse("applications:policy_detail", args=[YANGZHOU]))
    text = visible_text(response)
    for name in (
        "智能化改造",
        "工业互联网建设",
        "智能装备研制推广",
        "咨询诊断服务",
        "标杆示范创建",
        "领军服务商培育",
        "园区数字化转型",
    ):
        assert name in text
    assert "比例上限（%）：13" in text and "补助上限（元，留空表示不封顶）：6,000,000.00" in text
    assert "第三方（不计入申报单位额度）" in text
    assert "修订数值" not in text  # enterprises read, officers revise


def test_policy_detail_costs_fixed_queries(enterprise_client, demo_policy, officer):
    url = reverse("applications:policy_detail", args=[demo_policy.code])
    enterprise_client.get(url)
    with CaptureQueriesContext(connection) as before:
        enterprise_client.get(url)
    rule = CategoryRule.objects.get(category__policy=demo_policy, code="smart_retrofit")
    services.rule_revise(
        actor=officer, rule=rule, numbers={"rate": Decimal(14)}, effective_from=date(2026, 6, 1), reason="x"
    )
    with CaptureQueriesContext(connection) as after:
        enterprise_client.get(url)
    assert len(after) == len(before)


def test_an_unknown_policy_is_not_found(enterprise_client):
    assert enterprise_client.get(reverse("applications:policy_detail", args=["no-such-policy"])).status_code == 404


# --- Revising a rule --------------------------------------------------------------------------------------


def revise_url(policy: Policy, code: str = "smart_retrofit") -> str:
    rule = CategoryRule.objects.filter(category__policy=policy, code=code).order_by("-version").first()
    return reverse("applications:rule_revise", args=[rule.pk])


def revision(**fields) -> dict:
    data = {
        "rate": "13",
        "minimum_base": "20000000.00",
        "cap": "6000000.00",
        "effective_from": "2026-07-01",
        "change_reason": "调整比例（演示）",
    }
    return {**data, **fields}


@pytest.mark.parametrize("role", [role for role in Role if role != Role.DEPARTMENT_OFFICER])
def test_only_department_officers_may_revise(client, demo_policy, role):
    client.force_login(make_user(role))
    assert client.get(revise_url(demo_policy)).status_code == 404
    assert client.post(revise_url(demo_policy), revision(rate="15")).status_code == 404
    assert CategoryRule.objects.filter(category__policy=demo_policy, code="smart_retrofit").count() == 1


def test_officer_revises_a_rule_into_a_new_audited_version(client, demo_policy, officer):
    client.force_login(officer)
    detail = client.get(reverse("applications:policy_detail", args=[demo_policy.code]))
    assert "修订数值" in visible_text(detail)
    form = client.get(revise_url(demo_policy))
    assert form.status_code == 200
    assert form.context["form"]["rate"].value() == Decimal("13")
    response = client.post(revise_url(demo_policy), revision(rate="15"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("applications:policy_detail", args=[demo_policy.code])
    assert "已生成“智能化改造项目补助”第 2 版，自 2026-07-01 起适用；原版本保留。" in visible_text(response)
    versions = CategoryRule.objects.filter(category__policy=demo_policy, code="smart_retrofit").order_by("version")
    assert [(v.version, v.params["rate"]) for v in versions] == [(1, "0.13"), (2, "0.15")]
    assert AuditEvent.objects.filter(action="policy_rule.revise", actor=officer).count() == 1


def test_an_older_version_opens_the_newest(client, demo_policy, officer):
    client.force_login(officer)
    old_url = revise_url(demo_policy)
    client.post(old_url, revision(rate="15"))
    response = client.get(old_url)
    assert response.status_code == 302 and response["Location"] == revise_url(demo_policy)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rate": "abc"}, "rate", "请输入百分比数字，如 13。"),
        ({"rate": "0"}, "rate", "比例应大于0。"),
        ({"rate": "101"}, "rate", "比例不能超过100%。"),
        ({"cap": "-1"}, "cap", "金额不能为负数。"),
        ({"rate": "15", "change_reason": ""}, "change_reason", "请填写修订说明（依据的文件或原因）。"),
        ({"rate": "15", "effective_from": "2026-13-01"}, "effective_from", "请输入有效的日期，如 2026-03-01。"),
        (
            {"rate": "15", "effective_from": "2027-01-01"},
            "effective_from",
            "生效日期须在政策有效期（2026-01-01 — 2026-12-31）内。",
        ),
        ({}, None, "数值没有变化，无需生成新版本。"),
    ],
)
def test_bad_revisions_get_chinese_messages(client, demo_policy, officer, fields, field, message):
    client.force_login(officer)
    response = client.post(revise_url(demo_policy), revision(**fields))
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.non_field_errors() if field is None else form.errors.get(field, [])
    assert message in errors
    assert CategoryRule.objects.filter(category__policy=demo_policy, code="smart_retrofit").count() == 1


def test_a_blank_cap_removes_it(client, demo_policy, officer):
    client.force_login(officer)
    client.post(revise_url(demo_policy), revision(cap="", effective_from="2026-06-01"))
    result = services.quote_subsidy(
        category_code="smart_retrofit", facts={"investment": Decimal("100000000")}, on_date=date(2026, 6, 1)
    )
    assert result.amount == Decimal("13000000.00") and not result.capped
