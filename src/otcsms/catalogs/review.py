"""The review queue of a framework: what its catalog and its crosswalks ship without having been checked.

Catalog rows whose provenance says ``verified: false`` (recalled levels, identifiers no public source cites)
and mapping rows of the current crosswalks touching the framework that are not verified (co-citation
inferences, this project's expert judgements). An auditor reads this list to know which cells to check
before relying on them; rows flagged doubtful come first.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from otcsms.catalogs.models import Framework, Mapping, Requirement

DOUBTFUL_PREFIX = "doubtful"


def unverified_requirements(framework: Framework) -> QuerySet[Requirement]:
    """Catalog rows not checked against their source, the doubtful ones first, then in reading order."""
    rows = framework.requirements.filter(provenance__verified=False)
    doubtful = Case(
        When(provenance__note__startswith=DOUBTFUL_PREFIX, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return rows.annotate(doubtful_rank=doubtful).order_by("doubtful_rank", "position")


def unverified_mappings(
    framework: Framework, mapping_set_id: int | None = None, q: str = ""
) -> QuerySet[Mapping]:
    """Unverified rows of the current crosswalks from or to this framework version."""
    rows = Mapping.objects.filter(mapping_set__is_current=True, verified=False).filter(
        Q(source__framework=framework) | Q(target__framework=framework)
    )
    if mapping_set_id is not None:
        rows = rows.filter(mapping_set_id=mapping_set_id)
    if q:
        rows = rows.filter(Q(source__ref__icontains=q) | Q(target__ref__icontains=q))
    return rows.select_related(
        "mapping_set", "source", "target", "source__framework", "target__framework"
    ).order_by("mapping_set__key", "source__position", "target__position")


def queue_counts(framework: Framework) -> dict[str, int]:
    mappings = unverified_mappings(framework)
    return {
        "requirements": framework.requirements.filter(provenance__verified=False).count(),
        "doubtful": framework.requirements.filter(
            provenance__verified=False, provenance__note__startswith=DOUBTFUL_PREFIX
        ).count(),
        "mappings": mappings.count(),
        "mappings_total": Mapping.objects.filter(mapping_set__is_current=True)
        .filter(Q(source__framework=framework) | Q(target__framework=framework))
        .count(),
    }
