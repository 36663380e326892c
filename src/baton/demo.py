"""``baton demo``: Baton, a worker, a connected Salesforce emulator and a customer mailbox, in one process.

Ports, from ``--port`` (default 8000) on:

    port      Baton (API docs at /docs, the inbox at /ui/sessions)
    port + 1  the Salesforce emulator (rep console at /console)
    port + 2  the customer's mailbox (every email Baton sends lands here)
    port + 3  Baton's SMTP receiver (customer mail in)
    port + 4  the demo page (send an email as a customer, hand off, links to the Case)

``running_demo`` starts everything in the current event loop and stops it on exit; the
tests walk the tour through it, and ``run_demo`` (the command) waits for Ctrl-C inside it.
State lives under ``BATON_HOME`` (default ``./.baton``): the SQLite database and
``demo.json`` (org id, API key, app credentials), so a second run reuses the same org.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
from rich.console import Console

from baton.app import create_app
from baton.demo_page.page import DemoLinks, create_demo_page
from baton.demo_page.salesforce import ConnectFailed, connect_salesforce, external_client_app
from baton.demo_page.seed import (
    ORG_NAME,
    SUPPORT_ADDRESS,
    ensure_demo_org,
    load_help_articles,
    prepare_database,
)
from baton.demo_page.servers import PortInUse, ServerGroup, bind_listener, check_port_free
from baton.mailsink import MailSink, create_mailsink_app
from baton.services import build_services
from baton.settings import Settings
from salesforce_emulator.runtime import EmulatorOptions
from salesforce_emulator.server import create_app as create_emulator_app

__all__ = ["DemoUrls", "PortInUse", "run_demo", "running_demo"]

INBOX_PATH = "/ui/sessions"
# Cases are reconciled by a poll too (in case a webhook is lost); the demo polls often.
DEMO_POLL_SECONDS = 10.0


@dataclass(frozen=True)
class DemoUrls:
    """Where everything runs, and the credentials a newcomer needs."""

    baton: str
    docs: str
    inbox: str | None
    emulator: str
    console: str
    mailbox: str
    demo_page: str
    smtp_host: str
    smtp_port: int
    org_id: str
    api_key: str
    support_address: str
    reused: bool
    notes: tuple[str, ...]


def _reachable(host: str) -> str:
    """The address to put in URLs: a wildcard bind is reached on loopback."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


# The HTTP servers' ports, as offsets from --port; port + 3 is Baton's SMTP receiver.
_HTTP_PORTS = (
    ("baton", 0, "Baton"),
    ("emulator", 1, "Salesforce emulator"),
    ("mailbox", 2, "customer mailbox"),
    ("page", 4, "demo page"),
)


def _reserve_ports(host: str, port: int) -> dict[str, socket.socket]:
    """Bind every port now, so a taken one is reported before anything starts."""
    sockets: dict[str, socket.socket] = {}
    try:
        for name, offset, purpose in _HTTP_PORTS:
            sockets[name] = bind_listener(host, port + offset, purpose)
        check_port_free(host, port + 3, "Baton's SMTP receiver")
    except BaseException:
        _close_all(sockets)
        raise
    return sockets


def _close_all(sockets: dict[str, socket.socket]) -> None:
    # Sockets not yet handed to a server (those that were are closed by it).
    for sock in sockets.values():
        sock.close()


@contextlib.asynccontextmanager
async def running_demo(
    *,
    home: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    poll_seconds: float = DEMO_POLL_SECONDS,
) -> AsyncIterator[DemoUrls]:
    """Migrate, seed, start every server and connect Salesforce; stop everything on exit.

    Raises ``PortInUse`` before starting anything when one of the five ports is taken.
    """
    reach = _reachable(host)
    sockets = _reserve_ports(host, port)
    # Callbacks run last-in first-out: servers stop before the clients and the database they use.
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(_close_all, sockets)
        baton_url, emulator_url = _url(reach, port), _url(reach, port + 1)
        mailbox_url, page_url = _url(reach, port + 2), _url(reach, port + 4)

        sink = MailSink()
        await sink.start("127.0.0.1", 0)
        stack.push_async_callback(sink.stop)
        # The embedded default whatever BATON_DATABASE_URL says: the demo never touches a real database.
        settings = Settings(
            home=home if home is not None else Settings().home,
            database_url=None,
            public_url=baton_url,
            smtp_url=sink.smtp_url,
            smtp_listen=f"{host}:{port + 3}",
            salesforce_poll_seconds=poll_seconds,
            environment="development",
        )
        database_note = await asyncio.to_thread(prepare_database, settings.resolved_database_url)
        services = build_services(settings)
        stack.push_async_callback(services.aclose)
        state, reused = await ensure_demo_org(services, settings.home)
        await load_help_articles(services, state.org_id)

        app = external_client_app(baton_url, state.client_id, state.client_secret)
        emulator = create_emulator_app(EmulatorOptions(public_url=emulator_url, apps=[app]))
        baton = create_app(settings, services=services, run_worker=True)
        inbox_url = baton_url + INBOX_PATH
        links = DemoLinks(
            baton=baton_url,
            api_key=state.api_key,
            console=emulator_url + "/console",
            mailbox=mailbox_url,
            inbox=inbox_url,
            smtp_host=reach,
            smtp_port=port + 3,
            support_address=SUPPORT_ADDRESS,
            org_id=state.org_id,
        )
        http = await stack.enter_async_context(httpx2.AsyncClient(timeout=30))
        servers = ServerGroup()
        stack.push_async_callback(servers.stop)
        # The emulator first: Baton's worker may call it as soon as Baton starts.
        await servers.start("emulator", emulator, sockets.pop("emulator"))
        await servers.start("mailbox", create_mailsink_app(sink), sockets.pop("mailbox"))
        await servers.start("baton", baton, sockets.pop("baton"))
        await connect_salesforce(http, baton_url, state.api_key, emulator_url, app)
        await servers.start("demo page", create_demo_page(links, http), sockets.pop("page"))
        yield DemoUrls(
            baton=baton_url,
            docs=baton_url + "/docs",
            inbox=inbox_url,
            emulator=emulator_url,
            console=links.console,
            mailbox=mailbox_url,
            demo_page=page_url,
            smtp_host=reach,
            smtp_port=port + 3,
            org_id=state.org_id,
            api_key=state.api_key,
            support_address=SUPPORT_ADDRESS,
            reused=reused,
            notes=(database_note,) if database_note else (),
        )


def welcome(urls: DemoUrls) -> str:
    """The text printed once everything runs (rich markup)."""
    org = "reused from the last run" if urls.reused else "created"
    lines = [
        "",
        "[bold green]Baton demo is running.[/bold green]  Press Ctrl-C to stop.",
        "",
        f"  [bold]Start here[/bold]          {urls.demo_page}   send an email as a customer, hand it off",
        f"  Web chat widget     {urls.demo_page}/widget-demo   chat as a site visitor, ask for a human",
        f"  Rep console         {urls.console}   Salesforce Cases; reply as the rep",
        f"  Customer mailbox    {urls.mailbox}   what the customer receives",
        f"  Baton API docs      {urls.docs}",
    ]
    if urls.inbox:
        lines.append(f"  Baton inbox         {urls.inbox}   sign in with the API key")
    lines += [
        "",
        f"  Organization        {ORG_NAME} ({org}), support address {urls.support_address}",
        f"  API key             {urls.api_key}",
        f"  Customer mail in    smtp://{urls.smtp_host}:{urls.smtp_port}",
        "",
        "  The emulator keeps its Cases in memory: they are gone after Ctrl-C; Baton's sessions stay.",
    ]
    lines += [f"  [yellow]Note:[/yellow] {note}" for note in urls.notes]
    return "\n".join(lines)


async def run_demo(host: str = "127.0.0.1", port: int = 8000) -> None:
    """The ``baton demo`` command: run the tour until Ctrl-C (or SIGTERM), then stop everything."""
    console = Console()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers; Ctrl-C then arrives as KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    console.print("Starting the Baton demo…")
    try:
        async with running_demo(host=host, port=port) as urls:
            console.print(welcome(urls), soft_wrap=True)
            await stop.wait()
            console.print("Stopping…")
    except PortInUse as exc:
        raise SystemExit(f"baton demo: {exc}") from None
    except ConnectFailed as exc:
        raise SystemExit(f"baton demo: connecting Salesforce failed at {exc}") from None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
