"""Live reads of device configurations over the devices' own protocols: asyncio, no Django.

Each collector module has ``PROTOCOL`` (the plant endpoint's protocol, e.g. ``opc-ua``), ``NAME`` and
``async def read(target: Target, options: Options) -> Reading``, raising ``Unreachable`` when the device
cannot be reached (refused, timed out, reset): that is reported as the asset's status, never as drift.

``collect_all`` reads many targets concurrently with a bound on the number in flight, a timeout per
attempt and a few retries (with a short backoff) for unreachable devices only; a device that answers
nonsense fails at once with ``CollectError`` (retrying cannot fix it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Literal

MODULES = ("opcua", "modbus", "dnp3")


class Unreachable(Exception):
    """The device did not answer: connection refused, reset or timed out."""


class CollectError(Exception):
    """The device answered, but not with something otcsms can read (one line)."""


@dataclass(frozen=True)
class Target:
    key: Any  # the caller's handle (an asset id)
    protocol: str
    host: str
    port: int
    path: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] | None = None  # e.g. a Modbus register map
    username: str = ""
    password: str = ""

    @property
    def uri(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.protocol}://{host}:{self.port}{self.path}"


@dataclass(frozen=True)
class Options:
    timeout: float = 5.0
    retries: int = 1
    backoff: float = 0.2
    concurrency: int = 32
    # OPC UA: otcsms's application certificate and key (PEM), to open a secure session.
    client_certificate: bytes | None = None
    client_key: bytes | None = None
    application_uri: str = "urn:otcsms:collector"


@dataclass(frozen=True)
class Reading:
    collector: str
    collector_version: str
    config: dict[str, Any]
    volatile: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    target: Target
    status: Literal["ok", "unreachable", "error"]
    reading: Reading | None = None
    message: str = ""
    seconds: float = 0.0


def collector_for(protocol: str) -> Any:
    for name in MODULES:
        module = import_module(f"{__name__}.{name}")
        if protocol == module.PROTOCOL:
            return module
    return None


def protocols() -> list[str]:
    return [import_module(f"{__name__}.{name}").PROTOCOL for name in MODULES]


async def collect_one(target: Target, options: Options) -> Outcome:
    module = collector_for(target.protocol)
    started = time.perf_counter()
    if module is None:
        return Outcome(target, "error", message=f"no collector for {target.protocol}")
    last = ""
    for attempt in range(options.retries + 1):
        if attempt:
            await asyncio.sleep(options.backoff * 2 ** (attempt - 1))
        try:
            reading = await asyncio.wait_for(module.read(target, options), options.timeout * 3)
        except (Unreachable, TimeoutError, OSError) as exc:
            last = _one_line(exc) or "no answer"
            continue
        except CollectError as exc:
            return Outcome(target, "error", message=_one_line(exc), seconds=time.perf_counter() - started)
        return Outcome(target, "ok", reading, seconds=time.perf_counter() - started)
    return Outcome(target, "unreachable", message=last, seconds=time.perf_counter() - started)


# The order reads start in: the longest first (an OPC UA session is a dozen round trips and a certificate
# handshake, a DNP3 poll a few, a Modbus read two or three), so that the short reads fill the slots the long
# ones leave free instead of the long ones starting last and finishing late (longest processing time first).
_START_RANK = {"opc-ua": 0, "dnp3": 1}


async def collect_all(targets: Sequence[Target], options: Options) -> list[Outcome]:
    """Every target read, at most ``options.concurrency`` at a time (the longest kinds of read started first);
    the outcomes in the order of ``targets``."""
    gate = asyncio.Semaphore(options.concurrency)

    async def bounded(target: Target) -> Outcome:
        async with gate:
            return await collect_one(target, options)

    order = sorted(range(len(targets)), key=lambda i: _START_RANK.get(targets[i].protocol, 2))
    # Tasks acquire the semaphore in the order they are made, so they start in ``order``.
    outcomes = await asyncio.gather(*(bounded(targets[i]) for i in order))
    result: list[Outcome | None] = [None] * len(targets)
    for i, outcome in zip(order, outcomes, strict=True):
        result[i] = outcome
    return [outcome for outcome in result if outcome is not None]


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:500]
