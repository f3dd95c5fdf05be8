"""The jobs otcsms ships. Each returns a one-line summary, stored as the schedule's last message.

Keep transactions short inside a job: every audited write waits for the audit chain's head lock, which web
requests need too. Write in small batches, each in its own ``transaction.atomic()``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings

from otcsms.jobs.decorators import job

PRUNE_AFTER_DAYS = 30


@job("audit-checkpoint")
def audit_checkpoint() -> str:
    """Verify the audit chain and write a signed checkpoint of its head into CHECKPOINT_DIR, one file per
    run named by event number and time (e.g. ``audit-checkpoint-000000005123-20260504T100000Z.json``)."""
    from otcsms.core.checkpoints import write_checkpoint

    directory = Path(settings.CHECKPOINT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    # The name needs the checkpointed event, known only once it is signed: write under a temporary name,
    # then rename (same directory, so the final file appears whole or not at all).
    incoming = directory / f".incoming-{uuid.uuid4().hex}.json"
    try:
        checkpoint = write_checkpoint(incoming)
        stamp = checkpoint.created_at.replace("-", "").replace(":", "")
        final = directory / f"audit-checkpoint-{checkpoint.seq:012d}-{stamp}.json"
        incoming.replace(final)
    finally:
        incoming.unlink(missing_ok=True)
    return f"checkpoint of event #{checkpoint.seq} written to {final}"


@job("run-checks")
def run_checks() -> str:
    """Run every registered continuous check on every site (``otcsms.checks.engine.run_all``)."""
    from otcsms.checks.engine import run_all

    return run_all().summary()


@job("prune-task-results")
def prune_task_results() -> str:
    """Delete finished task results older than PRUNE_AFTER_DAYS from the database queue (RQ expires its
    own results). Task results are the queue's records, not audited objects."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from otcsms.jobs.backend import uses_database_queue

    if not uses_database_queue():
        return "nothing to prune: tasks are not queued in the database"
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(days=PRUNE_AFTER_DAYS)
    with transaction.atomic():
        deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).delete()
    return f"deleted {deleted} finished task results older than {PRUNE_AFTER_DAYS} days"
