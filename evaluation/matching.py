"""Who may review which plan: automatic conflict screening, expertise matching and the suggestion of
experts. Pure functions over objects the selectors have loaded (no queries here).

Conflict screening excludes an expert when
- the expert's home region is the plan's league/city, or a county under it;
- one of the expert's declared ties (organisation names or USCCs, one per line) is the applicant's name
  or USCC, the region's name, or the name or USCC of an enterprise on the plan's list.
Names are compared after Unicode NFKC folding (full-width brackets and letters become half-width),
without white space and case-insensitively, so "XX有限公司（包头）" matches "XX有限公司(包头)".

The suggestion fills each plan up to the call's ``experts_per_plan`` active assignments: among the
active, unscreened experts not yet on the plan, the one with the fewest open assignments first (the
load counts the suggestions already made for earlier plans), then the one whose fields of expertise
appear most in the plan's title, chain names and chain description, then by name.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


def fold(text: str) -> str:
    """The form names and codes are compared in."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


@dataclass(frozen=True)
class PlanFacts:
    """What screening and matching need to know about one plan."""

    plan_id: int
    region_id: int
    region_name: str
    applicant_name: str
    applicant_uscc: str
    enterprises: tuple[tuple[str, str], ...]  # (name, uscc)
    text: str  # title, chain names and chain description, for expertise matching


@dataclass(frozen=True)
class ExpertFacts:
    expert_id: int
    home_region_id: int
    home_region_parent_id: int | None
    home_region_name: str
    ties: tuple[str, ...]
    fields_of_expertise: tuple[str, ...]


def expert_facts(expert) -> ExpertFacts:
    """From an ExpertProfile loaded with ``home_region``."""
    return ExpertFacts(
        expert_id=expert.pk,
        home_region_id=expert.home_region_id,
        home_region_parent_id=expert.home_region.parent_id,
        home_region_name=expert.home_region.name,
        ties=tuple(tie for tie in (expert.declared_ties or []) if str(tie).strip()),
        fields_of_expertise=tuple(str(name) for name in (expert.fields_of_expertise or []) if str(name).strip()),
    )


def conflict_reasons(expert: ExpertFacts, plan: PlanFacts) -> list[str]:
    """Every reason the expert may not review the plan, in Chinese (empty: no conflict found)."""
    reasons = []
    if expert.home_region_id == plan.region_id:
        reasons.append(_("与申报地区相同：%(region)s") % {"region": plan.region_name})
    elif expert.home_region_parent_id == plan.region_id:
        reasons.append(
            _("所在地区隶属申报地区：%(county)s（%(region)s）")
            % {"county": expert.home_region_name, "region": plan.region_name}
        )
    ties = {fold(tie) for tie in expert.ties}
    if not ties:
        return reasons
    if fold(plan.applicant_name) in ties or (plan.applicant_uscc and fold(plan.applicant_uscc) in ties):
        reasons.append(_("申报的关联关系包含申报单位：%(name)s") % {"name": plan.applicant_name})
    if fold(plan.region_name) in ties:
        reasons.append(_("申报的关联关系包含申报地区：%(region)s") % {"region": plan.region_name})
    for name, uscc in plan.enterprises:
        if fold(uscc) in ties:
            reasons.append(_("申报的关联关系包含方案名单中的企业：%(uscc)s（%(name)s）") % {"uscc": uscc, "name": name})
        elif fold(name) in ties:
            reasons.append(_("申报的关联关系包含方案名单中的企业：%(name)s（%(uscc)s）") % {"name": name, "uscc": uscc})
    return reasons


def matching_fields(expert: ExpertFacts, plan: PlanFacts) -> list[str]:
    """The expert's fields of expertise that appear in the plan's title, chain names or chain text."""
    text = fold(plan.text)
    return [name for name in expert.fields_of_expertise if fold(name) and fold(name) in text]


@dataclass
class Candidate:
    expert: object  # ExpertProfile
    load: int  # open assignments before this suggestion
    matches: list[str]


@dataclass
class Excluded:
    expert: object
    reasons: list[str]


@dataclass
class Proposal:
    """For one plan: who is suggested, who was screened out and why, and how many are still missing."""

    plan: object
    needed: int
    chosen: list[Candidate] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    @property
    def shortfall(self) -> int:
        return self.needed - len(self.chosen)


def screen(experts: Iterable, plan: PlanFacts, *, taken: dict[int, str]) -> tuple[list, list[Excluded]]:
    """Split the (active) experts into eligible ones and those excluded with reasons. ``taken`` maps
    the experts already on the plan to their assignment status."""
    eligible, excluded = [], []
    for expert in experts:
        facts = expert_facts(expert)
        if expert.pk in taken:
            continue
        reasons = conflict_reasons(facts, plan)
        if reasons:
            excluded.append(Excluded(expert=expert, reasons=reasons))
        else:
            eligible.append(expert)
    return eligible, excluded


def suggest(
    plans: list,
    facts: dict[int, PlanFacts],
    experts: list,
    *,
    loads: dict[int, int],
    active_counts: dict[int, int],
    taken: dict[int, dict[int, str]],
    experts_per_plan: int,
) -> list[Proposal]:
    """One proposal per plan, in the order given (the plans' region order). ``loads`` (expert id →
    open assignments) is not changed; a copy counts the suggestions as they are made."""
    loads = dict(loads)
    proposals = []
    for plan in plans:
        plan_facts = facts[plan.pk]
        needed = max(experts_per_plan - active_counts.get(plan.pk, 0), 0)
        eligible, excluded = screen(experts, plan_facts, taken=taken.get(plan.pk, {}))
        proposal = Proposal(plan=plan, needed=needed, excluded=excluded)
        ranked = sorted(
            eligible,
            key=lambda expert: (
                loads.get(expert.pk, 0),
                -len(matching_fields(expert_facts(expert), plan_facts)),
                expert.full_name,
                expert.pk,
            ),
        )
        for expert in ranked[:needed]:
            proposal.chosen.append(
                Candidate(
                    expert=expert,
                    load=loads.get(expert.pk, 0),
                    matches=matching_fields(expert_facts(expert), plan_facts),
                )
            )
            loads[expert.pk] = loads.get(expert.pk, 0) + 1
        proposals.append(proposal)
    return proposals
