"""The expert pool, kept by the review agency's coordinator."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import diff, record_event, snapshot

from ..models import ExpertProfile
from ..permissions import can_edit_expert

MAX_TIE_LENGTH = 100


def clean_ties(lines) -> list[str]:
    """One tie per line: stripped, empty lines dropped, duplicates kept once (in the order typed)."""
    ties = []
    for line in lines:
        tie = " ".join(str(line).split())
        if tie and tie not in ties:
            ties.append(tie)
    return ties


@transaction.atomic
def expert_update(*, actor, expert: ExpertProfile, declared_ties: list[str], is_active: bool) -> ExpertProfile:
    """Change an expert's declared ties and whether they are in the active pool."""
    if not can_edit_expert(actor, expert):
        raise ValidationError(_("只能维护本机构专家库中的专家。"), code="not_in_agency")
    expert = ExpertProfile.objects.select_for_update().get(pk=expert.pk)
    ties = clean_ties(declared_ties)
    too_long = [tie for tie in ties if len(tie) > MAX_TIE_LENGTH]
    if too_long:
        raise ValidationError(
            {"declared_ties": _("每行不超过%(max)s个字：%(tie)s") % {"max": MAX_TIE_LENGTH, "tie": too_long[0][:20]}}
        )
    before = snapshot(expert, ("declared_ties", "is_active"))
    expert.declared_ties = ties
    expert.is_active = bool(is_active)
    expert.full_clean()
    expert.save(update_fields=["declared_ties", "is_active"])
    changes = diff(before, snapshot(expert, ("declared_ties", "is_active")))
    if changes:
        record_event(actor=actor, action="expert.update", target=expert, changes=changes)
    return expert
