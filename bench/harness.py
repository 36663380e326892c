"""Processes for benchmarks and fault runs: the emulator and Baton workers, as real subprocesses.

Real processes (not threads) so that a worker can be killed with SIGKILL mid-run and the
emulator does not share the interpreter lock with the code being measured.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

import httpx2

from baton.api.keys import create_api_key
from baton.app import create_app
from baton.conversations.service import create_organization
from baton.services import Services

CLIENT_ID = "3MVG9baton.bench.client"
CLIENT_SECRET = "baton-bench-client-secret"
ADMIN, PASSWORD = "admin@emulator.test", "password"
PUBLIC_URL = "http://baton.bench"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url, timeout=1.0).status_code < 500:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


@dataclass
class Emulator:
    url: str
    pid: int


@contextmanager
def emulator_server(*, daily_api_limit: int = 1_000_000) -> Iterator[Emulator]:
    """The emulator in its own process on a free loopback port (its pid lets a bench read its CPU time)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "salesforce_emulator",
        "--port",
        str(port),
        "--public-url",
        url,
        "--daily-api-limit",
        str(daily_api_limit),
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--callback-url",
        f"{PUBLIC_URL}/oauth/salesforce/callback",
        "--rotate-refresh-tokens",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(f"{url}/services/data")
        yield Emulator(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def emulator_process(*, daily_api_limit: int = 1_000_000) -> Iterator[str]:
    with emulator_server(daily_api_limit=daily_api_limit) as emulator:
        yield emulator.url


@contextmanager
def fresh_database(server: str | None) -> Iterator[str]:
    """A new, empty database for one run, dropped afterwards.

    ``server`` None gives a SQLite file in a temporary directory; a PostgreSQL URL names
    the server (its database part is only used to connect) on which ``baton_bench_<random>``
    is created, so a run never counts rows left by another.
    """
    if server is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    if not server.startswith(("postgresql://", "postgres://")):
        raise ValueError(
            "--database takes a PostgreSQL server URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres"
        )
    import psycopg

    name = f"baton_bench_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (Linux /proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def worker_env(database_url: str, **settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env["BATON_DATABASE_URL"] = database_url
    env["BATON_PUBLIC_URL"] = PUBLIC_URL
    for key, value in settings.items():
        env[f"BATON_{key.upper()}"] = str(value)
    return env


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    # A file, not a pipe: nobody reads stderr during the run, and a full pipe would block the worker.
    log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no graceful release of leases, exactly like a crashed machine."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def stderr_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def start_worker(env: dict[str, str], concurrency: int = 8) -> WorkerProcess:
    command = [sys.executable, "-m", "baton.cli", "worker", "--concurrency", str(concurrency)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the WorkerProcess)
    return WorkerProcess(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log), log)


@dataclass
class ConnectedOrg:
    org_id: str
    api_key: str


async def connect_org(services: Services, emulator: str) -> ConnectedOrg:
    """Create an org and connect it to the emulator through the real OAuth pages."""
    async with services.session_factory() as db, db.begin():
        org = await create_organization(db, "Bench")
        key = await create_api_key(db, org.id)
    headers = {"Authorization": f"Bearer {key}"}
    app = create_app(services.settings, services=services, run_worker=False)
    async with (
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=PUBLIC_URL) as baton,
        httpx2.AsyncClient(timeout=30) as http,
    ):
        credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "login_url": emulator}
        (
            await baton.put("/api/v1/integrations/salesforce/email", json=credentials, headers=headers)
        ).raise_for_status()
        url = (await baton.get("/api/v1/integrations/salesforce/email/authorize", headers=headers)).json()[
            "authorize_url"
        ]
        params = dict(parse_qsl(urlsplit(url).query))
        authorize = f"{emulator}/services/oauth2/authorize"
        login = await http.post(
            authorize, data={**params, "action": "login", "username": ADMIN, "password": PASSWORD}
        )
        ticket = re.search(r"name='ticket' value='([^']+)'", login.text)
        if ticket is None:
            raise RuntimeError("the emulator's login page changed")
        approved = await http.post(authorize, data={**params, "ticket": ticket.group(1), "action": "approve"})
        callback = urlsplit(approved.headers["location"])
        page = await baton.get(f"{callback.path}?{callback.query}")
        if "Connected" not in page.text:
            raise RuntimeError(f"could not connect: {page.text}")
    return ConnectedOrg(org.id, key)


@asynccontextmanager
async def faults(emulator: str, **settings: Any) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(timeout=30) as http:
        (await http.post(f"{emulator}/_emulator/faults", json=settings)).raise_for_status()
        try:
            yield http
        finally:
            await http.delete(f"{emulator}/_emulator/faults")


async def sleep_until(predicate: Any, *, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(interval)
    return False
