"""One request as one principal, in a savepoint that is rolled back afterwards, and what was wrong with it.

Checked on every response:
- no 500 and no exception (the test client re-raises a view's exception);
- anonymous visitors get a 200 only from the public pages (login and the public notices);
- a 200 never contains a marker (see world.py) of an object the principal may not see, in the body or the
  headers (a download's file name); a file that is not a page (PDF, Excel) for an object the principal may
  not see is a leak whatever it contains;
- where nothing may change (an object the principal may not see, an anonymous visitor, the auditor, who
  changes nothing), no row of any table was inserted, updated or deleted. This reads PostgreSQL's
  per-transaction counters (``pg_stat_xact_user_tables``), which count the rows a rolled-back savepoint
  wrote too.
"""

from __future__ import annotations

import re
import time
import traceback
from http.cookies import SimpleCookie

from django.db import connection, transaction
from django.test import Client

from accounts.roles import Role

from .world import Principal, World, may_see

# Tables written by every request or by the sign-in machinery itself, not by what a page does.
NOT_DATA = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
PUBLIC_ROUTES = {"login", "admin:login", "set_language"}
PUBLIC_NAMESPACES = {"public_notices"}
# Pages whose POST writes by design even for a stranger: signing in and out are logged (audit, axes).
SIGN_IN_ROUTES = {"login", "logout", "admin:login", "admin:logout"}
# Pages that save what was typed as a draft and refuse only the bad part (a plan change's evidence file), so
# that nothing typed is lost: a refusal there may write the draft, but never leave the refused file behind.
DRAFT_SAVING_ROUTES = {"pilots:change_new", "pilots:change_edit"}

SESSION_RENEWAL_SECONDS = 10 * 60

# PostgreSQL's per-transaction row counters of every table but NOT_DATA. Read through the functions, not the
# pg_stat_xact_user_tables view, which costs tens of milliseconds a call.
_TABLE_OIDS: list[int] = []


def _table_oids() -> list[int]:
    if not _TABLE_OIDS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() AND NOT (c.relname = ANY(%s))",
                [sorted(NOT_DATA)],
            )
            _TABLE_OIDS.extend(oid for (oid,) in cursor.fetchall())
    return _TABLE_OIDS


def writes() -> dict[str, int]:
    """Rows this transaction has inserted, updated or deleted so far (rolled-back savepoints included), by table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT oid::regclass::text, n FROM (SELECT oid, pg_stat_get_xact_tuples_inserted(oid)"
            " + pg_stat_get_xact_tuples_updated(oid) + pg_stat_get_xact_tuples_deleted(oid) AS n"
            " FROM unnest(%s::oid[]) AS oid) AS counts WHERE n > 0",
            [_table_oids()],
        )
        return dict(cursor.fetchall())


def changed_tables(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(name for name, count in after.items() if before.get(name, 0) != count)


def body_text(response) -> str:
    """The body as text. A streamed file is read to its end, which also closes it the way the test client
    expects (closing it by hand would fire request_finished and close the test's database connection)."""
    if getattr(response, "streaming", False):
        response._security_body = b"".join(response.streaming_content)
    data = getattr(response, "_security_body", None)
    return (data if data is not None else response.content).decode("utf-8", "replace")


def form_errors(response) -> list[str]:
    """Every error of every bound form or formset the page was rendered with."""
    from django.forms import BaseForm
    from django.forms.formsets import BaseFormSet

    errors, seen = [], set()
    for context in response.context or []:
        for values in getattr(context, "dicts", [context]):
            if not isinstance(values, dict):
                continue
            for value in values.values():
                if id(value) in seen or not getattr(value, "is_bound", False):
                    continue
                seen.add(id(value))
                if isinstance(value, BaseFormSet):
                    errors += [str(e) for e in value.non_form_errors()]
                    for form in value.forms:
                        errors += [str(e) for field_errors in form.errors.values() for e in field_errors]
                elif isinstance(value, BaseForm):
                    errors += [str(e) for field_errors in value.errors.values() for e in field_errors]
    return errors


def queued_messages(response) -> list[tuple[int, str]]:
    storage = getattr(response.wsgi_request, "_messages", None)
    return [(message.level, str(message.message)) for message in getattr(storage, "_queued_messages", [])]


def media_files(root) -> set[str]:
    """Every file under the private media directory (a refused upload must leave none behind)."""
    from pathlib import Path

    root = Path(root)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def is_public(route_label: str) -> bool:
    return route_label in PUBLIC_ROUTES or route_label.split(":")[0] in PUBLIC_NAMESPACES


class Prober:
    def __init__(self, world: World):
        self.world = world
        self.clients: dict[str, Client] = {}
        self.cookies: dict[str, SimpleCookie] = {}
        self.logged_in_at: dict[str, float] = {}
        self.forbidden: dict[str, re.Pattern | None] = {}
        # (role, url) → the HTML of every page a GET returned with a 200: forms.py reads its forms from here.
        self.pages: dict[tuple[str, str], str | None] = {}
        for role, principal in world.principals.items():
            self.clients[role] = Client()
            self._log_in(role)
            hidden = [m for m, kind, obj in world.secrets if not may_see(world, principal, kind, obj)]
            self.forbidden[role] = re.compile("|".join(map(re.escape, hidden))) if hidden else None

    def _log_in(self, role: str) -> None:
        client, user = self.clients[role], self.world.principals[role].user
        if user is not None:
            client.force_login(user)
        self.cookies[role] = SimpleCookie(client.cookies.output(header="", sep="\n"))
        self.logged_in_at[role] = time.monotonic()

    def client(self, role: str) -> Client:
        """The principal's client with its original session cookie (a request may have logged it out). The
        session is renewed well before the idle timeout, which would otherwise turn everyone anonymous."""
        if time.monotonic() - self.logged_in_at[role] > SESSION_RENEWAL_SECONDS:
            self._log_in(role)
        client = self.clients[role]
        client.cookies = SimpleCookie(self.cookies[role].output(header="", sep="\n"))
        return client

    def leaks(self, principal: Principal, response) -> list[str]:
        pattern = self.forbidden[principal.role]
        if pattern is None:
            return []
        texts = [value for _name, value in response.items()]
        texts.append(body_text(response))
        found = {match.group(0) for text in texts for match in pattern.finditer(text)}
        return sorted(found)

    def request(
        self,
        principal: Principal,
        method: str,
        url: str,
        data=None,
        *,
        route_label: str,
        anchor_visible: bool = True,
        must_not_write: bool | None = None,
    ) -> tuple[int | None, list[str]]:
        """Status and problems of one request; nothing it wrote survives."""
        if must_not_write is None:
            must_not_write = (
                principal.is_anonymous or not anchor_visible or principal.role == Role.AUDITOR
            ) and route_label not in SIGN_IN_ROUTES
        problems: list[str] = []
        status = None
        client = self.client(principal.role)
        with transaction.atomic():
            before = writes() if must_not_write else None
            try:
                send = client.get if method == "GET" else client.post
                response = send(url, data or {})
            except Exception as error:  # the test client re-raises what the view raised: a 500
                frames = traceback.extract_tb(error.__traceback__)
                where = next((f for f in reversed(frames) if "/.venv/" not in f.filename), frames[-1])
                problems.append(
                    f"exception {type(error).__name__}: {str(error)[:200]} at {where.filename}:{where.lineno}"
                )
                transaction.set_rollback(True)
                return 500, problems
            status = response.status_code
            if status >= 500:
                problems.append(f"status {status}")
            if status == 200 and principal.is_anonymous and not is_public(route_label):
                problems.append("anonymous visitor got a 200 from a page that is not public")
            if method == "GET" and not data:
                is_html = status == 200 and response.get("Content-Type", "").startswith("text/html")
                self.pages[(principal.role, url)] = body_text(response) if is_html else None
            if status == 200:
                content_type = response.get("Content-Type", "")
                leaked = self.leaks(principal, response)
                if leaked:
                    problems.append(f"shows what {principal.role} may not see: {', '.join(leaked[:5])}")
                elif not anchor_visible and not content_type.startswith("text/html"):
                    problems.append(f"sends a {content_type} file of an object {principal.role} may not see")
            if must_not_write:
                changed = changed_tables(before, writes())
                if changed:
                    problems.append(f"changed data it must not change: {', '.join(changed)}")
            transaction.set_rollback(True)
        return status, problems
