"""The world the attack suite runs in: the demo data set (``manage.py load_demo``'s loaders), a few subsidy
applications on top (the demo has a round but no applications), one principal per demo role, and a secret
marker written into every private object.

Markers are ASCII words such as ``SECRETPLAN17X`` (plan 17's title). They survive HTML escaping, URL
quoting and JSON, so a page, a header or a download that shows an object can be caught showing it to
someone who may not see it. Text that was *published* (a public notice copies names and titles when it is
published) is copied before the markers are written, so public pages legitimately show no markers.

Who may see what is written out below (``PlanSpec.visible`` …) from docs/roles.md and the domain rules,
not by calling the application's own permission functions: a test that asked the code under test whether
it may show something would agree with every bug.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from accounts.roles import PROVINCE_WIDE_READERS, Role

# One principal per role: the demo account the matrix logs in as. They are chosen so that one league/city
# (包头市 150200, with its county 昆都仑区 150203 and enterprise2 there) owns cases of every kind, and every
# other league/city's cases are foreign to them. The expert (expert3) has a plan review with a declaration
# (plan of 呼和浩特市), one still waiting for the declaration (阿拉善盟) and a subsidy application.
PRINCIPALS: dict[str, str | None] = {
    "anonymous": None,
    Role.DEPARTMENT_OFFICER: "dept",
    Role.DEPARTMENT_LEADER: "dept_leader",
    Role.FINANCE_DEPARTMENT: "finance",
    Role.AUDITOR: "auditor",
    Role.AGENCY_COORDINATOR: "agency",
    Role.EXPERT: "expert3",
    Role.APPLICANT: "bureau_150200",
    Role.COSIGNER: "finbureau_150200",
    Role.COUNTY_BUREAU: "county_150203",
    Role.ENTERPRISE: "enterprise2",
}
HOME_REGION = "150200"

# Plans in the sample, by (region code, call year): 包头's two, the principals' own (a draft of 2024, and an
# approved pilot of 2022 with its mid-term report to fill), 呼和浩特 and 阿拉善盟 of 2025 (in expert review;
# expert3 reviews 呼和浩特 after declaring no conflict and has not declared for 阿拉善盟 yet) and 巴彦淖尔
# of 2023 (approved, with instalments and an approval PDF).
SAMPLE_PLANS = [("150200", 2024), ("150200", 2022), ("150100", 2025), ("152900", 2025), ("150800", 2023)]
REVIEWABLE_PLAN_STATUSES = {"accepted", "in_review", "shortlisted", "selected", "not_selected", "approved"}


def marker(kind: str, pk: int) -> str:
    return f"SECRET{kind.upper()}{pk}X"


@dataclass
class Principal:
    role: str
    username: str | None
    user: object | None
    region_code: str | None = None
    organisation_id: int | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def province_wide(self) -> bool:
        return self.role in PROVINCE_WIDE_READERS


@dataclass
class World:
    principals: dict[str, Principal]
    samples: dict[str, list]  # kind → sample objects
    secrets: list[tuple[str, str, object]] = field(default_factory=list)  # (marker, kind, object)
    media_root: object = None
    expert_plan_grants: dict[int, set[int]] = field(default_factory=dict)  # expert user id → plan ids declared
    expert_plan_assigned: dict[int, set[int]] = field(default_factory=dict)  # expert user id → plan ids assigned
    expert_applications: dict[int, set[int]] = field(default_factory=dict)  # expert user id → application ids
    # Objects only read to find forms (forms.py), in states the samples lack: kind → [(object, rule)], where
    # rule(world, principal, object) says who may see it.
    discovery_extras: dict[str, list] = field(default_factory=dict)


# --- who may see what ---------------------------------------------------------------------------------------
#
# Each function answers "may this principal see this object's private text?" from the rules of docs/roles.md:
# - the province-wide readers (Department officer and leader, Finance Department, auditor) read every case;
# - a league/city's industry bureau (applicant) and finance bureau (cosigner) see their own region's plans;
#   the industry bureau also reviews the subsidy applications of its counties;
# - the review agency's coordinator sees plans from the completeness check on (they are what it reviews),
#   the expert pool and every assignment;
# - an expert sees the plans and applications assigned to them (the plan's title as soon as it is assigned,
#   the plan itself once they declared no conflict) and only their own scorecards;
# - a county bureau sees the applications of its county, an enterprise its own applications;
# - objections (name, contact, grounds) are for the Department and the auditor only;
# - anonymous visitors see published notices only.


def plan_title_visible(world: World, principal: Principal, plan) -> bool:
    if plan_visible(world, principal, plan):
        return True
    return principal.role == Role.EXPERT and plan.pk in world.expert_plan_assigned.get(principal.user.pk, set())


def plan_visible(world: World, principal: Principal, plan) -> bool:
    if principal.is_anonymous:
        return False
    if principal.province_wide:
        return True
    if principal.role in (Role.APPLICANT, Role.COSIGNER):
        return plan.region.code == principal.region_code
    if principal.role == Role.AGENCY_COORDINATOR:
        return plan.status in REVIEWABLE_PLAN_STATUSES
    if principal.role == Role.EXPERT:
        return plan.pk in world.expert_plan_grants.get(principal.user.pk, set())
    return False


def application_visible(world: World, principal: Principal, application) -> bool:
    if principal.is_anonymous:
        return False
    if principal.province_wide:
        return True
    if principal.role == Role.ENTERPRISE:
        return application.enterprise_id == principal.organisation_id
    if principal.role == Role.COUNTY_BUREAU:
        return application.county.code == principal.region_code
    if principal.role == Role.APPLICANT:
        return application.county.parent.code == principal.region_code
    if principal.role == Role.EXPERT:
        return application.pk in world.expert_applications.get(principal.user.pk, set())
    return False


def opinion_visible(world: World, principal: Principal, assignment) -> bool:
    """An expert's submitted opinion on a plan: the expert, the agency, the Department and the auditor.
    (Not the Finance Department: the review is not about money; not the region: it gets the consensus.)"""
    if principal.is_anonymous:
        return False
    if principal.role in (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR, Role.AGENCY_COORDINATOR):
        return True
    return principal.role == Role.EXPERT and assignment.expert.user_id == principal.user.pk


def objection_visible(world: World, principal: Principal, objection) -> bool:
    return principal.role in (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR)


def expert_ties_visible(world: World, principal: Principal, expert) -> bool:
    """An expert's declared ties (whom they must not review): the agency that screens for conflicts."""
    return principal.role == Role.AGENCY_COORDINATOR


def document_visible(world: World, principal: Principal, document) -> bool:
    """A file is visible to whoever may see its case; a file of no case to its organisation."""
    owner = document.owner
    if owner is None:
        return principal.province_wide or principal.organisation_id == document.organisation_id
    label = owner._meta.label
    if label == "pilots.PilotPlan":
        return plan_visible(world, principal, owner)
    if label == "applications.SubsidyApplication":
        return application_visible(world, principal, owner)
    if label == "notices.Objection":
        return objection_visible(world, principal, owner)
    if label == "notices.PublicNotice":
        return True
    if label == "evaluation.RankingReport":
        return principal.role in (
            Role.DEPARTMENT_OFFICER,
            Role.DEPARTMENT_LEADER,
            Role.AUDITOR,
            Role.AGENCY_COORDINATOR,
        )
    # A kind of case this table does not know yet: only the province-wide readers, until it is added here.
    return principal.province_wide


# Marker kind → the rule deciding who may see it.
SECRET_RULES = {
    "plan": plan_title_visible,
    "planbody": plan_visible,
    "app": application_visible,
    "opinion": opinion_visible,
    "objection": objection_visible,
    "ties": expert_ties_visible,
    "doc": document_visible,
}


def may_see(world: World, principal: Principal, kind: str, obj) -> bool:
    return SECRET_RULES[kind](world, principal, obj)


# --- building it ---------------------------------------------------------------------------------------------


def build_world(media_root) -> World:
    """Load the demo and everything above. Runs inside the caller's transaction (rolled back at the end)."""
    from django.core.management import call_command

    from applications.demo import load_demo_round

    from ..factories import ensure_role_groups
    from ..pilots.factories import shipped_target_template

    # A transactional test that ran before (the browser tests) flushed what the data migrations shipped.
    ensure_role_groups()
    shipped_target_template()
    # Exactly what ``manage.py load_demo`` loads, so a loader added to it later is in the matrix too.
    call_command("load_demo", "--quiet")
    subsidy_round = load_demo_round()  # idempotent: the round load_demo made

    users = (
        get_user_model()
        .objects.select_related("membership__organisation__region")
        .in_bulk([name for name in PRINCIPALS.values() if name], field_name="username")
    )
    principals = {}
    for role, username in PRINCIPALS.items():
        user = users.get(username) if username else None
        organisation = user.membership.organisation if user else None
        principals[str(role)] = Principal(
            role=str(role),
            username=username,
            user=user,
            region_code=organisation.region.code if organisation else None,
            organisation_id=organisation.pk if organisation else None,
        )
    applications = _applications(subsidy_round)
    open_notice, open_objection = _open_notice(subsidy_round, applications)
    _holiday()
    _render_public_pdfs()
    world = World(principals=principals, samples={}, media_root=media_root)
    _collect_reviews(world)
    world.samples = _samples(world, applications)
    # The notice open for objections and its objection are always among the samples (the objection form and
    # the Department's handling forms are on their pages), beside the demo's first, ended, one.
    for kind, obj in (("notice", open_notice), ("objection", open_objection)):
        world.samples[kind] = [*[o for o in world.samples[kind] if o.pk != obj.pk][:1], obj]
    world.discovery_extras = _discovery_extras(world, subsidy_round)
    _write_markers(world)
    return world


def _discovery_extras(world: World, subsidy_round) -> dict[str, list]:
    """Objects in states the samples lack, whose pages carry forms of their own. Only read, to find those
    forms (forms.py): a submitted plan (the completeness check), a selected one (the approval draft), 包头's
    plan of a call of its own waiting for its finance bureau (the co-signature), a draft call (opening it),
    expert3's assignment waiting for the declaration and one being scored, and 包头's application the county
    passed (the city's review)."""
    from applications import services as application_services
    from evaluation import services as review_services
    from evaluation.models import Assignment, ExpertProfile
    from pilots.models import PilotCall, PilotPlan

    from ..pilots.factories import PilotCallFactory, PilotPlanFactory

    users = (
        get_user_model()
        .objects.select_related("membership__organisation")
        .in_bulk(["bureau_150200", "agency", "expert3", "enterprise2", "county_150203"], field_name="username")
    )
    cosigning = PilotPlanFactory(
        actor=users["bureau_150200"], call=PilotCallFactory(), state="cosigning", state__enterprises=100
    )
    plans = [
        PilotPlan.objects.filter(status=status).order_by("pk").first()
        for status in (PilotPlan.Status.SUBMITTED, PilotPlan.Status.SELECTED)
    ]
    plans = list(PilotPlan.objects.select_related("region").filter(pk__in=[p.pk for p in [*plans, cosigning] if p]))
    draft_call = PilotCallFactory(draft=True)

    expert = ExpertProfile.objects.get(user=users["expert3"])
    pending = Assignment.objects.filter(expert=expert, status=Assignment.Status.PENDING).order_by("pk").first()
    # Another expert's pending assignment on a plan expert3 does not review is declined, freeing the place
    # expert3 then takes and declares for (the plans have their three experts already).
    other = (
        Assignment.objects.filter(status=Assignment.Status.PENDING, plan__call__status=PilotCall.Status.IN_REVIEW)
        .exclude(plan__assignments__expert=expert)
        .select_related("expert__user", "plan__call")
        .order_by("pk")
        .first()
    )
    review_services.assignment_decline(
        actor=other.expert.user, assignment=other, reason=Assignment.DeclineReason.REGION
    )
    target = other.plan
    (scoring,) = review_services.assignments_create_many(
        actor=users["agency"], call=target.call, pairs=[(target.pk, expert.pk)]
    )
    scoring = review_services.assignment_declare_no_conflict(actor=users["expert3"], assignment=scoring, confirmed=True)
    world.expert_plan_assigned.setdefault(users["expert3"].pk, set()).add(target.pk)
    world.expert_plan_grants.setdefault(users["expert3"].pk, set()).add(target.pk)

    passed = _save_application(subsidy_round, users["enterprise2"], "150203", "稀土抛光粉智能仓储项目", "BT-003")
    passed = application_services.application_submit(actor=users["enterprise2"], application=passed)
    passed = application_services.county_review(
        actor=users["county_150203"],
        application=passed,
        passed=True,
        comment="材料齐全",
        recognised_facts={"investment": Decimal("25000000")},
    )
    return {
        "plan": [(plan, plan_visible) for plan in plans],
        "call": [(draft_call, lambda world, principal, call: not principal.is_anonymous)],
        "assignment": [(a, _own_assignment) for a in (pending, scoring) if a is not None],
        "application": [(passed, application_visible)],
    }


def _own_assignment(world: World, principal: Principal, assignment) -> bool:
    return principal.role == Role.EXPERT and assignment.expert.user_id == principal.user.pk


def _applications(subsidy_round) -> list:
    """Four applications of the demo round: two of enterprise2's (包头 昆都仑区, the principals' own), one
    submitted and one a draft, enterprise1's (呼和浩特 新城区) submitted, and another of enterprise1's in
    expert review by expert3."""
    from applications import services
    from applications.models import SubsidyApplication
    from evaluation.models import ExpertProfile

    users = (
        get_user_model()
        .objects.select_related("membership__organisation")
        .in_bulk(
            ["enterprise1", "enterprise2", "county_150102", "bureau_150100", "dept", "expert3"], field_name="username"
        )
    )

    def save(username: str, county_code: str, name: str, invoice: str) -> SubsidyApplication:
        return _save_application(subsidy_round, users[username], county_code, name, invoice)

    own = save("enterprise2", "150203", "稀土永磁产线智能化改造项目", "BT-001")
    own = services.application_submit(actor=users["enterprise2"], application=own)
    draft = save("enterprise2", "150203", "稀土分离车间数字孪生项目", "BT-002")
    foreign = save("enterprise1", "150102", "乳制品数字化车间建设项目", "HH-001")
    foreign = services.application_submit(actor=users["enterprise1"], application=foreign)
    reviewed = save("enterprise1", "150102", "智能仓储物流系统改造项目", "HH-002")
    reviewed = services.application_submit(actor=users["enterprise1"], application=reviewed)
    reviewed = services.county_review(
        actor=users["county_150102"],
        application=reviewed,
        passed=True,
        comment="材料齐全",
        recognised_facts={"investment": Decimal("25000000")},
    )
    reviewed = services.city_review(
        actor=users["bureau_150100"],
        application=reviewed,
        decision="pass",
        comment="同意推荐",
        recommended_amount=Decimal("3000000"),
    )
    expert = ExpertProfile.objects.get(user=users["expert3"])
    services.expert_assign(actor=users["dept"], application=reviewed, expert=expert)
    return [own, draft, foreign, reviewed]


def _open_notice(subsidy_round, applications):
    """A notice open for objections today (the demo's notice has ended), so the public objection form is
    there to attack. Its period started a few days ago, so it is open whatever today is."""
    from notices.calendar import add_working_days, today_in_china
    from notices.models import PublicNotice
    from notices.services import EntrySpec, notice_publish, objection_file

    today = today_in_china()
    notice = notice_publish(
        actor=get_user_model().objects.get(username="dept"),
        subject=subsidy_round,
        title="奖补项目拟支持名单公示（测试）",
        body="现将拟支持项目予以公示。",
        entries=[
            EntrySpec(label=a.enterprise.name, title=a.project_name, detail="拟奖补", subject=a) for a in applications
        ],
        working_days=5,
        starts_on=today - timedelta(days=3),
    )
    if not notice.accepts_objections(today):  # a long holiday just ended: start it today instead
        PublicNotice.objects.filter(pk=notice.pk).update(starts_on=today, ends_on=add_working_days(today, 5))
        notice.refresh_from_db()
    # An objection waiting for the Department (its handling forms), filed the way the public files one.
    objection = objection_file(
        notice=notice,
        entry=notice.entries.order_by("position").first(),
        name="某公民（测试）",
        contact="13800000000",
        grounds="反映该项目的投资金额与实际不符，请核实。",
    )
    return notice, objection


def _save_application(subsidy_round, user, county_code: str, name: str, invoice: str):
    from accounts.models import Region
    from applications import services

    year = timezone.localdate().year
    return services.application_save(
        actor=user,
        subsidy_round=subsidy_round,
        enterprise=user.membership.organisation,
        project_name=name,
        category_code="smart_retrofit",
        period_from=date(year, 1, 1),
        period_to=date(year, 12, 31),
        county=Region.objects.get(code=county_code),
        facts={"investment": Decimal("25000000")},
        investments=[
            services.InvestmentSpec(
                kind="equipment", description="工业机器人", amount=Decimal("25000000"), invoice_number=invoice
            )
        ],
    )


def _holiday() -> None:
    from notices.models import HolidayOverride

    HolidayOverride.objects.get_or_create(
        date=timezone.localdate() + timedelta(days=400), defaults={"is_working_day": True, "note": "调休上班（测试）"}
    )


def _render_public_pdfs() -> None:
    """The notice PDFs the public page would otherwise render on every request (their rendering runs after
    commit, which a rolled-back test transaction never reaches)."""
    from notices.models import PublicNotice
    from notices.pdf import render_notice_pdf_now

    for notice in PublicNotice.objects.filter(pdf__isnull=True):
        render_notice_pdf_now(notice.pk)


def _collect_reviews(world: World) -> None:
    from applications.models import ApplicationExpertReview
    from evaluation.models import Assignment

    for user_id, plan_id, declared in Assignment.objects.values_list("expert__user_id", "plan_id", "declared_at"):
        world.expert_plan_assigned.setdefault(user_id, set()).add(plan_id)
        if declared is not None:
            world.expert_plan_grants.setdefault(user_id, set()).add(plan_id)
    for user_id, application_id in ApplicationExpertReview.objects.values_list("expert__user_id", "application_id"):
        world.expert_applications.setdefault(user_id, set()).add(application_id)


def _samples(world: World, applications: list) -> dict[str, list]:
    """The objects each URL is requested with: for every kind a few, owned by different regions and
    organisations and in different states."""
    from applications.models import CategoryRule, Policy, SubsidyRound
    from documents.models import Document
    from evaluation.models import Assignment, ExpertProfile
    from notices.models import HolidayOverride, Objection, PublicNotice
    from pilots.models import Instalment, PilotCall, PilotPlan, Selection

    plans = {
        (plan.region.code, plan.call.year): plan
        for plan in PilotPlan.objects.select_related("region", "call").filter(
            region__code__in={code for code, _year in SAMPLE_PLANS}
        )
    }
    expert3 = world.principals[Role.EXPERT].user
    own_assignment = Assignment.objects.filter(expert__user=expert3, declared_at__isnull=False).order_by("pk").first()
    other_assignments = list(
        Assignment.objects.exclude(expert__user=expert3).filter(plan__call__status="in_review").order_by("pk")[:2]
    )
    return {
        "plan": [plans[key] for key in SAMPLE_PLANS if key in plans],
        "call": list(PilotCall.objects.order_by("year")),
        "selection": list(Selection.objects.order_by("pk")[:2]),
        "instalment": [
            instalment
            for status in ("paid", "due")
            for instalment in Instalment.objects.filter(status=status).order_by("pk")[:1]
        ],
        "expert": list(ExpertProfile.objects.filter(user__username__in=["expert3", "expert5"]).order_by("pk")),
        "assignment": [a for a in [own_assignment, *other_assignments] if a is not None],
        "notice": list(PublicNotice.objects.order_by("pk")[:2]),
        "objection": list(Objection.objects.order_by("pk")[:2]),
        "holiday": list(HolidayOverride.objects.order_by("pk")[:1]),
        "policy": list(Policy.objects.filter(is_demo=True).order_by("code")[:1]),
        "rule": list(CategoryRule.objects.order_by("pk")[:1]),
        "round": list(SubsidyRound.objects.order_by("pk")[:1]),
        "application": applications,
        "document": list(
            Document.objects.filter(
                Q(owner_id__in=[p.pk for p in plans.values()], purpose="stamped_plan")
                | Q(purpose__in=["notice_pdf", "ranking_report", "approval_pdf", "subsidy_evidence"])
            ).order_by("pk")
        ),
    }


def _write_markers(world: World) -> None:
    """Private text gets a marker after everything public was published (notices copy titles then)."""
    from applications.models import SubsidyApplication
    from documents.models import Document
    from evaluation.models import Assignment, ExpertProfile
    from notices.models import Objection
    from pilots.models import PilotPlan

    for plan in PilotPlan.objects.select_related("region"):
        title = f"{plan.title}（{marker('plan', plan.pk)}）"
        body = f"{marker('planbody', plan.pk)} {plan.basis_overview}"
        PilotPlan.objects.filter(pk=plan.pk).update(title=title, basis_overview=body)
        plan.title, plan.basis_overview = title, body
        world.secrets += [(marker("plan", plan.pk), "plan", plan), (marker("planbody", plan.pk), "planbody", plan)]
    for application in SubsidyApplication.objects.select_related("county__parent"):
        name = f"{application.project_name}{marker('app', application.pk)}"
        SubsidyApplication.objects.filter(pk=application.pk).update(project_name=name)
        world.secrets.append((marker("app", application.pk), "app", application))
    for assignment in Assignment.objects.exclude(overall_opinion="").select_related("expert"):
        opinion = f"{assignment.overall_opinion}{marker('opinion', assignment.pk)}"
        Assignment.objects.filter(pk=assignment.pk).update(overall_opinion=opinion)
        world.secrets.append((marker("opinion", assignment.pk), "opinion", assignment))
    for objection in Objection.objects.all():
        grounds = f"{objection.grounds}{marker('objection', objection.pk)}"
        Objection.objects.filter(pk=objection.pk).update(grounds=grounds)
        world.secrets.append((marker("objection", objection.pk), "objection", objection))
    for expert in ExpertProfile.objects.all():
        ties = [*(expert.declared_ties or []), marker("ties", expert.pk)]
        ExpertProfile.objects.filter(pk=expert.pk).update(declared_ties=ties)
        world.secrets.append((marker("ties", expert.pk), "ties", expert))
    for document in Document.objects.select_related("owner_type"):
        name = f"{marker('doc', document.pk)}-{document.original_name}"
        Document.objects.filter(pk=document.pk).update(original_name=name)
        world.secrets.append((marker("doc", document.pk), "doc", document))
    # The sample objects were read before the markers: read them again so that URLs and rules see the same rows.
    for kind, objects in world.samples.items():
        world.samples[kind] = [type(obj).objects.get(pk=obj.pk) for obj in objects]
