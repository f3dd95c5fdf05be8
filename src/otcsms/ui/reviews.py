"""What an app has due for review, in one shape, so the review calendar (the improvement app) can list every
app's review dates together without naming the apps: each app declares functions ``(user, site ids) ->
iterable of ReviewDue`` in its registry.py (``Contributions.review_schedules``), reading only what the user
may see (every site's rows when the user is None: the worker's KPI of overdue reviews)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from otcsms.core.models import User


@dataclass(frozen=True, slots=True)
class ReviewDue:
    kind: str  # what is reviewed, for people: "Policy", "Threat scenario", "CSMS scope", "Access review"
    title: str  # the reviewed record
    site_id: int
    due_on: date
    url: str  # the record's page, where the review is recorded
    owner: str = ""

    def overdue(self, today: date) -> bool:
        return self.due_on < today


def readable(model: Any, user: User | None) -> Any:
    """The rows of ``model`` the user may read; every row for None (the worker measuring overdue reviews)."""
    return model.objects.for_user(user) if user is not None else model.objects.all()
