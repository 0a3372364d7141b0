"""Factories for pilots: calls, plans in each state, and a plan filled until it can be submitted.

Everything is made through ``pilots.services`` (as a user would, with audit events), so a factory-made
plan passes the same checks as a real one. Users come from the shared role factories
(tests/factories.py); the helpers here put them into the organisations of one league/city.

    plan = PilotPlanFactory()                       # a draft of a fresh league/city, open call
    plan = PilotPlanFactory(state="ready")          # filled and co-signed: plan_submit will pass
    plan = PilotPlanFactory(state="submitted", state__enterprises=10)
    fill_plan_ready_to_submit(plan, actor)          # the same filling, on a plan you already have
"""

import io
import math
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from accounts.demo import make_uscc
from accounts.models import Organisation, Region
from accounts.roles import Role
from accounts.validators import USCC_CHARSET
from pilots import services
from pilots.models import FundLine, Indicator, PilotCall, PilotPlan, TargetTemplate
from tests.factories import (
    ApplicantFactory,
    CosignerFactory,
    DepartmentOfficerFactory,
    LeagueCityFactory,
    OrganisationFactory,
)

# Shipped by migration pilots/0002 (the 附2 table of the 2024 guide, 23 indicators).
ATTACHMENT2_TEMPLATE_NAME = "附2 数字化转型绩效评价目标表（2024）"


# --- users ------------------------------------------------------------------------------------------


def industry_bureau(region: Region) -> Organisation:
    """The league/city's industry bureau (工信局), the applicant organisation."""
    return Organisation.objects.filter(region=region, kind=Organisation.Kind.INDUSTRY_BUREAU).first() or (
        OrganisationFactory(region=region, kind=Organisation.Kind.INDUSTRY_BUREAU, name=f"{region.name}工业和信息化局")
    )


def finance_bureau(region: Region) -> Organisation:
    """The league/city's finance bureau (财政局), which co-signs the fund plan."""
    return Organisation.objects.filter(region=region, kind=Organisation.Kind.FINANCE_BUREAU).first() or (
        OrganisationFactory(region=region, kind=Organisation.Kind.FINANCE_BUREAU, name=f"{region.name}财政局")
    )


def make_applicant(region: Region | None = None):
    """A user of the league/city's industry bureau with the applicant role (a fresh league/city if omitted)."""
    return ApplicantFactory(organisation=industry_bureau(region or LeagueCityFactory()))


def make_cosigner(region: Region):
    """A user of the league/city's finance bureau with the cosigner role."""
    return CosignerFactory(organisation=finance_bureau(region))


def make_department_officer():
    return DepartmentOfficerFactory()


def applicant_of(plan: PilotPlan):
    """A user who drafts ``plan`` (an applicant of its organisation), made if there is none."""
    user = (
        get_user_model()
        .objects.filter(membership__organisation=plan.applicant, groups__name=Role.APPLICANT)
        .order_by("pk")
        .first()
    )
    return user or ApplicantFactory(organisation=plan.applicant)


def cosigner_of(plan: PilotPlan):
    user = (
        get_user_model()
        .objects.filter(
            membership__organisation__region=plan.region,
            membership__organisation__kind=Organisation.Kind.FINANCE_BUREAU,
            groups__name=Role.COSIGNER,
        )
        .order_by("pk")
        .first()
    )
    return user or make_cosigner(plan.region)


# --- calls -----------------------------------------------------------------------------------------


def shipped_target_template() -> TargetTemplate:
    """The 附2 template of migration 0002. Transactional tests flush migration data, so it is shipped
    again (by the migration's own function) when missing."""
    template = TargetTemplate.objects.filter(name=ATTACHMENT2_TEMPLATE_NAME).first()
    if template is None:
        from importlib import import_module

        migration = import_module("pilots.migrations.0002_ship_attachment2_target_template")
        migration.ship_template(django_apps, None)
        template = TargetTemplate.objects.get(name=ATTACHMENT2_TEMPLATE_NAME)
    return template


class PilotCallFactory(factory.django.DjangoModelFactory):
    """An open call of this year, deadline in 30 days, using the shipped 附2 template. Made by
    ``services.call_create`` (with the default scorecard and an audit event).

    Traits: ``draft``, ``closed`` (closed, deadline passed), ``past_deadline`` (still open, but the
    deadline has passed: the closing job has not run yet), ``national`` (a national SME city pilot call)."""

    class Meta:
        model = PilotCall

    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = factory.LazyAttributeSequence(lambda o, n: f"{o.year}年制造业数字化转型试点申报（第{n + 1}批）")
    guide_text = "各盟市工信局会同同级财政局编制试点总体方案，明确工作基础、工作目标、实施内容、资金使用和保障措施。"
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    status = PilotCall.Status.OPEN
    target_template = factory.LazyFunction(shipped_target_template)
    created_by = factory.SubFactory(DepartmentOfficerFactory)

    class Params:
        draft = factory.Trait(status=PilotCall.Status.DRAFT)
        closed = factory.Trait(
            status=PilotCall.Status.CLOSED, deadline=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
        )
        past_deadline = factory.Trait(deadline=factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1)))
        # A national SME digital-transformation city pilot call (pilots.services.national).
        national = factory.Trait(
            kind=PilotCall.Kind.NATIONAL_SME_CITY,
            title=factory.LazyAttributeSequence(
                lambda o, n: f"{o.year}年国家中小企业数字化转型城市试点（第{n + 1}批）"
            ),
        )

    @classmethod
    def _create(cls, model_class, *, created_by=None, target_template, **fields):
        return services.call_create(actor=created_by, target_template=target_template, **fields)


# --- plans -----------------------------------------------------------------------------------------

PLAN_STATES = ("draft", "cosigning", "ready", "submitted", "returned", "accepted")


class PilotPlanFactory(factory.django.DjangoModelFactory):
    """A plan made by ``services.plan_create`` for ``actor`` (an applicant; by default one of a fresh
    league/city) in ``call`` (by default a fresh open call).

    ``state``: "draft" (default, empty), "cosigning" (filled, with the finance bureau), "ready"
    (filled and co-signed: submittable), "submitted" (version 1 frozen; its PDF is rendered only
    after commit), "returned", "accepted". ``state__enterprises=n`` sets the size of the list."""

    class Meta:
        model = PilotPlan
        skip_postgeneration_save = True  # the services have saved everything

    actor = factory.SubFactory(
        ApplicantFactory, organisation=factory.LazyFunction(lambda: industry_bureau(LeagueCityFactory()))
    )
    call = factory.SubFactory(PilotCallFactory)
    title = ""

    @classmethod
    def _create(cls, model_class, *, actor, call, title=""):
        return services.plan_create(actor=actor, call=call, title=title)

    @factory.post_generation
    def state(plan, create, extracted, **kwargs):
        if create and extracted and extracted != "draft":
            advance_plan(plan, extracted, **kwargs)


def advance_plan(plan: PilotPlan, state: str, *, enterprises: int = 120) -> PilotPlan:
    """Take a fresh draft to ``state`` (one of PLAN_STATES) through the services."""
    if state not in PLAN_STATES:
        raise ValueError(f"unknown plan state {state!r}; one of {PLAN_STATES}")
    actor = applicant_of(plan)
    if state == "cosigning":
        fill_plan_ready_to_submit(plan, actor, enterprises=enterprises, cosign=False)
        services.plan_send_to_cosign(actor=actor, plan=plan)
    elif state != "draft":
        fill_plan_ready_to_submit(plan, actor, enterprises=enterprises)
    if state in ("submitted", "returned", "accepted"):
        services.plan_submit(actor=actor, plan=plan)
    if state == "returned":
        services.plan_return(
            actor=make_department_officer(), plan=plan, reasons="请补充产业链企业数字化现状的数据来源。"
        )
    if state == "accepted":
        services.plan_accept(actor=make_department_officer(), plan=plan)
    plan.refresh_from_db()
    return plan


SECTION_TEXT = {
    "basis_overview": (
        "全市规模以上制造业企业312家，规模以下制造业企业1,860家，已形成稀土新材料、装备制造、"
        "乳制品加工三大主导产业，2023年规上工业增加值同比增长8.6%。"
    ),
    "basis_chains": (
        "稀土新材料产业链依托白云鄂博资源优势，拥有国家级专精特新“小巨人”企业6家；"
        "装备制造产业链已建成2个自治区级数字化转型示范项目。"
    ),
    "basis_digital_status": (
        "两条产业链共有规上企业148家、规下企业402家；关键工序数控化率52.3%，"
        "企业上云率41.0%，多数规下企业仍停留在单点信息化阶段。"
    ),
    "targets_overview": (
        "试点期内完成不少于100家中小企业数字化改造；中期（第12个月）完成改造企业60家，"
        "培育数字车间10个、智能工厂3个，企业上云率达到70%。"
    ),
    "implementation_content": "开展“诊断—改造—评估”全流程服务，建设行业级工业互联网平台，推广共性数字化解决方案。",
    "implementation_path": "按“样板先行、链式推广、全面覆盖”的路径，先改造链主企业，再带动上下游配套企业。",
    "implementation_mechanism": (
        "成立由分管副市长任组长的工作专班，工信局牵头，财政局负责资金监管，每季度调度一次进展。"
    ),
    "funds_overview": (
        "按照“企业出一点、服务商让一点、政府补一点”的原则筹措资金，自治区奖补资金重点用于企业数字化改造，"
        "市级财政按1:0.5安排配套资金。"
    ),
    "safeguards": "出台试点专项支持政策，设立数字化转型人才实训基地，建立服务商“白名单”和绩效考核机制。",
    "other_material": "附产业链企业名单及近三年数字化项目清单、服务商能力证明材料。",
}

PHASED_TASKS = (
    ("完成试点企业数字化水平诊断评估，形成“一企一策”改造方案", "市工业和信息化局", date(2025, 6, 30)),
    ("完成60家试点企业数字化改造，建成行业级工业互联网平台", "各旗县区工信局、平台服务商", date(2025, 12, 31)),
    ("完成全部改造任务，开展试点验收和经验总结推广", "市工业和信息化局、市财政局", date(2026, 6, 30)),
)

CHAINS = (
    {
        "name": "稀土新材料产业链",
        "is_key_chain": True,
        "basis": "依托稀土资源优势，形成从选矿、冶炼分离到永磁材料、抛光材料的完整产业链。",
        "above_scale_count": 86,
        "below_scale_count": 214,
        "digital_status": "链主企业已建成MES系统，配套企业数字化基础薄弱，设备联网率不足30%。",
    },
    {
        "name": "装备制造产业链",
        "is_key_chain": False,
        "basis": "以重型汽车、风电装备为龙头，已有2个自治区级智能制造示范项目。",
        "above_scale_count": 62,
        "below_scale_count": 188,
        "digital_status": "关键工序数控化率55%，规下企业以单机应用为主，数据未打通。",
    },
)

FUND_LINES = {
    FundLine.Direction.PLATFORM: {
        "description": "行业级工业互联网平台建设",
        "enterprise": Decimal("1200000.00"),
        "provider_discount": Decimal("300000.00"),
        "subsidy_requested": Decimal("2500000.00"),
        "matching": Decimal("1000000.00"),
        "other": Decimal("0.00"),
    },
    FundLine.Direction.RETROFIT: {
        "description": "100家中小企业数字化改造",
        "enterprise": Decimal("12345678.90"),
        "provider_discount": Decimal("1500000.00"),
        "subsidy_requested": Decimal("8000000.00"),
        "matching": Decimal("3000000.00"),
        "other": Decimal("654321.10"),
    },
    FundLine.Direction.CONSULTING: {
        "description": "购买诊断咨询服务",
        "enterprise": Decimal("0.00"),
        "provider_discount": Decimal("200000.00"),
        "subsidy_requested": Decimal("800000.00"),
        "matching": Decimal("200000.00"),
        "other": Decimal("0.00"),
    },
    FundLine.Direction.TRAINING: {
        "description": "企业数字化人才培训",
        "enterprise": Decimal("100000.00"),
        "provider_discount": Decimal("0.00"),
        "subsidy_requested": Decimal("300000.00"),
        "matching": Decimal("100000.00"),
        "other": Decimal("50000.50"),
    },
}

ENTERPRISE_PLACES = ("草原", "北疆", "塞外", "金桥", "鹿城", "青城", "黄河", "阴山", "大漠", "敕勒川")
ENTERPRISE_TRADES = (
    "稀土新材料",
    "永磁电机",
    "装备制造",
    "精密铸造",
    "风电设备",
    "重型机械",
    "乳业",
    "羊绒制品",
    "铝业",
    "光伏材料",
)
ENTERPRISE_SUFFIXES = ("有限公司", "科技有限公司", "股份有限公司")


def uscc_body(number: int) -> str:
    """Eight characters of an organisation code, one per ``number`` (base 31 over the USCC alphabet:
    digits and upper-case letters without I, O, S, V, Z)."""
    characters = []
    for _ in range(8):
        number, remainder = divmod(number, len(USCC_CHARSET))
        characters.append(USCC_CHARSET[remainder])
    return "".join(reversed(characters))


def enterprise_rows(count: int, chain_names, *, region_code: str = "150200", seed: int = 0) -> list:
    """``count`` valid, distinct enterprise rows spread over ``chain_names``; every sixth is not to be
    retrofitted, every fifth is SRDI. ``seed`` keeps the codes of different plans apart."""
    chain_names = list(chain_names)
    rows = []
    for index in range(count):
        place = ENTERPRISE_PLACES[index % len(ENTERPRISE_PLACES)]
        trade = ENTERPRISE_TRADES[(index // len(ENTERPRISE_PLACES)) % len(ENTERPRISE_TRADES)]
        suffix = ENTERPRISE_SUFFIXES[index % len(ENTERPRISE_SUFFIXES)]
        branch = f"（第{index // 100 + 1}分公司）" if index >= 100 else ""
        rows.append(
            services.EnterpriseRow(
                name=f"内蒙古{place}{trade}{suffix}{branch}",
                uscc=make_uscc(region_code, uscc_body(seed * 100_000 + index + 1)),
                revenue=Decimal(1_000_000 + (index * 7_919_003) % 900_000_000) + Decimal(index % 100) / 100,
                is_srdi=index % 5 == 0,
                chain_name=chain_names[index % len(chain_names)],
                to_retrofit=index % 6 != 5,
            )
        )
    return rows


def target_cells(plan: PilotPlan) -> dict[tuple[int, str], str]:
    """A full, valid target table; the two 改造…企业数量 targets together reach the call's minimum
    (and at least 100) with 10 to spare."""
    minimum = max(plan.call.min_retrofit_enterprises, 100)
    retrofit_targets = iter((math.ceil(minimum * 0.6), minimum - math.ceil(minimum * 0.6) + 10))
    cells = {}
    for number, value in enumerate(plan.target_values.select_related("indicator").order_by("indicator__order")):
        indicator = value.indicator
        if indicator.kind == Indicator.Kind.PERCENT:
            row = ("45.5", "62.0", "80.5")
        elif indicator.counts_as_retrofit:
            target = next(retrofit_targets)
            row = ("0", str(target // 2), str(target))
        else:
            baseline = 3 + number * 2
            row = (str(baseline), str(baseline + 4), str(baseline + 9))
        for field, text in zip(("baseline", "midterm_target", "target"), row, strict=True):
            cells[(indicator.pk, field)] = text
    return cells


def stamped_pdf_upload(name: str = "盖章总体方案.pdf") -> SimpleUploadedFile:
    """A real one-page A4 PDF, as the bureau's scanned, stamped plan."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "试点总体方案（盖章版）"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def add_chains(plan: PilotPlan, actor) -> list:
    """The two chains of CHAINS (稀土新材料产业链, 装备制造产业链)."""
    return [services.chain_save(actor=actor, plan=plan, **chain) for chain in CHAINS]


def fill_plan_ready_to_submit(plan: PilotPlan, actor, enterprises: int = 120, *, cosign: bool = True, cosigner=None):
    """Fill every part of a draft through the services until ``plan_submit`` would pass: all ten
    sections, three phased tasks, two chains, ``enterprises`` enterprises, a full target table, a fund
    plan, a stamped PDF, and (unless ``cosign=False``) the finance bureau's co-signature. Returns the
    plan, reloaded."""
    services.plan_update_sections(actor=actor, plan=plan, **SECTION_TEXT)
    for task, owner, due in PHASED_TASKS:
        services.phased_task_add(actor=actor, plan=plan, task=task, owner=owner, due=due)
    add_chains(plan, actor)
    rows = enterprise_rows(enterprises, [chain["name"] for chain in CHAINS], region_code=plan.region.code, seed=plan.pk)
    services.enterprises_replace(actor=actor, plan=plan, rows=rows, source="factory")
    problems = services.target_table_save(actor=actor, plan=plan, cells=target_cells(plan))
    if problems:
        raise AssertionError(f"the factory's target table is not valid: {problems}")
    services.fund_plan_save(actor=actor, plan=plan, lines=FUND_LINES)
    services.stamped_pdf_attach(actor=actor, plan=plan, uploaded=stamped_pdf_upload())
    if cosign:
        services.plan_send_to_cosign(actor=actor, plan=plan)
        services.plan_cosign(actor=cosigner or cosigner_of(plan), plan=plan, comment="经审核，资金计划合理，同意会签。")
    plan.refresh_from_db()
    return plan


# --- after the selection: approved plans ----------------------------------------------------------------

APPROVED_AMOUNT = Decimal("8000000.00")  # below the factory fund plan's request (11,600,000.00)


def approve_plan(plan: PilotPlan, *, amount: Decimal = APPROVED_AMOUNT, officer=None, leader=None) -> PilotPlan:
    """Take a submitted plan to APPROVED as the review, the list and the approval would: SELECTED through
    ``move_plan`` (the expert review and the notice are simulated), the officer's draft, the leader's approval
    (number, instalments, first one due)."""
    from django.db import transaction

    from pilots.services.plans import lock_plan
    from tests.factories import DepartmentLeaderFactory

    with transaction.atomic():
        services.move_plan(lock_plan(plan), actor=None, action="test.select", to=PilotPlan.Status.SELECTED)
    approval = services.approval_draft(
        actor=officer or make_department_officer(),
        plan=plan,
        approved_amount=amount,
        conditions="专款专用。",
        revision_requests="",
    )
    services.approval_approve(actor=leader or DepartmentLeaderFactory(), approval=approval)
    plan.refresh_from_db()
    return plan


def approved_plan(*, enterprises: int = 10, amount: Decimal = APPROVED_AMOUNT, **kwargs) -> PilotPlan:
    """A filled plan of a fresh league/city, submitted (version 1) and approved for ``amount`` yuan."""
    plan = PilotPlanFactory(state="submitted", state__enterprises=enterprises, **kwargs)
    return approve_plan(plan, amount=amount)


# --- national SME digital-transformation city pilots ---------------------------------------------------

NATIONAL_GRANT = Decimal("30000000.00")


def national_approval_upload(name: str = "工业和信息化部 财政部关于中小企业数字化转型城市试点的批复.pdf"):
    return stamped_pdf_upload(name)


def fill_national_plan(plan: PilotPlan, actor=None, *, amount: Decimal = NATIONAL_GRANT) -> PilotPlan:
    """Everything a national SME city pilot plan needs before it is submitted: the grant requested, the
    national approval and the approved plan (both PDFs)."""
    from pilots.services import national

    actor = actor or applicant_of(plan)
    national.national_request_save(actor=actor, plan=plan, title=plan.title, amount=amount)
    national.national_approval_attach(actor=actor, plan=plan, uploaded=national_approval_upload())
    services.stamped_pdf_attach(actor=actor, plan=plan, uploaded=stamped_pdf_upload("城市试点实施方案（批准稿）.pdf"))
    plan.refresh_from_db()
    return plan
