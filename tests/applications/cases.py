"""People, places and applications for the application workflow tests: one league/city with a county,
an enterprise there, its county and city bureaus, the Department and the Finance Department; a round of
the demo policy open now."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organisation, Region
from accounts.roles import Role
from applications import services
from applications.demo import load_demo_policies
from applications.models import SubsidyApplication, SubsidyRound
from applications.selectors import today
from tests.factories import CountyFactory, LeagueCityFactory, OrganisationFactory, make_user

D = Decimal


@dataclass
class World:
    city: Region
    county: Region
    other_county: Region
    enterprise: Organisation
    enterprise_user: object
    other_enterprise: Organisation
    other_enterprise_user: object
    county_user: object
    other_county_user: object
    city_user: object
    other_city_user: object
    officer: object
    leader: object
    finance: object
    auditor: object
    subsidy_round: SubsidyRound


def make_world() -> World:
    policy = load_demo_policies(year=today().year)
    city, other_city = LeagueCityFactory(), LeagueCityFactory()
    county, other_county = CountyFactory(parent=city), CountyFactory(parent=other_city)
    enterprise = OrganisationFactory(enterprise=True, region=county, name="包头智造有限公司")
    other_enterprise = OrganisationFactory(enterprise=True, region=other_county, name="他市企业有限公司")
    now = timezone.now()
    subsidy_round = SubsidyRound.objects.create(
        policy=policy,
        year=today().year,
        title=f"{today().year}年制造业智能化改造奖补（第一批）",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        status=SubsidyRound.Status.OPEN,
    )
    subsidy_round.regions.add(city, other_city)
    return World(
        city=city,
        county=county,
        other_county=other_county,
        enterprise=enterprise,
        enterprise_user=make_user(Role.ENTERPRISE, organisation=enterprise),
        other_enterprise=other_enterprise,
        other_enterprise_user=make_user(Role.ENTERPRISE, organisation=other_enterprise),
        county_user=make_user(Role.COUNTY_BUREAU, organisation=OrganisationFactory(county_bureau=True, region=county)),
        other_county_user=make_user(
            Role.COUNTY_BUREAU, organisation=OrganisationFactory(county_bureau=True, region=other_county)
        ),
        city_user=make_user(Role.APPLICANT, organisation=OrganisationFactory(region=city)),
        other_city_user=make_user(Role.APPLICANT, organisation=OrganisationFactory(region=other_city)),
        officer=make_user(Role.DEPARTMENT_OFFICER),
        leader=make_user(Role.DEPARTMENT_LEADER),
        finance=make_user(Role.FINANCE_DEPARTMENT),
        auditor=make_user(Role.AUDITOR),
        subsidy_round=subsidy_round,
    )


def items(*invoices: str, amount: str = "12500000") -> list[services.InvestmentSpec]:
    return [
        services.InvestmentSpec(kind="equipment", description=f"设备 {number}", amount=D(amount), invoice_number=number)
        for number in invoices
    ]


def draft(
    world: World,
    *,
    name: str = "智能化产线改造项目",
    category: str = "smart_retrofit",
    facts: dict | None = None,
    investments=None,
) -> SubsidyApplication:
    year = today().year
    return services.application_save(
        actor=world.enterprise_user,
        subsidy_round=world.subsidy_round,
        enterprise=world.enterprise,
        project_name=name,
        category_code=category,
        period_from=date(year, 1, 1),
        period_to=date(year, 12, 31),
        county=world.county,
        facts={"investment": D("25000000")} if facts is None else facts,
        investments=items("INV-001", "INV-002") if investments is None else investments,
    )


def submitted(world: World, **kwargs) -> SubsidyApplication:
    return services.application_submit(actor=world.enterprise_user, application=draft(world, **kwargs))


def county_passed(world: World, investment: str = "24000000", **kwargs) -> SubsidyApplication:
    return services.county_review(
        actor=world.county_user,
        application=submitted(world, **kwargs),
        passed=True,
        comment="材料齐全",
        recognised_facts={"investment": D(investment)},
        reasons="发票 INV-002 中 1,000,000 元为厂房装修，不属智能制造投资" if investment != "25000000" else "",
    )


def city_passed(world: World, amount: str = "3120000", **kwargs) -> SubsidyApplication:
    return services.city_review(
        actor=world.city_user,
        application=county_passed(world, **kwargs),
        decision="pass",
        comment="同意推荐",
        recommended_amount=D(amount),
    )
