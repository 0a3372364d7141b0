"""Regions, organisations and users at scale: counties, their bureaus, enterprises and experts, each with a
user who can log in with the demo password (the load test logs in as them)."""

import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.demo import LEAGUE_CITIES, demo_password_hash, make_uscc
from accounts.models import Membership, Organisation, Region
from accounts.roles import Role
from accounts.validators import USCC_CHARSET
from evaluation.models import ExpertProfile

COUNTY_SUFFIXES = ["旗", "县", "区", "市"]
FIELDS = ["工业互联网", "智能制造", "装备制造", "数字化转型", "两化融合", "能源化工", "工业软件", "冶金", "数据治理"]
EMPLOYERS = ["内蒙古工业大学", "内蒙古大学", "中国信通院", "包头钢铁设计研究院", "鄂尔多斯能源研究院", "赤峰学院"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "建国明华晓燕志强丽娟永刚雪梅海涛文博嘉怡子轩雨桐浩然欣怡俊杰思远诗涵宇航佳琪"
ENTERPRISE_WORDS = ["智造", "新材料", "装备", "能源", "化工", "乳业", "稀土", "电子", "数字科技", "精密机械"]


@dataclass
class People:
    province: Region
    leagues: list[Region]
    counties: list[Region]
    county_users: dict[int, object] = field(default_factory=dict)  # county id → its bureau's user
    enterprises: list[Organisation] = field(default_factory=list)
    enterprise_users: dict[int, object] = field(default_factory=dict)  # enterprise id → its user
    experts: list[ExpertProfile] = field(default_factory=list)
    users: dict[str, object] = field(default_factory=dict)  # the demo users by username


def _body(prefix: str, number: int, length: int = 6) -> str:
    digits = ""
    for _ in range(length):
        number, digit = divmod(number, len(USCC_CHARSET))
        digits = USCC_CHARSET[digit] + digits
    return prefix + digits


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))


def _users(rows: list[tuple[str, str, Organisation, str]]) -> dict[str, object]:
    """Users (username, role, organisation, title) in bulk: the account, its role group, its membership."""
    User = get_user_model()
    password = demo_password_hash()
    made = User.objects.bulk_create([User(username=username, password=password) for username, *_ in rows])
    groups = {group.name: group.pk for group in Group.objects.all()}
    Through = User.groups.through
    Through.objects.bulk_create(
        [Through(user_id=user.pk, group_id=groups[str(role)]) for user, (_, role, _, _) in zip(made, rows, strict=True)]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, organisation=organisation, title=title)
            for user, (_, _, organisation, title) in zip(made, rows, strict=True)
        ]
    )
    return {user.username: user for user in made}


def seed_people(*, scale, rng: random.Random) -> People:
    province = Region.objects.get(code="150000")
    leagues = list(Region.objects.filter(code__in=[code for code, _ in LEAGUE_CITIES]).order_by("code"))
    names = dict(LEAGUE_CITIES)
    # Counties: spread over the leagues/cities in turn, codes 1501xx with xx from 41 (the demo uses lower ones).
    existing = set(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", flat=True))
    county_rows = []
    for number in range(scale.counties):
        league = leagues[number % len(leagues)]
        index = number // len(leagues) + 41
        code = f"{league.code[:4]}{index:02d}"
        if code in existing:
            continue
        suffix = COUNTY_SUFFIXES[number % len(COUNTY_SUFFIXES)]
        county_rows.append(
            Region(code=code, name=f"{names[league.code][:2]}第{index - 40}{suffix}", level="county", parent=league)
        )
    counties = Region.objects.bulk_create(county_rows)
    people = People(province=province, leagues=leagues, counties=counties)

    bureaus = Organisation.objects.bulk_create(
        [
            Organisation(name=f"{county.name}工业和信息化局（{county.code}）", kind="county_bureau", region=county)
            for county in counties
        ]
    )
    made = _users(
        [
            (f"county_{county.code}", Role.COUNTY_BUREAU, bureau, "")
            for county, bureau in zip(counties, bureaus, strict=True)
        ]
    )
    people.county_users = {county.pk: made[f"county_{county.code}"] for county in counties}

    enterprises = []
    for number in range(scale.enterprises):
        county = counties[number % len(counties)]
        word = ENTERPRISE_WORDS[number % len(ENTERPRISE_WORDS)]
        enterprises.append(
            Organisation(
                name=f"内蒙古{county.name}{word}企业{number + 1:05d}有限公司",
                kind="enterprise",
                region=county,
                uscc=make_uscc(county.code, _body("BK", number)),
            )
        )
    people.enterprises = Organisation.objects.bulk_create(enterprises, batch_size=2000)
    made = _users([(f"ent{number + 1:05d}", Role.ENTERPRISE, org, "") for number, org in enumerate(people.enterprises)])
    people.enterprise_users = {org.pk: made[f"ent{number + 1:05d}"] for number, org in enumerate(people.enterprises)}

    agency = Organisation.objects.get(kind="review_agency")
    made = _users([(f"bexpert{number + 1:03d}", Role.EXPERT, agency, "评审专家") for number in range(scale.experts)])
    homes = [province, *leagues]
    people.experts = ExpertProfile.objects.bulk_create(
        [
            ExpertProfile(
                user=made[f"bexpert{number + 1:03d}"],
                full_name=person_name(rng),
                employer=rng.choice(EMPLOYERS),
                fields_of_expertise=rng.sample(FIELDS, 2),
                home_region=homes[number % len(homes)],
            )
            for number in range(scale.experts)
        ]
    )
    User = get_user_model()
    people.users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERNAMES)}
    return people


DEMO_USERNAMES = [
    "dept",
    "dept_leader",
    "finance",
    "agency",
    "auditor",
    *(f"{prefix}_{code}" for code, _ in LEAGUE_CITIES for prefix in ("bureau", "finbureau")),
]
