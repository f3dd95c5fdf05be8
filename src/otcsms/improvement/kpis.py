"""The improvement app's own KPIs (declared in improvement/registry.py: kpis): reviews overdue across every
app's review schedule, and nonconformities still open."""

from otcsms.improvement.services import open_nonconformities, overdue_reviews

__all__ = ["open_nonconformities", "overdue_reviews"]
