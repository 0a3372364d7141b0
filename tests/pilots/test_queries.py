"""Pages read in a fixed number of queries, whatever the size of the data (no query per row).

Each page is measured at a small size (2 plans, 1 chain, 10 enterprises each) and again after a large
set is added (6 more plans, 3 chains, 120 enterprises each, one returned and submitted again). The counts
must be equal; when they are not, the queries that repeat are printed."""

import re
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots import services
from pilots.models import PilotPlan
from tests.factories import LeagueCityFactory
from tests.workflows.helpers import flow_plan
from workflows import services as flow

from .factories import (
    CHAINS,
    FUND_LINES,
    PHASED_TASKS,
    SECTION_TEXT,
    PilotCallFactory,
    applicant_of,
    cosigner_of,
    enterprise_rows,
    make_department_officer,
    stamped_pdf_upload,
    target_cells,
)

THIRD_CHAIN = {**CHAINS[0], "name": "乳制品加工产业链", "is_key_chain": False}


def build(*, plans: int, chains: int, enterprises: int, resubmit: bool = False) -> list[PilotPlan]:
    """``plans`` plans of fresh regions in a fresh call, each filled with ``chains`` chains and
    ``enterprises`` enterprises and co-signed through the flow. The first stays co-signed (editable: its
    bureau's page runs the submission checks); the others are submitted (the department's inbox)."""
    call = PilotCallFactory()
    made = []
    for number in range(plans):
        plan = flow_plan(region=LeagueCityFactory(), call=call)
        actor = applicant_of(plan)
        services.plan_update_sections(actor=actor, plan=plan, **SECTION_TEXT)
        for task, owner, due in PHASED_TASKS:
            services.phased_task_add(actor=actor, plan=plan, task=task, owner=owner, due=due)
        names = []
        for chain in (*CHAINS, THIRD_CHAIN)[:chains]:
            names.append(services.chain_save(actor=actor, plan=plan, **chain).name)
        rows = enterprise_rows(enterprises, names, region_code=plan.region.code, seed=plan.pk)
        services.enterprises_replace(actor=actor, plan=plan, rows=rows)
        assert services.target_table_save(actor=actor, plan=plan, cells=target_cells(plan)) == {}
        services.fund_plan_save(actor=actor, plan=plan, lines=FUND_LINES)
        services.stamped_pdf_attach(actor=actor, plan=plan, uploaded=stamped_pdf_upload())
        flow.plan_send_to_cosign(actor=actor, plan=plan)
        flow.plan_cosign(actor=cosigner_of(plan), plan=plan)
        if number:
            flow.plan_submit(actor=actor, plan=plan)
            if resubmit and number == 1:
                flow.plan_return(actor=make_department_officer(), plan=plan, reasons="请补充。")
                flow.plan_submit(actor=actor, plan=plan)
        plan.refresh_from_db()
        made.append(plan)
    return made


@dataclass
class Measure:
    count: int
    sql: list[str]


def measure(client, user, address: str) -> Measure:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200, address
    return Measure(len(queries), [query["sql"] for query in queries.captured_queries])


def shape(sql: str) -> str:
    """A query without its literals, so that the same query for another row compares equal."""
    return re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "S", sql))


def repeated(small: Measure, large: Measure) -> str:
    extra = Counter(map(shape, large.sql)) - Counter(map(shape, small.sql))
    return "\n".join(f"{times} more × {sql[:400]}" for sql, times in extra.most_common())


@pytest.mark.django_db
def test_pages_read_in_the_same_number_of_queries_at_both_sizes(client):
    officer = make_department_officer()
    small = build(plans=2, chains=1, enterprises=10)
    bureau_small = applicant_of(small[0])
    pages = {
        "pilots:index (department)": lambda plans, bureau: (officer, reverse("pilots:index")),
        "pilots:plan_detail (bureau, editable)": lambda plans, bureau: (
            bureau,
            reverse("pilots:plan_detail", args=[plans[0].pk]),
        ),
        "pilots:plan_detail (department, submitted)": lambda plans, bureau: (
            officer,
            reverse("pilots:plan_detail", args=[plans[1].pk]),
        ),
        "pilots:enterprises (bureau)": lambda plans, bureau: (
            bureau,
            reverse("pilots:enterprises", args=[plans[0].pk]),
        ),
        "/ inbox (department)": lambda plans, bureau: (officer, "/"),
        "/ inbox (bureau)": lambda plans, bureau: (bureau, "/"),
    }
    for page in pages.values():  # warm the per-process caches (content types, templates)
        measure(client, *page(small, bureau_small))
    before = {name: measure(client, *page(small, bureau_small)) for name, page in pages.items()}

    large = build(plans=6, chains=3, enterprises=120, resubmit=True)
    bureau_large = applicant_of(large[0])
    after = {name: measure(client, *page(large, bureau_large)) for name, page in pages.items()}

    report = "\n".join(f"{name}: {before[name].count} → {after[name].count}" for name in pages)
    print("\nqueries per page, small → large:\n" + report)
    differing = [name for name in pages if before[name].count != after[name].count]
    assert not differing, (
        report + "\n\n" + "\n\n".join(f"{name}:\n{repeated(before[name], after[name])}" for name in differing)
    )
