"""Real protocol peers on 127.0.0.1 for the collector tests: an asyncua server and pymodbus devices.

pymodbus keeps device identification in a process-wide control block, so each simulated Modbus device runs
in its own process (``python -m tests.configs.modbus_device``), started with its identification and registers;
"changing the device" is restarting it with new ones on the same port, as a firmware update does.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from asyncua import Server, ua
from cryptography.x509.oid import ExtendedKeyUsageOID

from otcsms.configs import identity

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SERVER_IDENTITY: dict[int, tuple[bytes, bytes]] = {}


def server_identity(key_bits: int = 2048) -> tuple[bytes, bytes]:
    if key_bits not in _SERVER_IDENTITY:
        _SERVER_IDENTITY[key_bits] = identity.generate(
            "test opc ua server",
            "urn:otcsms:test:server",
            key_bits=key_bits,
            extended=(ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH),
            hosts=("127.0.0.1",),
        )
    return _SERVER_IDENTITY[key_bits]


@dataclass
class OpcUaSettings:
    none_endpoint: bool = False
    anonymous: bool = False
    writable_extra: bool = False
    software_version: str = "2.4.1"
    key_bits: int = 2048
    level: float = 3.5  # a process value


@dataclass
class OpcUaPeer:
    port: int
    settings: OpcUaSettings = field(default_factory=OpcUaSettings)
    server: Server | None = None

    @property
    def url(self) -> str:
        return f"opc.tcp://127.0.0.1:{self.port}/plc/"

    async def start(self) -> None:
        s = self.settings
        server = Server()
        await server.init()
        server.set_endpoint(self.url)
        server.set_server_name("Test PLC")
        await server.set_application_uri("urn:otcsms:test:server")
        cert, key = server_identity(s.key_bits)
        await server.load_certificate(cert, format="pem")
        await server.load_private_key(key, format="pem")
        policies = [ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt]
        if s.none_endpoint:
            policies.append(ua.SecurityPolicyType.NoSecurity)
        server.set_security_policy(policies)
        tokens = [ua.UserNameIdentityToken] + ([ua.AnonymousIdentityToken] if s.anonymous else [])
        server.set_identity_tokens(tokens)
        await server.set_build_info(
            "urn:acme:plc",
            "ACME",
            "ACME PLC",
            s.software_version,
            "77",
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
        ns = await server.register_namespace("urn:acme:plant")
        tank = await server.nodes.objects.add_object(ua.NodeId("Tank1", ns), ua.QualifiedName("Tank1", ns))
        await tank.add_variable(ua.NodeId("Tank1.Level", ns), ua.QualifiedName("Level", ns), s.level)
        setpoint = await tank.add_variable(
            ua.NodeId("Tank1.HighAlarm", ns), ua.QualifiedName("HighAlarm", ns), 9.0
        )
        await setpoint.set_writable()
        if s.writable_extra:
            pump = await tank.add_variable(
                ua.NodeId("Tank1.PumpOverride", ns), ua.QualifiedName("PumpOverride", ns), False
            )
            await pump.set_writable()
        await server.start()
        self.server = server

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None

    async def restart(self, settings: OpcUaSettings) -> None:
        await self.stop()
        self.settings = settings
        await self.start()


@dataclass
class ModbusDevice:
    """One simulated Modbus TCP device in its own process."""

    port: int
    identification: dict[str, str]
    holding: dict[int, int]
    input: dict[int, int]
    process: subprocess.Popen | None = None

    def start(self) -> None:
        spec = json.dumps(
            {
                "port": self.port,
                "identification": self.identification,
                "holding": self.holding,
                "input": self.input,
            }
        )
        env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.configs.modbus_device", spec],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()  # the device says "ready" once it listens
        assert line.strip() == "ready", f"modbus device did not start: {line!r}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            self.process = None

    def restart(self, **changes) -> None:
        self.stop()
        for name, value in changes.items():
            setattr(self, name, value)
        self.start()


def run_apart(coro):
    """asyncio.run in a thread of its own: a session's browser tests (Playwright) may keep an event loop running
    in the main thread, and pytest-django runs tests without a database after them."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class OpcUaInThread:
    """An OpcUaPeer served by its own event loop in a thread, so synchronous code (the services, which run
    their own loop) can collect from it."""

    def __init__(self, settings: OpcUaSettings | None = None) -> None:
        import threading

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.peer = OpcUaPeer(free_port(), settings or OpcUaSettings())

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def start(self) -> None:
        self._call(self.peer.start())

    def restart(self, settings: OpcUaSettings) -> None:
        self._call(self.peer.restart(settings))

    def stop(self) -> None:
        self._call(self.peer.stop())

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@dataclass
class Dnp3Outstation:
    """One independent DNP3 outstation (dnp3py) in its own process; changing it is restarting it."""

    port: int
    address: int = 10
    points: dict[str, dict[str, float]] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        spec = json.dumps({"port": self.port, "address": self.address, **self.points})
        env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.configs.dnp3_outstation", spec],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        assert line.strip() == "ready", f"dnp3 outstation did not start: {line!r}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            self.process = None

    def restart(self, points: dict[str, dict[str, float]]) -> None:
        self.stop()
        self.points = points
        self.start()
