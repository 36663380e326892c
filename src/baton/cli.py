"""The ``baton`` command: migrate, serve, worker, emulator, demo, org."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Annotated

import typer
from rich.console import Console

from baton.settings import get_settings

app = typer.Typer(
    help="Baton: hands AI support conversations to human reps in Salesforce.", no_args_is_help=True
)
org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
app.add_typer(org_app, name="org")
console = Console()


def _attach_optional_commands() -> None:
    """The AI agent ships its own commands (kb, eval); mount them when present."""
    try:
        from baton.assistant.cli import eval_app, kb_app
    except ImportError:
        return
    app.add_typer(kb_app, name="kb")
    app.add_typer(eval_app, name="eval")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from baton.store.migrate import upgrade_to_head

    settings = get_settings()
    upgrade_to_head(settings.resolved_database_url)
    console.print("[green]database is up to date[/green]")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Run a job worker in this process.")
    ] = True,
) -> None:
    """HTTP API, UI, webhooks — and an in-process job worker unless --no-worker."""
    import uvicorn

    from baton.app import create_app

    settings = get_settings()
    settings.refuse_development_key()
    uvicorn.run(create_app(settings, run_worker=worker), host=host, port=port, log_level="info")


@app.command("worker")
def worker_command(
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Jobs run at once.")] = 8,
) -> None:
    """Run jobs (Salesforce calls, email sending, polls) until interrupted."""
    from baton.services import build_services
    from baton.worker import run_worker

    settings = get_settings()
    settings.refuse_development_key()

    async def main() -> None:
        services = build_services(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await run_worker(services, stop, concurrency=concurrency)
        finally:
            await services.aclose()

    asyncio.run(main())


@app.command()
def emulator(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8800,
) -> None:
    """Run the local Salesforce emulator (OAuth, REST, Apex webhooks, rep console)."""
    from salesforce_emulator.server import serve

    serve(host=host, port=port, public_url=f"http://{host}:{port}")


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="Baton's port; the emulator and the mailbox use the next ones.")
    ] = 8000,
) -> None:
    """Everything on one machine: Baton, a worker, the Salesforce emulator (connected) and a mailbox."""
    from baton.demo import run_demo

    asyncio.run(run_demo(host=host, port=port))


@org_app.command("create")
def org_create(
    name: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create an organization and its first API key (shown once)."""
    from baton.api.keys import create_api_key
    from baton.conversations.service import create_organization
    from baton.services import build_services

    async def main() -> tuple[str, str]:
        services = build_services(get_settings())
        try:
            async with services.session_factory() as db, db.begin():
                org = await create_organization(db, name)
                key = await create_api_key(db, org.id, name="first key")
            return org.id, key
        finally:
            await services.aclose()

    org_id, key = asyncio.run(main())
    if as_json:
        typer.echo(json.dumps({"org_id": org_id, "api_key": key}))
    else:
        console.print(f"organization [bold]{org_id}[/bold]\nAPI key (shown once): {key}")


def main() -> None:
    _attach_optional_commands()
    app()


if __name__ == "__main__":
    main()
