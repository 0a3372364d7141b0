"""Measuring pages: status and SQL queries of one GET per page and role, through Django's test client."""

import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .pages import Url, address, pages

MAX_QUERIES = 20


@dataclass
class Measure:
    page: str
    role: str
    kind: str
    address: str | None
    status: int | None = None
    queries: int | None = None
    sql: list[str] = field(default_factory=list, repr=False)

    @property
    def seen(self) -> bool:
        return self.status == 200


def clients(users: dict) -> dict[str, Client]:
    made = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        made[str(role)] = client
    return made


def measure(client: Client, url: Url, role: str, user, *, warm: bool = True) -> Measure:
    where = address(url, user)
    result = Measure(page=url.name, role=role, kind=url.kind, address=where)
    if where is None:
        return result
    if warm:  # per-process caches (content types, templates, the user's roles) filled once
        client.get(where)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(where)
    result.status = response.status_code
    result.queries = len(queries)
    result.sql = [query["sql"] for query in queries.captured_queries]
    return result


def measure_all(
    users: dict, *, warm: bool = True, only: set[str] | None = None, pairs: set[tuple[str, str]] | None = None
) -> list[Measure]:
    """Every page for every role. ``warm``: one unmeasured request per page first (the per-process
    caches: templates, content types), by the first role with something to see there. ``pairs``: only
    these (page, role)."""
    by_role = clients(users)
    results = []
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)  # 403/404 for roles that may not see a page are expected
    try:
        for url in pages():
            if only and url.name not in only:
                continue
            warmed = not warm
            for role, user in users.items():
                if pairs is not None and (url.name, str(role)) not in pairs:
                    continue
                result = measure(by_role[str(role)], url, str(role), user, warm=not warmed)
                warmed = warmed or result.address is not None
                results.append(result)
    finally:
        request_log.setLevel(level)
    return results


def shape(sql: str) -> str:
    """A query without its literals, so that the same query for another row compares equal."""
    return re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "S", sql))


def repeated(small: Measure, large: Measure) -> str:
    extra = Counter(map(shape, large.sql)) - Counter(map(shape, small.sql))
    return "\n".join(f"  {times} more × {sql[:300]}" for sql, times in extra.most_common(5))
