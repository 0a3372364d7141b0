"""One entry of a user's inbox ("我的待办"). Each domain app offers ``inbox_items(user)`` in its
selectors; workflows.selectors.inbox puts them together with the open viewflow tasks."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InboxItem:
    title: str  # what to do, e.g. "会签资金计划"
    subject: str  # on what, e.g. "包头市 · 包头市制造业数字化转型试点总体方案"
    created: datetime  # since when it waits
    url: str  # where to do it
