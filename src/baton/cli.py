"""The ``baton`` command: migrate, serve, worker, streams, emulator, demo, org, keys."""

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
keys_app = typer.Typer(
    help="Signing keys for Salesforce User Verification (Live Messaging).", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")
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


@app.command("streams")
def streams_command() -> None:
    """Hold Live Messaging (MIAW) event streams only, no other jobs, until interrupted."""
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
            await run_worker(services, stop, jobs=False, polls=False, streams=True)
        finally:
            await services.aclose()

    asyncio.run(main())


EMULATOR_MIAW_ORG_ID = "00D000000000001AAA"
EMULATOR_MIAW_DEPLOYMENT = "Baton_Messaging"


@app.command()
def emulator(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8800,
    miaw_org_id: Annotated[str, typer.Option(help="Org id of the emulated messaging deployment.")] = (
        EMULATOR_MIAW_ORG_ID
    ),
    es_developer_name: Annotated[str, typer.Option(help="API name of that deployment.")] = (
        EMULATOR_MIAW_DEPLOYMENT
    ),
    issuer: Annotated[str, typer.Option(help="Issuer of its User Verification keyset.")] = "baton",
) -> None:
    """Run the local Salesforce emulator: OAuth, REST, Apex webhooks, rep console and Live Messaging.

    The Messaging (SCRT) host is served on the same URL, with one Custom Client
    deployment; upload a JWK to ``/_emulator/miaw/deployments/<name>/keys``.
    """
    import uvicorn

    from salesforce_emulator import EmulatorOptions, create_app
    from salesforce_emulator.miaw import DeploymentConfig, KeysetConfig, MiawConfig, create_miaw_app

    deployment = DeploymentConfig(
        org_id=miaw_org_id,
        es_developer_name=es_developer_name,
        keyset=KeysetConfig(name="baton", issuer=issuer),
    )
    miaw = create_miaw_app(MiawConfig(deployments=[deployment]))
    emulator_app = create_app(EmulatorOptions(public_url=f"http://{host}:{port}"), miaw_app=miaw)
    console.print(
        f"Live Messaging: SCRT URL http://{host}:{port}, org id {miaw_org_id}, "
        f"deployment {es_developer_name}, issuer {issuer}; rep console http://{host}:{port}/miaw-console"
    )
    uvicorn.run(emulator_app, host=host, port=port, log_level="info", ws="none")


@keys_app.command("generate")
def keys_generate(
    kid: Annotated[str | None, typer.Option(help="Key id (the Auth Key ID); a UUID when omitted.")] = None,
    bits: Annotated[int, typer.Option(min=2048, help="RSA key size.")] = 2048,
    algorithm: Annotated[str, typer.Option(help="RS256 or RS512.")] = "RS256",
    private_key_file: Annotated[
        str | None, typer.Option("--private-key-file", help="Write the private key here (owner-only).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create an RSA key pair and a self-signed certificate for Salesforce User Verification.

    Prints what the admin registers in Salesforce (the JWK, one object; or the
    public key PEM) and the private key to paste into Baton's Live Messaging
    settings (or writes it to --private-key-file).
    """
    import os

    from baton.salesforce.messaging.keys import ALGORITHMS, generate_key_pair

    if algorithm not in ALGORITHMS:
        raise typer.BadParameter("use RS256 or RS512", param_hint="--algorithm")
    pair = generate_key_pair(kid=kid, bits=bits, algorithm=algorithm)
    if private_key_file:
        descriptor = os.open(private_key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(pair.private_key_pem)
    if as_json:
        document = {
            "kid": pair.kid,
            "algorithm": pair.algorithm,
            "jwk": pair.jwk,
            "public_key_pem": pair.public_key_pem,
            "certificate_pem": pair.certificate_pem,
        }
        if not private_key_file:
            document["private_key_pem"] = pair.private_key_pem
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(f"Auth Key ID (kid): {pair.kid}   algorithm: {pair.algorithm}\n")
    typer.echo("Register in Salesforce (Setup → User Verification → keyset → Add key), one JWK object:")
    typer.echo(json.dumps(pair.jwk, indent=2))
    typer.echo("\nPublic key (PEM):")
    typer.echo(pair.public_key_pem)
    if private_key_file:
        typer.echo(f"Private key written to {private_key_file} (mode 600): paste it into Baton's settings.")
    else:
        typer.echo(
            "Private key (keep secret; paste into Baton's Live Messaging settings as private_key_pem):"
        )
        typer.echo(pair.private_key_pem)


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
