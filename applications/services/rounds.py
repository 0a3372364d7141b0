"""Subsidy rounds managed by the Department officer: create and edit while draft, open, close early.
Keyword-only, one transaction each, the round locked, an audit event inside; ValidationError in Chinese."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region
from accounts.permissions import has_role
from accounts.roles import Role
from audit.services import record_event

from ..models import Policy, SubsidyRound
from ..selectors import CHINA

FIELDS = ("policy", "year", "title", "opens_at", "closes_at", "expert_review_threshold", "notice_working_days")


def _check_officer(actor) -> None:
    if not has_role(actor, Role.DEPARTMENT_OFFICER):
        raise ValidationError(_("只有工信厅经办人可以管理申报批次。"))


def _validate(*, policy: Policy, year: int, title: str, opens_at, closes_at, threshold, working_days, regions) -> None:
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = _("请填写批次名称。")
    if opens_at is None or closes_at is None or timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        errors["opens_at"] = _("请填写开始受理时间和截止时间。")
    elif closes_at <= opens_at:
        errors["closes_at"] = _("截止时间须晚于开始受理时间。")
    else:
        first, last = opens_at.astimezone(CHINA).date(), closes_at.astimezone(CHINA).date()
        if not (policy.is_in_force(first) and policy.is_in_force(last)):
            errors["policy"] = _("政策有效期（%(validity)s）须覆盖整个受理期。") % {"validity": policy.validity_label}
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = _("请填写有效的年度。")
    if threshold is None or threshold < 0:
        errors["expert_review_threshold"] = _("专家评审起点金额不能为负数。")
    if working_days is None or working_days < 1:
        errors["notice_working_days"] = _("公示期至少为1个工作日。")
    if any(region.level != Region.Level.LEAGUE_CITY for region in regions):
        errors["regions"] = _("适用地区只能选择盟市。")
    if errors:
        raise ValidationError(errors)


def _values(subsidy_round: SubsidyRound) -> dict:
    values = {name: str(getattr(subsidy_round, name)) for name in FIELDS if name != "policy"}
    values["policy"] = subsidy_round.policy_id
    values["regions"] = sorted(region.pk for region in subsidy_round.regions.all())
    return values


@transaction.atomic
def round_create(
    *,
    actor,
    policy: Policy,
    year: int,
    title: str,
    opens_at,
    closes_at,
    regions=(),
    expert_review_threshold: Decimal = Decimal("1000000"),
    notice_working_days: int = 5,
) -> SubsidyRound:
    """A draft round (regions: leagues/cities; none means all)."""
    _check_officer(actor)
    regions = list(regions)
    _validate(
        policy=policy,
        year=year,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        threshold=expert_review_threshold,
        working_days=notice_working_days,
        regions=regions,
    )
    subsidy_round = SubsidyRound.objects.create(
        policy=policy,
        year=year,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        expert_review_threshold=expert_review_threshold,
        notice_working_days=notice_working_days,
    )
    subsidy_round.regions.set(regions)
    record_event(actor=actor, action="subsidy_round.create", target=subsidy_round, changes=_values(subsidy_round))
    return subsidy_round


def _lock(subsidy_round: SubsidyRound) -> SubsidyRound:
    return SubsidyRound.objects.select_for_update(of=("self",)).select_related("policy").get(pk=subsidy_round.pk)


@transaction.atomic
def round_update(
    *,
    actor,
    subsidy_round: SubsidyRound,
    policy: Policy,
    year: int,
    title: str,
    opens_at,
    closes_at,
    regions=(),
    expert_review_threshold: Decimal = Decimal("1000000"),
    notice_working_days: int = 5,
) -> SubsidyRound:
    """Change a round while it is a draft."""
    _check_officer(actor)
    subsidy_round = _lock(subsidy_round)
    if subsidy_round.status != SubsidyRound.Status.DRAFT:
        raise ValidationError(_("只有草稿状态的批次可以修改。"))
    regions = list(regions)
    _validate(
        policy=policy,
        year=year,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        threshold=expert_review_threshold,
        working_days=notice_working_days,
        regions=regions,
    )
    before = _values(subsidy_round)
    subsidy_round.policy, subsidy_round.year, subsidy_round.title = policy, year, title.strip()
    subsidy_round.opens_at, subsidy_round.closes_at = opens_at, closes_at
    subsidy_round.expert_review_threshold = expert_review_threshold
    subsidy_round.notice_working_days = notice_working_days
    subsidy_round.save()
    subsidy_round.regions.set(regions)
    after = _values(subsidy_round)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    record_event(actor=actor, action="subsidy_round.update", target=subsidy_round, changes=changes)
    return subsidy_round


@transaction.atomic
def round_open(*, actor, subsidy_round: SubsidyRound) -> SubsidyRound:
    """Open a draft round for applications (it accepts them from opens_at to closes_at)."""
    _check_officer(actor)
    subsidy_round = _lock(subsidy_round)
    if subsidy_round.status != SubsidyRound.Status.DRAFT:
        raise ValidationError(_("只有草稿状态的批次可以开启受理。"))
    if subsidy_round.closes_at <= timezone.now():
        raise ValidationError(_("截止时间已过，请先修改受理时间。"))
    subsidy_round.status = SubsidyRound.Status.OPEN
    subsidy_round.save(update_fields=["status"])
    record_event(actor=actor, action="subsidy_round.open", target=subsidy_round, changes={"status": ["draft", "open"]})
    return subsidy_round


@transaction.atomic
def round_close(*, actor, subsidy_round: SubsidyRound) -> SubsidyRound:
    """Close an open round now (early closing moves closes_at to now; no new applications or submissions)."""
    _check_officer(actor)
    subsidy_round = _lock(subsidy_round)
    if subsidy_round.status != SubsidyRound.Status.OPEN:
        raise ValidationError(_("只有受理中的批次可以截止。"))
    now = timezone.now()
    changes = {"status": ["open", "closed"]}
    if subsidy_round.closes_at > now:
        changes["closes_at"] = [subsidy_round.closes_at.isoformat(), now.isoformat()]
        subsidy_round.closes_at = max(now, subsidy_round.opens_at + timedelta(seconds=1))
    subsidy_round.status = SubsidyRound.Status.CLOSED
    subsidy_round.save(update_fields=["status", "closes_at"])
    record_event(actor=actor, action="subsidy_round.close", target=subsidy_round, changes=changes)
    return subsidy_round
