"""Factories for the shared models: regions, organisations and one user factory per role.

A role's user belongs to an organisation of the kind that role works in (domain.md, "Roles"), so a
test that asks for ``ApplicantFactory()`` gets a league/city industry bureau user, ready to log in.
"""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.demo import DEMO_PASSWORD, make_uscc
from accounts.models import Membership, Organisation, Region
from accounts.roles import Role
from accounts.validators import USCC_CHARSET

PASSWORD = DEMO_PASSWORD


def role_group(role: str) -> Group:
    # get_or_create, not get: transactional tests flush the rows the data migration made.
    group, _ = Group.objects.get_or_create(name=str(role))
    return group


def ensure_role_groups() -> None:
    for role in Role.values:
        role_group(role)


def _org_body(n: int) -> str:
    """Eight characters of an organisation code, unique per n, from the USCC alphabet."""
    digits = []
    for _ in range(8):
        n, remainder = divmod(n, len(USCC_CHARSET))
        digits.append(USCC_CHARSET[remainder])
    return "MA" + "".join(reversed(digits))[2:]


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "150000"
    name = "内蒙古自治区"
    level = Region.Level.PROVINCE
    parent = None


class LeagueCityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    # 1530xx-1599xx: never one of the twelve real codes (150100-150900, 152200, 152500, 152900) of the demo.
    code = factory.Sequence(lambda n: f"15{(n % 70) + 30:02d}00")
    name = factory.Sequence(lambda n: f"测试盟市{n}")
    level = Region.Level.LEAGUE_CITY
    parent = factory.SubFactory(ProvinceFactory)


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(LeagueCityFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code[:4]}{(n % 90) + 10:02d}")
    name = factory.Sequence(lambda n: f"测试旗县{n}")
    level = Region.Level.COUNTY


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试机构{n}")
    kind = Organisation.Kind.INDUSTRY_BUREAU
    region = factory.SubFactory(LeagueCityFactory)
    uscc = ""

    class Params:
        department = factory.Trait(kind=Organisation.Kind.DEPARTMENT, region=factory.SubFactory(ProvinceFactory))
        finance_department = factory.Trait(
            kind=Organisation.Kind.FINANCE_DEPARTMENT, region=factory.SubFactory(ProvinceFactory)
        )
        audit_office = factory.Trait(kind=Organisation.Kind.AUDIT_OFFICE, region=factory.SubFactory(ProvinceFactory))
        review_agency = factory.Trait(kind=Organisation.Kind.REVIEW_AGENCY)
        finance_bureau = factory.Trait(kind=Organisation.Kind.FINANCE_BUREAU)
        county_bureau = factory.Trait(kind=Organisation.Kind.COUNTY_BUREAU, region=factory.SubFactory(CountyFactory))
        enterprise = factory.Trait(
            kind=Organisation.Kind.ENTERPRISE,
            region=factory.SubFactory(CountyFactory),
            uscc=factory.LazyAttributeSequence(lambda o, n: make_uscc(o.region.code, _org_body(n + 1))),
        )


# The organisation kind each role works in.
ROLE_ORGANISATION_TRAIT = {
    Role.APPLICANT: {},
    Role.COSIGNER: {"finance_bureau": True},
    Role.AGENCY_COORDINATOR: {"review_agency": True},
    Role.EXPERT: {"review_agency": True},
    Role.DEPARTMENT_OFFICER: {"department": True},
    Role.DEPARTMENT_LEADER: {"department": True},
    Role.FINANCE_DEPARTMENT: {"finance_department": True},
    Role.AUDITOR: {"audit_office": True},
    Role.ENTERPRISE: {"enterprise": True},
    Role.COUNTY_BUREAU: {"county_bureau": True},
}


class UserFactory(factory.django.DjangoModelFactory):
    """A user with no role and no organisation (sees nothing)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class UserGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model().groups.through

    user = factory.SubFactory(UserFactory)
    group = factory.LazyFunction(lambda: role_group(Role.APPLICANT))


class RoleUserFactory(UserFactory):
    """A user with one role (a Django group) and a membership of an organisation of the kind the role
    works in. ``organisation=`` puts the user into a given organisation."""

    class Params:
        role = Role.APPLICANT
        organisation = factory.LazyAttribute(lambda o: OrganisationFactory(**ROLE_ORGANISATION_TRAIT[Role(o.role)]))

    username = factory.LazyAttributeSequence(lambda o, n: f"{Role(o.role).value}{n}")
    role_membership = factory.RelatedFactory(
        UserGroupFactory,
        factory_related_name="user",
        group=factory.LazyAttribute(lambda o: role_group(o.factory_parent.role)),
    )
    membership = factory.RelatedFactory(
        MembershipFactory, factory_related_name="user", organisation=factory.SelfAttribute("..organisation")
    )


def _role_factory(role: Role) -> type[RoleUserFactory]:
    name = "".join(part.title() for part in role.value.split("_")) + "Factory"
    return type(name, (RoleUserFactory,), {"Params": type("Params", (), {"role": role.value})})


ROLE_FACTORIES: dict[str, type[RoleUserFactory]] = {role.value: _role_factory(role) for role in Role}
ApplicantFactory = ROLE_FACTORIES[Role.APPLICANT]
CosignerFactory = ROLE_FACTORIES[Role.COSIGNER]
AgencyCoordinatorFactory = ROLE_FACTORIES[Role.AGENCY_COORDINATOR]
ExpertFactory = ROLE_FACTORIES[Role.EXPERT]
DepartmentOfficerFactory = ROLE_FACTORIES[Role.DEPARTMENT_OFFICER]
DepartmentLeaderFactory = ROLE_FACTORIES[Role.DEPARTMENT_LEADER]
FinanceDepartmentFactory = ROLE_FACTORIES[Role.FINANCE_DEPARTMENT]
AuditorFactory = ROLE_FACTORIES[Role.AUDITOR]
EnterpriseUserFactory = ROLE_FACTORIES[Role.ENTERPRISE]
CountyBureauFactory = ROLE_FACTORIES[Role.COUNTY_BUREAU]


def make_user(role: str, organisation: Organisation | None = None, **kwargs):
    """A saved user with ``role`` in ``organisation`` (a fresh organisation of the right kind if omitted)."""
    if organisation is not None:
        kwargs["organisation"] = organisation
    return ROLE_FACTORIES[Role(role).value](**kwargs)
