"""Every page of the site, generated from the URL resolver, each with the object it is measured on.

A page without path parameters needs nothing here: it is measured for every role. A page with parameters
needs an entry in ``SUBJECTS`` (which object, for a given user, the page is shown for), or in ``NOT_PAGES``
(actions that only accept POST, files, redirects, authentication) — ``unregistered()`` names the URLs in
neither, and a test fails until each is added. A role "may see" a page when the page answers 200 for it;
404 (not theirs), 403 and redirects are recorded as such, not measured."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Value, When
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import Role

# The kind of each page, for the goals: inbox, list (first page), detail: p95 ≤ 100 ms; dashboard ≤ 300 ms.
KINDS = {
    "index": "dashboard",
    "workflows:index": "inbox",
    "applications:round_detail": "dashboard",
    "evaluation:call_review": "dashboard",
    "pilots:selection": "dashboard",
}
LIST_WORDS = (
    "index",
    "_list",
    "list",
    "instalments",
    "my_assignments",
    "enterprises",
    "queue",
    "pilot_calls",
    "call_pilots",
    "clawbacks",
    "versions",
)


def kind_of(name: str) -> str:
    if name in KINDS:
        return KINDS[name]
    form_endings = (
        "_edit",
        "_new",
        "_add",
        "_create",
        "assign",
        "suggest",
        "revise",
        "_record",
        "_decide",
        "_open",
        "_close",
        "_require",
        "_accept",
        "_return",
        "_submit",
        "_review",
        "calculator",
        "_cosign",
        "_check",
        "approval_draft",
        "approval_approve",
    )
    if name.endswith(form_endings):
        return "form"
    if any(name.endswith(word) for word in LIST_WORDS):
        return "list"
    return "detail"


# URLs that are not pages to measure, by reason. Actions that accept only POST (require_POST,
# require_http_methods) are left out without being named here: see http_methods().
FILE = "file download"
REDIRECT = "redirect to another page"
AUTH = "authentication"
NOT_PAGES = {
    **dict.fromkeys(["login", "logout", "password_change", "password_change_done", "set_language"], AUTH),
    **dict.fromkeys(["documents:download", "public_notices:notice_pdf", "pilots:enterprises_template"], FILE),
    "pilots:enterprises_export": FILE,
    "evaluation:call_pilots_export": FILE,
    "public_notices:objection_received": "receipt of a filed objection (needs its secret token)",
    "workflows:task": REDIRECT,
}
IGNORED_PREFIXES = ("admin:", "baseline:")  # Django's admin; the bench's own baseline pages


# --- the users of each role ----------------------------------------------------------------------------

ROLE_USERS = {
    Role.DEPARTMENT_OFFICER: "dept",
    Role.DEPARTMENT_LEADER: "dept_leader",
    Role.FINANCE_DEPARTMENT: "finance",
    Role.AGENCY_COORDINATOR: "agency",
    Role.AUDITOR: "auditor",
    Role.APPLICANT: "bureau_150100",  # its plan in the open call is a draft: the edit pages show
    Role.COSIGNER: "finbureau_150200",
}


def role_users() -> dict[str, object]:
    """A user per role: the demo users, and for the roles with many users the busiest one (the expert
    with the most assignments, the enterprise and the county bureau with the most applications)."""
    from applications.models import SubsidyApplication
    from evaluation.models import ExpertProfile

    User = get_user_model()
    users = {role: User.objects.get(username=username) for role, username in ROLE_USERS.items()}
    expert = (
        ExpertProfile.objects.annotate(n=Count("assignments") + Count("subsidy_reviews"))
        .order_by("-n", "pk")
        .select_related("user")
        .first()
    )
    users[Role.EXPERT] = expert.user
    busiest = SubsidyApplication.objects.values("enterprise").annotate(n=Count("pk")).order_by("-n", "enterprise")
    users[Role.ENTERPRISE] = User.objects.get(membership__organisation_id=busiest[0]["enterprise"])
    busiest = SubsidyApplication.objects.values("county").annotate(n=Count("pk")).order_by("-n", "county")
    users[Role.COUNTY_BUREAU] = User.objects.get(
        membership__organisation__region_id=busiest[0]["county"], groups__name=Role.COUNTY_BUREAU
    )
    return users


# --- the subject of each page with parameters ----------------------------------------------------------


PLAN_ORDER = [
    "approved",
    "selected",
    "shortlisted",
    "in_review",
    "not_selected",
    "accepted",
    "returned",
    "submitted",
    "cosigned",
    "cosigning",
    "draft",
]


def _plan(user, *statuses, editable=False, national=False):
    from pilots.models import PilotPlan
    from pilots.selectors import plans_visible_to

    plans = plans_visible_to(user)
    if statuses:
        plans = plans.filter(status__in=statuses)
    if editable:
        plans = plans.filter(status__in=PilotPlan.EDITABLE)
    if national:
        plans = plans.filter(call__kind="national_sme_city")
    # The richest state first (approval, instalments, review), then the most enterprises, so that a query
    # per row would show and both sizes show the same kind of plan.
    rank = Case(
        *(When(status=status, then=Value(number)) for number, status in enumerate(PLAN_ORDER)),
        output_field=IntegerField(),
    )
    return plans.annotate(rank=rank, n=Count("enterprises")).order_by("rank", "-n", "-call__year", "pk").first()


def _reviewed_plan(user):
    from pilots.models import PilotPlan

    return _plan(user, PilotPlan.Status.IN_REVIEW, PilotPlan.Status.SHORTLISTED, PilotPlan.Status.SELECTED)


def _call(user, *statuses):
    from pilots.selectors import calls_visible_to

    calls = calls_visible_to(user)
    if statuses:
        calls = calls.filter(status__in=statuses)
    return calls.order_by("-year", "pk").first()


def _review_call(user):
    from pilots.models import PilotCall

    return PilotCall.objects.filter(review__isnull=False).order_by("-year").first()


# The richest states first (expert reviews, notice, payments), so that both sizes show the same kind.
APPLICATION_ORDER = [
    "approved",
    "notice_passed",
    "in_notice",
    "expert_review",
    "city_passed",
    "not_approved",
    "rejected",
    "county_passed",
    "submitted",
    "city_returned",
    "county_returned",
    "draft",
]


def _application(user, *statuses, open_round=False):
    from applications.selectors import applications_for_user

    rows = applications_for_user(user)
    if statuses:
        rows = rows.filter(status__in=statuses)
    if open_round:
        rows = rows.filter(round__status="open")
    rank = Case(
        *(When(status=status, then=Value(number)) for number, status in enumerate(APPLICATION_ORDER)),
        output_field=IntegerField(),
    )
    return (
        rows.annotate(rank=rank, reviews=Count("expert_reviews", distinct=True))
        .order_by("rank", "-reviews", "pk")
        .first()
    )


def _pk(obj, **extra) -> dict | None:
    return None if obj is None else {"pk": obj.pk, **extra}


def _plan_pk(obj) -> dict | None:
    return None if obj is None else {"plan_pk": obj.pk}


def _version(user):
    plan = _plan(user, "submitted", "accepted", "in_review", "shortlisted", "selected", "approved", "not_selected")
    return None if plan is None else {"pk": plan.pk, "number": plan.version}


def _chain(user):
    plan = _plan(user, editable=True)
    chain = plan.chains.order_by("pk").first() if plan else None
    return None if chain is None else {"pk": plan.pk, "chain_pk": chain.pk}


def _selection(user):
    from pilots.models import Selection

    return _pk(Selection.objects.order_by("-proposed_at").first())


def _instalment(user):
    from pilots.models import Instalment

    return _pk(Instalment.objects.filter(status=Instalment.Status.DUE).order_by("pk").first())


def _expert(user):
    from evaluation.models import ExpertProfile

    return _pk(ExpertProfile.objects.order_by("pk").first())


def _assignment(user):
    from evaluation.models import Assignment

    own = Assignment.objects.filter(expert__user=user) if user.groups.filter(name=Role.EXPERT).exists() else None
    rows = own if own is not None else Assignment.objects.all()
    return _pk(rows.filter(status=Assignment.Status.SUBMITTED).order_by("pk").first() or rows.order_by("pk").first())


def _notice(user):
    from notices.models import PublicNotice

    return _pk(PublicNotice.objects.annotate(n=Count("entries")).order_by("-n", "pk").first())


def _objection(user):
    from notices.models import Objection

    return _pk(Objection.objects.order_by("pk").first())


def _policy(user):
    from applications.models import Policy

    policy = Policy.objects.order_by("-valid_from").first()
    return None if policy is None else {"code": policy.code}


def _rule(user):
    from applications.models import CategoryRule

    return _pk(CategoryRule.objects.order_by("pk").first())


def _round(user, *statuses):
    from applications.models import SubsidyRound

    rows = SubsidyRound.objects.annotate(n=Count("applications"))
    if statuses:
        rows = rows.filter(status__in=statuses)
    return rows.order_by("-n", "pk").first()


def _application_edit(user):
    from applications.models import SubsidyApplication

    application = _application(user, *SubsidyApplication.EDITABLE, open_round=True)
    return None if application is None else {"round_pk": application.round_id, "pk": application.pk}


def _approval_plan(user, open_node: str):
    from viewflow.workflow.models import Task

    from workflows.flows import PilotPlanFlow
    from workflows.services import OPEN

    task = (
        Task.objects.filter(flow_task=getattr(PilotPlanFlow, open_node), status__in=OPEN)
        .select_related("process__pilotplanprocess")
        .order_by("pk")
        .first()
    )
    return None if task is None else {"plan_pk": task.process.pilotplanprocess.plan_id}


def _model_pk(label: str, **filters):
    """The first object of a model (by label, so that pages of models this data set does not fill are
    registered all the same: they are measured once such rows exist)."""
    from django.apps import apps

    return _pk(apps.get_model(label).objects.filter(**filters).order_by("pk").first())


def _change(user):
    from django.apps import apps

    change = apps.get_model("pilots.PlanChange").objects.order_by("pk").first()
    return None if change is None else {"pk": change.plan_id, "number": change.number}


SUBJECTS: dict[str, Callable[[object], dict | None]] = {
    "pilots:call_detail": lambda user: _pk(_call(user)),
    "pilots:plan_detail": lambda user: _pk(_plan(user)),
    "pilots:sections_edit": lambda user: _pk(_plan(user, editable=True)),
    "pilots:chains": lambda user: _pk(_plan(user)),
    "pilots:chain_add": lambda user: _pk(_plan(user, editable=True)),
    "pilots:chain_edit": _chain,
    "pilots:enterprises": lambda user: _pk(_plan(user)),
    "pilots:fund_plan_edit": lambda user: _pk(_plan(user, editable=True)),
    "pilots:target_table_edit": lambda user: _pk(_plan(user, editable=True)),
    "pilots:attachments": lambda user: _pk(_plan(user)),
    "pilots:version_detail": _version,
    "pilots:field_history": lambda user: _pk(_plan(user)),
    "pilots:selection": lambda user: (call := _call(user, "in_notice", "final")) and {"call_pk": call.pk},
    "pilots:selection_decide": _selection,
    "pilots:payment_record": _instalment,
    "evaluation:expert_edit": _expert,
    "evaluation:call_review": lambda user: _pk(_review_call(user)),
    "evaluation:suggest": lambda user: _pk(_call(user, "in_review")),
    "evaluation:ranking_report": lambda user: _pk(_call(user, "in_notice", "final") or _review_call(user)),
    "evaluation:plan_review": lambda user: _pk(_reviewed_plan(user)),
    "evaluation:assign": lambda user: _pk(_plan(user, "in_review")),
    "evaluation:plan_history": lambda user: _pk(_reviewed_plan(user)),
    "evaluation:assignment_detail": _assignment,
    "notices:notice_manage": _notice,
    "notices:objection_detail": _objection,
    "public_notices:notice_detail": _notice,
    "applications:policy_detail": _policy,
    "applications:rule_revise": _rule,
    "applications:round_detail": lambda user: _pk(_round(user)),
    "applications:round_edit": lambda user: _pk(_round(user, "draft")),
    "applications:round_open": lambda user: _pk(_round(user, "draft")),
    "applications:round_close": lambda user: _pk(_round(user, "open")),
    "applications:application_new": lambda user: (r := _round(user, "open")) and {"round_pk": r.pk},
    "applications:application_edit": _application_edit,
    "applications:application_detail": lambda user: _pk(_application(user)),
    "workflows:plan_cosign": lambda user: _plan_pk(_plan(user, "cosigning")),
    "workflows:plan_check": lambda user: _plan_pk(_plan(user, "submitted")),
    "workflows:approval_draft": lambda user: _approval_plan(user, "draft_approval"),
    "workflows:approval_approve": lambda user: _approval_plan(user, "approve"),
    # issue 5 (evaluations, reports, plan changes, aftercare): measured where the data set has such rows
    "pilots:versions": lambda user: _pk(_plan(user, "approved")),
    "pilots:version_compare": lambda user: _pk(_plan(user, "approved")),
    "pilots:national_edit": lambda user: _pk(_plan(user, editable=True, national=True)),
    "pilots:change_new": lambda user: _pk(_plan(user, "approved")),
    "pilots:change_detail": _change,
    "pilots:change_edit": _change,
    "pilots:change_review": _change,
    "pilots:change_decide": _change,
    "pilots:clawback_decide": lambda user: _pk(_plan(user, "approved")),
    "pilots:acceptance_record": lambda user: _pk(_plan(user, "approved")),
    "pilots:clawback_record": lambda user: _model_pk("pilots.Clawback"),
    "evaluation:pilot_detail": lambda user: _pk(_plan(user, "approved")),
    "evaluation:call_pilots": lambda user: _pk(_call(user, "final")),
    "evaluation:evaluation_open": lambda user: (p := _plan(user, "approved")) and {"plan_pk": p.pk, "stage": "midterm"},
    "evaluation:evaluation_detail": lambda user: _model_pk("evaluation.Evaluation"),
    "evaluation:evaluation_decide": lambda user: _model_pk("evaluation.Evaluation"),
    "evaluation:rectification_require": lambda user: _model_pk("evaluation.Evaluation"),
    "evaluation:report_detail": lambda user: _model_pk("evaluation.Report"),
    "evaluation:report_edit": lambda user: _model_pk("evaluation.Report"),
    "evaluation:report_submit": lambda user: _model_pk("evaluation.Report"),
    "evaluation:report_accept": lambda user: _model_pk("evaluation.Report"),
    "evaluation:report_return": lambda user: _model_pk("evaluation.Report"),
    "evaluation:opinion_detail": lambda user: _model_pk("evaluation.ExpertOpinion"),
}


def http_methods(view) -> set[str] | None:
    """The methods a view accepts when it says (``require_POST``, ``require_http_methods``), else None:
    read from the decorator's closure along the ``__wrapped__`` chain."""
    func = view
    while func is not None:
        for cell in getattr(func, "__closure__", None) or ():
            value = cell.cell_contents
            if isinstance(value, list | tuple) and value and all(isinstance(m, str) and m.isupper() for m in value):
                return set(value)
        func = getattr(func, "__wrapped__", None)
    return None


@dataclass(frozen=True)
class Url:
    name: str
    pattern: str
    params: tuple[str, ...]
    methods: frozenset[str] | None = None

    @property
    def kind(self) -> str:
        return kind_of(self.name)


def all_urls() -> list[Url]:
    """Every named URL of the project's resolver (the first of a repeated name wins, as reverse() does)."""
    found: dict[str, Url] = {}

    def walk(resolver, prefix: str, namespace: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
                )
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                params = tuple(entry.pattern.converters) if hasattr(entry.pattern, "converters") else ()
                methods = http_methods(entry.callback)
                found.setdefault(
                    name, Url(name, prefix + str(entry.pattern), params, frozenset(methods) if methods else None)
                )

    walk(get_resolver("config.urls"), "/", "")
    return sorted(
        (url for url in found.values() if not url.name.startswith(IGNORED_PREFIXES)), key=lambda url: url.name
    )


def pages() -> list[Url]:
    """The URLs that answer GET and are not in NOT_PAGES."""
    return [url for url in all_urls() if url.name not in NOT_PAGES and (url.methods is None or "GET" in url.methods)]


def unregistered() -> list[str]:
    """Pages with parameters that nobody said how to fill: add each to SUBJECTS (or NOT_PAGES)."""
    return [url.name for url in pages() if url.params and url.name not in SUBJECTS]


def address(url: Url, user) -> str | None:
    """The page's address for ``user``, or None when there is nothing of the kind for them to see."""
    if not url.params:
        return reverse(url.name)
    if url.name not in SUBJECTS:
        return None  # unregistered(): a test names it
    kwargs = SUBJECTS[url.name](user)
    if not kwargs:
        return None
    return reverse(url.name, kwargs=kwargs)
