"""Every URL pattern of the project, read from the resolver, and the objects to fill each one with.

A pattern's parameters are recognised by (namespace, the path segment before it, its name): ``pk`` after
``plans/`` in ``pilots`` is a pilot plan, ``chain_pk`` after ``chains/`` one of that plan's industry chains.
A parameter the table does not know makes ``test_every_url_parameter_is_known`` fail with the pattern's
name, so a new page cannot slip past the suite unfilled: add its kind to ``PARAMETERS`` (and, if it is a new
kind of object, to ``KINDS``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core import signing
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.roles import Role

from .world import Principal, World, application_visible, document_visible, objection_visible, plan_visible

# --- the patterns ------------------------------------------------------------------------------------------

ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


@dataclass(frozen=True)
class Parameter:
    name: str
    converter: str
    after: str  # the literal path segment just before it ("" at the start)


@dataclass(frozen=True)
class Route:
    namespace: str
    name: str
    template: str  # the path with {name} placeholders, without the leading slash
    parameters: tuple[Parameter, ...]
    view: str  # module.function of the view, for messages

    @property
    def label(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else (self.name or self.template)

    @property
    def test_id(self) -> str:
        return f"/{self.template}"

    def url(self, values: dict[str, str]) -> str:
        return "/" + self.template.format(**values)


def _route_text(pattern) -> str:
    text = str(pattern.pattern)
    if not hasattr(pattern.pattern, "regex") or pattern.pattern.__class__.__name__ == "RoutePattern":
        return text
    # A regex pattern (the admin's app index and catch-all): its first alternative, or a path that exists nowhere.
    text = text.lstrip("^").rstrip("$")
    return REGEX_GROUP.sub(
        lambda m: f"<str:{m['name']}>" if "|" not in m["body"] else m["body"].split("|")[0], text
    ).replace(".*", "")


def _walk(patterns, prefix: str, namespace: str):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + _route_text(pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern, prefix + _route_text(pattern)


def _parse(template_text: str) -> tuple[str, tuple[Parameter, ...]]:
    parameters, template, position = [], "", 0
    for match in ROUTE_PARAMETER.finditer(template_text):
        literal = template_text[position : match.start()]
        template += literal.replace("{", "{{").replace("}", "}}")
        before = [segment for segment in (template_text[: match.start()]).split("/") if segment and "<" not in segment]
        parameters.append(Parameter(match["name"], match["converter"] or "str", before[-1] if before else ""))
        template += "{" + match["name"] + "}"
        position = match.end()
    template += template_text[position:].replace("{", "{{").replace("}", "}}")
    return template, tuple(parameters)


def all_routes() -> list[Route]:
    """Every URL pattern once (the same path twice, as viewflow's index and the app's own, is one route)."""
    routes, seen = [], set()
    for namespace, pattern, text in _walk(get_resolver().url_patterns, "", ""):
        template, parameters = _parse(text)
        if template in seen:
            continue
        seen.add(template)
        callback = pattern.callback
        view = f"{getattr(callback, '__module__', '?')}.{getattr(callback, '__name__', '?')}"
        routes.append(Route(namespace, pattern.name or "", template, parameters, view))
    return routes


# --- what each parameter is --------------------------------------------------------------------------------

# (namespace, the segment before the parameter, the parameter's name) → kind of object. "*" matches anything.
PARAMETERS: dict[tuple[str, str, str], str] = {
    ("documents", "files", "pk"): "document",
    ("public_notices", "notices", "pk"): "notice",
    ("public_notices", "received", "token"): "objection_receipt",
    ("pilots", "calls", "pk"): "call",
    ("pilots", "calls", "call_pk"): "call",
    ("pilots", "plans", "pk"): "plan",
    ("pilots", "chains", "chain_pk"): "chain",
    ("pilots", "tasks", "task_pk"): "phased_task",
    ("pilots", "enterprises", "enterprise_pk"): "plan_enterprise",
    ("pilots", "versions", "number"): "plan_version",
    ("pilots", "changes", "number"): "plan_change",
    ("pilots", "selections", "pk"): "selection",
    ("pilots", "instalments", "pk"): "instalment",
    ("pilots", "clawbacks", "pk"): "clawback",
    ("evaluation", "experts", "pk"): "expert",
    ("evaluation", "calls", "pk"): "call",
    ("evaluation", "plans", "pk"): "plan",
    ("evaluation", "pilots", "pk"): "plan",
    ("evaluation", "assignments", "assignment_pk"): "plan_assignment",
    ("evaluation", "assignments", "pk"): "assignment",
    ("evaluation", "reports", "pk"): "report",
    ("evaluation", "evidence", "document_pk"): "report_document",
    ("evaluation", "evaluations", "pk"): "evaluation",
    ("evaluation", "opinions", "pk"): "evaluation_opinion",
    ("evaluation", "open", "plan_pk"): "plan",
    ("evaluation", "open", "stage"): "plan_stage",
    ("notices", "manage", "pk"): "notice",
    ("notices", "objections", "pk"): "objection",
    ("notices", "holidays", "pk"): "holiday",
    ("applications", "policies", "code"): "policy",
    ("applications", "rules", "pk"): "rule",
    ("applications", "rounds", "pk"): "round",
    ("applications", "rounds", "round_pk"): "round",
    ("applications", "apply", "pk"): "round_application",
    ("applications", "list", "pk"): "application",
    ("applications", "payments", "year"): "payment_year",
    ("workflows", "tasks", "task_pk"): "flow_task",
    ("workflows", "calls", "call_pk"): "call",
    ("workflows", "plans", "plan_pk"): "plan",
    # Django's admin: no demo user is staff, so every admin page must send everyone to the admin's login.
    ("admin", "*", "*"): "admin_object",
}


def parameter_kind(route: Route, parameter: Parameter) -> str | None:
    top = route.namespace.split(":")[0]
    for key in (
        (top, parameter.after, parameter.name),
        (top, "*", parameter.name),
        (top, "*", "*"),
    ):
        if key in PARAMETERS:
            return PARAMETERS[key]
    return None


# --- the objects of each kind ------------------------------------------------------------------------------


@dataclass
class Sample:
    """One object to put in a URL: its own value and its parents' (for nested patterns)."""

    kind: str
    obj: object | None  # None: an object that does not exist
    values: list[str]  # one per parameter, outermost first
    visible: Callable[[World, Principal], bool]

    @property
    def description(self) -> str:
        if self.obj is None:
            return f"{self.kind}(missing)"
        return f"{self.kind}#{getattr(self.obj, 'pk', self.obj)}"


def _logged_in(world, principal) -> bool:
    return not principal.is_anonymous


def _everyone(world, principal) -> bool:
    return True


def _nobody(world, principal) -> bool:
    return False


def _province(world, principal) -> bool:
    return principal.province_wide


def _assignment_visible(assignment) -> Callable:
    def visible(world, principal):
        if principal.role in (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR, Role.AGENCY_COORDINATOR):
            return True
        return principal.role == Role.EXPERT and assignment.expert.user_id == principal.user.pk

    return visible


def _of_plan(plan) -> Callable:
    return lambda world, principal: plan_visible(world, principal, plan)


def _children(world: World, related_name: str, *, value=lambda child: child.pk, limit_per_plan: int = 1):
    """The first child of each sample plan (a chain, a task, a version …), keyed to its plan."""
    samples = []
    for plan in world.samples["plan"]:
        manager = getattr(plan, related_name, None)
        if manager is None:
            continue
        for child in manager.order_by("pk")[:limit_per_plan]:
            samples.append((child, [str(plan.pk), str(value(child))], _of_plan(plan)))
    return samples


def _receipts(world: World):
    from notices.views.public import RECEIPT_SALT

    return [
        (
            objection,
            [str(objection.notice_id), signing.dumps(objection.pk, salt=RECEIPT_SALT)],
            _everyone,  # the receipt is a capability: whoever holds the signed token sees the reference number
        )
        for objection in world.samples["objection"]
    ]


def _flow_tasks(world: World):
    from viewflow.workflow.models import Task

    samples = []
    for plan in world.samples["plan"]:
        task = (
            Task.objects.filter(process__pilotplanprocess__plan_id=plan.pk, status__in=["NEW", "ASSIGNED", "STARTED"])
            .order_by("pk")
            .first()
        )
        if task is not None:
            samples.append((task, [str(task.pk)], _of_plan(plan)))
    return samples


def _model_samples(world: World, label: str, *, owner: Callable[[object], Callable], limit: int = 3):
    """Objects of a model added by later work (reports, changes, clawbacks…), if the demo makes any."""
    from django.apps import apps

    try:
        model = apps.get_model(label)
    except LookupError:
        return []
    return [(obj, [str(obj.pk)], owner(obj)) for obj in model.objects.order_by("pk")[:limit]]


def _plan_owned(obj) -> Callable:
    plan = obj.plan
    return _of_plan(plan)


def _expert_work(obj) -> Callable:
    """An expert's own piece of work (an opinion on a report): that expert, the agency and the Department."""

    def visible(world, principal):
        if principal.role in (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR, Role.AGENCY_COORDINATOR):
            return True
        return principal.role == Role.EXPERT and obj.expert.user_id == principal.user.pk

    return visible


def _report_documents(world: World):
    samples = []
    for report, values, visible in _model_samples(world, "evaluation.Report", owner=_plan_owned):
        evidence = getattr(report, "evidence", None)
        document = evidence.order_by("pk").first() if evidence is not None else None
        if document is not None:
            samples.append((document, [*values, str(document.pk)], visible))
    return samples


def _payment_years(world: World):
    year = str(timezone.localdate().year)
    return [
        (a, [str(a.pk), year], lambda w, p, a=a: application_visible(w, p, a)) for a in world.samples["application"]
    ]


def kind_samples(world: World, kind: str) -> list[tuple[object, list[str], Callable]]:
    """(object, URL values outermost first, who may see it) for each sample of ``kind``."""
    samples = world.samples
    simple = {
        "plan": lambda p: _of_plan(p),
        "call": lambda c: _logged_in,
        "selection": lambda s: _province,
        "instalment": lambda i: _of_plan(i.plan),
        "expert": lambda e: lambda w, p: p.role == Role.AGENCY_COORDINATOR,
        "assignment": _assignment_visible,
        "notice": lambda n: _everyone,
        "objection": lambda o: lambda w, p: objection_visible(w, p, o),
        "holiday": lambda h: _logged_in,
        "policy": lambda p: _logged_in,
        "rule": lambda r: _logged_in,
        "round": lambda r: _logged_in,
        "application": lambda a: lambda w, p: application_visible(w, p, a),
        "document": lambda d: lambda w, p: document_visible(w, p, d),
    }
    if kind in simple:
        value = (lambda obj: obj.code) if kind == "policy" else (lambda obj: obj.pk)
        return [(obj, [str(value(obj))], simple[kind](obj)) for obj in samples.get(kind, [])]
    if kind == "chain":
        return _children(world, "chains")
    if kind == "phased_task":
        return _children(world, "phased_tasks")
    if kind == "plan_enterprise":
        return _children(world, "enterprises")
    if kind == "plan_version":
        return _children(world, "versions", value=lambda version: version.number)
    if kind == "plan_change":
        return _children(world, "changes", value=lambda change: change.number)
    if kind == "plan_assignment":
        result = []
        for assignment in samples["assignment"]:
            result.append((assignment, [str(assignment.plan_id), str(assignment.pk)], _assignment_visible(assignment)))
        return result
    if kind == "objection_receipt":
        return _receipts(world)
    if kind == "round_application":
        return [
            (a, [str(a.round_id), str(a.pk)], lambda w, p, a=a: application_visible(w, p, a))
            for a in samples["application"]
        ]
    if kind == "plan_stage":
        return [(plan, [str(plan.pk), stage], _of_plan(plan)) for plan in samples["plan"] for stage in ("midterm",)]
    if kind == "payment_year":
        return _payment_years(world)
    if kind == "flow_task":
        return _flow_tasks(world)
    if kind == "report":
        return _model_samples(world, "evaluation.Report", owner=_plan_owned)
    if kind == "report_document":
        return _report_documents(world)
    if kind == "evaluation":
        return _model_samples(world, "evaluation.Evaluation", owner=_plan_owned)
    if kind == "evaluation_opinion":
        return _model_samples(world, "evaluation.ExpertOpinion", owner=_expert_work)
    if kind == "clawback":
        return _model_samples(world, "pilots.Clawback", owner=_plan_owned)
    if kind == "admin_object":
        return [(None, ["1"], _nobody)]
    raise KeyError(kind)


MISSING_VALUE = {"int": "987654", "slug": "no-such-object", "str": "no-such-object", "path": "no-such-object"}


def samples_for(world: World, route: Route) -> list[Sample]:
    """The objects to request ``route`` with. A pattern with several parameters is filled from its
    innermost object (a chain and its own plan), so that the only reason to refuse is who is asking."""
    if not route.parameters:
        return [Sample("none", None, [], _everyone)]
    kinds = [parameter_kind(route, parameter) for parameter in route.parameters]
    if None in kinds:
        return []
    innermost = kinds[-1]
    found = []
    for obj, values, visible in kind_samples(world, innermost):
        if len(values) < len(route.parameters):  # an admin pattern with two parameters: "1" for each
            values = values + values[-1:] * (len(route.parameters) - len(values))
        found.append(Sample(innermost, obj, values[-len(route.parameters) :], visible))
    # Always also an object that does not exist: a 404, never a 500.
    found.append(Sample(innermost, None, [MISSING_VALUE.get(p.converter, "987654") for p in route.parameters], _nobody))
    return found


def unknown_parameters(routes: list[Route]) -> list[str]:
    return [
        f"{route.label} ({route.test_id}): parameter {parameter.name!r} after {parameter.after!r}"
        for route in routes
        for parameter in route.parameters
        if parameter_kind(route, parameter) is None
    ]
