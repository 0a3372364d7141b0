"""Demo policies (idempotent). The shipped Yangzhou measures expired on 2025-02-23 and stay historical;
the demo adds a copy, clearly labelled 演示, in force for the whole current year, so that the calculator
and applications have a policy to work with."""

import importlib
from datetime import date

from django.apps import apps
from django.db import transaction

from . import services
from .models import Policy
from .selectors import today

SHIPPED_MIGRATION = "applications.migrations.0002_ship_yangzhou_measures_and_sheyang_free_diagnosis"


def demo_policy_code(year: int) -> str:
    return f"{_shipped().YANGZHOU}-demo-{year}"


def _shipped():
    return importlib.import_module(SHIPPED_MIGRATION)


@transaction.atomic
def load_demo_policies(*, year: int | None = None) -> Policy:
    """The demo copy of the Yangzhou measures for ``year`` (default: this year in China)."""
    year = year or today().year
    code = demo_policy_code(year)
    existing = Policy.objects.filter(code=code).first()
    if existing is not None:
        return existing
    shipped = _shipped()
    # A flushed test database has lost what the data migration shipped: ship it again.
    shipped.ship_policies(apps)
    original = Policy.objects.get(code=shipped.YANGZHOU)
    return services.policy_copy(
        actor=None,
        policy=original,
        code=code,
        title=f"【演示】{original.title}（{year}年演示副本）",
        document_number=f"{original.document_number}（演示）",
        issued_on=date(year, 1, 1),
        valid_from=date(year, 1, 1),
        valid_to=date(year, 12, 31),
        is_demo=True,
        source_note=f"演示数据：复制自{original.document_number}，数值与原文一致，有效期改为{year}年全年。原政策已于"
        f"{original.valid_to.year}年{original.valid_to.month}月{original.valid_to.day}日到期。",
    )


DEMO_ROUND_TITLE = "{year}年制造业智能化改造和数字化转型奖补项目申报（演示批次）"


@transaction.atomic
def load_demo_round(*, year: int | None = None):
    """An open round of the demo policy for the whole year, for every league/city (idempotent). Call it
    after load_demo_policies and the demo accounts (the regions)."""
    from datetime import datetime

    from accounts.models import Region

    from .models import SubsidyRound
    from .selectors import CHINA

    year = year or today().year
    policy = load_demo_policies(year=year)
    title = DEMO_ROUND_TITLE.format(year=year)
    existing = SubsidyRound.objects.filter(policy=policy, title=title).first()
    if existing is not None:
        return existing
    subsidy_round = SubsidyRound.objects.create(
        policy=policy,
        year=year,
        title=title,
        opens_at=datetime(year, 1, 1, tzinfo=CHINA),
        closes_at=datetime(year + 1, 1, 1, tzinfo=CHINA),
        status=SubsidyRound.Status.OPEN,
    )
    subsidy_round.regions.set(Region.objects.filter(level=Region.Level.LEAGUE_CITY))
    return subsidy_round
