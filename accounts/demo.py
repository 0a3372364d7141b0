"""Demo organisations and users (idempotent). The shared password is printed by ``make run``."""

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Membership, Organisation, Region
from .roles import Role
from .validators import org_code_check_char, uscc_check_char

DEMO_PASSWORD = "Demo@2024zg"  # noqa: S105 (the published demo password)

PROVINCE = ("150000", "内蒙古自治区")
LEAGUE_CITIES = [
    ("150100", "呼和浩特市"),
    ("150200", "包头市"),
    ("150300", "乌海市"),
    ("150400", "赤峰市"),
    ("150500", "通辽市"),
    ("150600", "鄂尔多斯市"),
    ("150700", "呼伦贝尔市"),
    ("150800", "巴彦淖尔市"),
    ("150900", "乌兰察布市"),
    ("152200", "兴安盟"),
    ("152500", "锡林郭勒盟"),
    ("152900", "阿拉善盟"),
]
COUNTIES = [("150102", "新城区", "150100"), ("150203", "昆都仑区", "150200"), ("150602", "东胜区", "150600")]
ENTERPRISES = [
    ("enterprise1", "内蒙古草原智造装备有限公司", "150102", "MA0A1B2C"),
    ("enterprise2", "包头稀土新材料科技股份有限公司", "150203", "MA0D3E4F"),
    ("enterprise3", "鄂尔多斯煤化数字科技有限公司", "150602", "MA0G5H6J"),
]
AGENCY_NAME = "内蒙古数字经济评估中心（第三方机构）"
EXPERTS = [
    ("expert1", "王建国", "内蒙古工业大学", ["工业互联网", "装备制造"], "150100"),
    ("expert2", "李明华", "包头钢铁设计研究院", ["冶金", "智能制造"], "150200"),
    ("expert3", "张晓燕", "中国信通院", ["数字化转型", "两化融合"], "150000"),
    ("expert4", "刘志强", "鄂尔多斯能源研究院", ["能源化工", "工业软件"], "150600"),
    ("expert5", "陈丽娟", "赤峰学院", ["农畜产品加工", "数字化转型"], "150400"),
    ("expert6", "杨永刚", "内蒙古大学", ["信息技术", "数据治理"], "150100"),
    ("expert7", "赵雪梅", "通辽市经济研究中心", ["产业经济", "财务评价"], "150500"),
    ("expert8", "孙海涛", "乌海化工设计院", ["化工", "安全生产"], "150300"),
]


def make_uscc(region_code: str, org_body: str) -> str:
    """A valid code: 9 (enterprise) 1 (company) + region + organisation code + both checks."""
    organisation_code = org_body + org_code_check_char(org_body)
    first_seventeen = "91" + region_code + organisation_code
    return first_seventeen + uscc_check_char(first_seventeen)


@lru_cache(maxsize=1)
def demo_password_hash() -> str:
    # Hashed once for all demo accounts: a hash per account would cost ~0.3 s each at start-up.
    return make_password(DEMO_PASSWORD)


def demo_user(username: str, role: str, organisation: Organisation, title: str = ""):
    account, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"password": demo_password_hash()}
    )
    account.groups.add(Group.objects.get(name=role))
    Membership.objects.get_or_create(user=account, defaults={"organisation": organisation, "title": title})
    return account


@transaction.atomic
def load_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo regions, organisations and users; return (username, role label, organisation)."""
    province, _ = Region.objects.get_or_create(
        code=PROVINCE[0], defaults={"name": PROVINCE[1], "level": Region.Level.PROVINCE}
    )
    regions = {province.code: province}
    for code, name in LEAGUE_CITIES:
        regions[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": Region.Level.LEAGUE_CITY, "parent": province}
        )
    for code, name, parent in COUNTIES:
        regions[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": Region.Level.COUNTY, "parent": regions[parent]}
        )

    def organisation(name, kind, region_code, uscc=""):
        org, _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "region": regions[region_code], "uscc": uscc}
        )
        return org

    K = Organisation.Kind
    accounts = []

    def user(username, role, org, title=""):
        demo_user(username, role, org, title)
        accounts.append((username, Role(role).label, org.name))

    department = organisation("内蒙古自治区工业和信息化厅", K.DEPARTMENT, "150000")
    user("dept", Role.DEPARTMENT_OFFICER, department, "数字化推进处经办人")
    user("dept_leader", Role.DEPARTMENT_LEADER, department, "分管厅领导")
    user("finance", Role.FINANCE_DEPARTMENT, organisation("内蒙古自治区财政厅", K.FINANCE_DEPARTMENT, "150000"))
    user("agency", Role.AGENCY_COORDINATOR, organisation(AGENCY_NAME, K.REVIEW_AGENCY, "150100"))
    user("auditor", Role.AUDITOR, organisation("内蒙古自治区审计厅", K.AUDIT_OFFICE, "150000"))
    for code, name in LEAGUE_CITIES:
        user(f"bureau_{code}", Role.APPLICANT, organisation(f"{name}工业和信息化局", K.INDUSTRY_BUREAU, code))
        user(f"finbureau_{code}", Role.COSIGNER, organisation(f"{name}财政局", K.FINANCE_BUREAU, code))
    for code, name, parent in COUNTIES[:2]:
        bureau = organisation(f"{dict(LEAGUE_CITIES)[parent]}{name}工业和信息化局", K.COUNTY_BUREAU, code)
        user(f"county_{code}", Role.COUNTY_BUREAU, bureau)
    for username, name, region_code, body in ENTERPRISES:
        user(username, Role.ENTERPRISE, organisation(name, K.ENTERPRISE, region_code, make_uscc(region_code, body)))
    return accounts
