"""``baton kb ingest`` and ``baton eval``: Typer sub-apps mounted by the main CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from baton.assistant.evaluation import EvalReport, run_evaluation
from baton.assistant.knowledge.ingest import IngestReport, ingest_paths, pdf_support

kb_app = typer.Typer(help="Manage an organization's knowledge.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluate the AI agent against the labelled set.", invoke_without_command=True)

console = Console()


async def _ingest(paths: list[Path], org_id: str) -> IngestReport:
    from baton.settings import get_settings
    from baton.store.engine import create_engine, session_factory

    engine = create_engine(get_settings().resolved_database_url)
    try:
        with Progress(
            TextColumn("[bold]Ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
        ) as progress:
            task = progress.add_task("", total=None)

            def advance(done: int, total: int, name: str) -> None:
                progress.update(task, completed=done, total=total, description=name)

            return await ingest_paths(session_factory(engine), org_id, paths, progress=advance)
    finally:
        await engine.dispose()


@kb_app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="Files or folders (searched recursively).")
    ],
    org: Annotated[str, typer.Option("--org", help="The organization id.")],
) -> None:
    """Ingest Markdown, HTML, text (and PDF with pypdf) files into the org's knowledge."""
    report = asyncio.run(_ingest(paths, org))
    console.print(
        f"{report.files} files: {report.stored} stored ({report.chunks} passages), "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped, in {report.seconds:.1f}s"
    )
    for path, why in report.skipped[:20]:
        console.print(f"  skipped {path}: {why}")
    if not pdf_support() and any(path.endswith(".pdf") for path, _ in report.skipped):
        console.print("PDF files need a PDF library: install pypdf to ingest them.")


def print_report(report: EvalReport, *, show_failures: bool) -> None:
    table = Table(title="Handoff decision by reason")
    for column in ("reason", "precision", "recall", "TP", "FP", "FN"):
        table.add_column(column)
    rows = [("handoff (any reason)", report.handoff), *report.reasons.items()]
    for name, rate in rows:
        support = rate.true_positive + rate.false_positive + rate.false_negative
        if support == 0:
            continue
        table.add_row(
            name,
            f"{rate.precision:.3f}",
            f"{rate.recall:.3f}",
            str(rate.true_positive),
            str(rate.false_positive),
            str(rate.false_negative),
        )
    console.print(table)
    sourced, total = report.answers_with_expected_source
    console.print(f"Cases: {len(report.outcomes)}, fully correct: {report.accuracy:.1%}")
    console.print(f"Answerable questions answered from the expected article: {sourced}/{total}")
    console.print(f"Answers: {report.answers_total}, ungrounded: {report.ungrounded_answers}")
    console.print(f"Latency per turn: p50 {report.latency_p50_ms:.1f} ms, p95 {report.latency_p95_ms:.1f} ms")
    if report.large:
        large = report.large
        console.print(
            f"Large index: {large['pages']:.0f} pages → {large['chunks']:.0f} passages, "
            f"ingested in {large['ingest_seconds']:.1f}s, "
            f"index built in {large['index_build_seconds']:.1f}s; "
            f"latency p50 {large['latency_p50_ms']:.1f} ms, p95 {large['latency_p95_ms']:.1f} ms"
        )
    if show_failures:
        for outcome in report.failures():
            expected = (
                "handoff " + ",".join(outcome.expected_reasons) if outcome.expected_handoff else "no handoff"
            )
            if outcome.expected_decision:
                expected += f" / {outcome.expected_decision}"
            if outcome.expected_source:
                expected += f" / {outcome.expected_source}"
            got = (
                f"{outcome.decision} {','.join(outcome.predicted_reasons)} {','.join(outcome.cited_sources)}"
            )
            console.print(
                f"[red]✗[/red] {outcome.id} \\[{outcome.lang}] {outcome.message!r}: "
                f"expected {expected}, got {got}"
            )


@eval_app.callback()
def eval_command(
    data: Annotated[Path, typer.Option(help="Folder with cases.json, orgs.json and knowledge/.")] = Path(
        "tests/eval"
    ),
    large_pages: Annotated[
        int, typer.Option(help="Generated pages for the load measurement (0 to skip).")
    ] = 10_000,
    failures: Annotated[bool, typer.Option(help="List the cases the agent got wrong.")] = False,
) -> None:
    """Precision/recall of the handoff decision per reason, grounding, and latency per turn."""
    if not (data / "cases.json").exists():
        raise typer.BadParameter(f"{data} has no cases.json", param_hint="--data")
    report = asyncio.run(run_evaluation(data, large_pages=large_pages))
    print_report(report, show_failures=failures)
