"""The audit trail's clock: instants as whole microseconds since the Unix epoch, UTC.

Integers, so an event's time hashes and sorts the same on every database and platform. A module of its own:
the models (``AuditEvent.occurred_at``) and the trail that writes them (``core.audit``) both read it.
"""

from __future__ import annotations

import datetime as dt

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_epoch_us(moment: dt.datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=value)


def now_us() -> int:
    return to_epoch_us(dt.datetime.now(dt.UTC))
