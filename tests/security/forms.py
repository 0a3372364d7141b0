"""The POST forms of the project's pages, found by reading the pages themselves: every URL pattern is requested
(GET) by every principal allowed to see its sample objects, and each ``<form method="post">`` is read into
a ``FormSpec`` (its action, fields, choices and submit buttons). A form is the pair (the URL pattern it posts
to, the names of its fields): the same form on two pages is fuzzed once, a form that only one role is shown
(the county's first review) is fuzzed as that role."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

from .routes import Route, samples_for
from .world import World


@dataclass
class FieldSpec:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, number, date, datetime-local, file, hidden, …
    options: list[str] = field(default_factory=list)
    value: str = ""
    required: bool = False
    multiple: bool = False


@dataclass
class FormSpec:
    page: str
    action: str
    enctype: str
    fields: dict[str, FieldSpec]
    buttons: list[tuple[str, str]]
    role: str = ""
    route: str = ""

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        return (self.route, tuple(sorted(self.fields)))

    @property
    def label(self) -> str:
        names = ",".join(sorted(n for n in self.fields if n != "csrfmiddlewaretoken"))
        return f"{self.route}[{names[:80]}]"

    @property
    def has_file(self) -> bool:
        return any(spec.kind == "file" for spec in self.fields.values())


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[FormSpec] = []
        self.current: FormSpec | None = None
        self.select: FieldSpec | None = None
        self.textarea: FieldSpec | None = None

    def _add(self, spec: FieldSpec) -> None:
        existing = self.current.fields.get(spec.name)
        if existing is None:
            self.current.fields[spec.name] = spec
        elif spec.kind in ("radio", "checkbox") and spec.value not in existing.options:
            existing.options.append(spec.value)
            existing.multiple = existing.multiple or spec.kind == "checkbox"

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            if (attributes.get("method") or "get").lower() == "post":
                self.current = FormSpec(
                    page=self.page,
                    action=urljoin(self.page, attributes.get("action") or self.page),
                    enctype=attributes.get("enctype") or "",
                    fields={},
                    buttons=[],
                )
            return
        if self.current is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                if kind == "submit":
                    self.current.buttons.append((name, attributes.get("value") or ""))
                return
            value = attributes.get("value") or ("on" if kind in ("checkbox", "radio") else "")
            options = [value] if kind in ("checkbox", "radio") else []
            self._add(FieldSpec(name, kind, options, value, "required" in attributes))
        elif tag == "button" and (attributes.get("type") or "submit").lower() == "submit" and name:
            self.current.buttons.append((name, attributes.get("value") or ""))
        elif tag == "select" and name:
            self.select = FieldSpec(name, "select", [], "", "required" in attributes, "multiple" in attributes)
            self._add(self.select)
        elif tag == "option" and self.select is not None:
            self.select.options.append(attributes.get("value") or "")
        elif tag == "textarea" and name:
            self.textarea = FieldSpec(name, "textarea", [], "", "required" in attributes)
            self._add(self.textarea)
        elif tag.startswith("vf-field-") and name:
            # viewflow's Material widgets (the login and password pages): custom elements, not <input>.
            kind = tag.removeprefix("vf-field-")
            kind = {"input": attributes.get("type") or "text", "password": "text"}.get(kind, kind)
            self._add(FieldSpec(name, kind, [], attributes.get("value") or "", "required" in attributes))

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data


def parse_forms(page_url: str, html: str) -> list[FormSpec]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


def route_of(url: str) -> str:
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    return match.view_name or match.route


def discover_forms(world: World, prober, routes: list[Route]) -> list[FormSpec]:
    """Every distinct POST form, with the first principal and page it was found on. The pages are the ones
    the matrix read (``prober.pages``); a page it did not read is read here."""
    from django.db import transaction

    found: dict[tuple, FormSpec] = {}
    for route in routes:
        if route.namespace.startswith("admin") and route.name != "login":
            continue  # no demo user is staff: the admin shows its login form only
        names = [parameter.name for parameter in route.parameters]
        samples = [sample for sample in samples_for(world, route) if sample.obj is not None or not route.parameters]
        samples += extra_samples(world, route)
        for sample in samples:
            url = route.url(dict(zip(names, sample.values, strict=True)))
            for role, principal in world.principals.items():
                if not sample.visible(world, principal):
                    continue
                if (role, url) not in prober.pages:
                    with transaction.atomic():
                        try:
                            response = prober.client(role).get(url)
                        except Exception:  # a 500 here is the matrix's to report
                            response = None
                        transaction.set_rollback(True)
                    ok = response is not None and response.status_code == 200
                    is_html = ok and response.get("Content-Type", "").startswith("text/html")
                    prober.pages[(role, url)] = response.content.decode() if is_html else None
                html = prober.pages[(role, url)]
                if html is None:
                    continue
                for form in parse_forms(url, html):
                    form.role, form.route = role, route_of(form.action)
                    if form.route and form.key not in found:
                        found[form.key] = form
    return sorted(found.values(), key=lambda form: form.label)


def extra_samples(world: World, route: Route):
    """The discovery-only objects (world.discovery_extras) for a route whose one parameter is of that kind."""
    from .routes import Sample, parameter_kind

    if len(route.parameters) != 1:
        return []
    kind = parameter_kind(route, route.parameters[0])
    return [
        Sample(kind, obj, [str(obj.pk)], lambda w, principal, obj=obj, rule=rule: rule(w, principal, obj))
        for obj, rule in world.discovery_extras.get(kind, [])
    ]
