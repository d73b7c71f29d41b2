"""The command line: parses options, calls the library, and is the only place that exits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from typer.core import TyperArgument

from assessor import __version__
from assessor.app import quick
from assessor.domain.errors import AssessorError
from assessor.run.terminal import escape

app = typer.Typer(
    name="assessor",
    help="Evidence-gap reports: map framework requirements onto the certifications Microsoft "
    "holds for a service (Intune, Windows Autopatch, Windows 365, Microsoft Managed Desktop) and "
    "the Service Trust Portal evidence, with each service's scope dated.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: flags read as flags (no `<bool>`), metavars as named
)
catalog_app = typer.Typer(
    help="Show the knowledge catalog, or check a catalog folder.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(catalog_app, name="catalog")

T = TypeVar("T")


def _usage_name(self: TyperArgument) -> str:
    """`INPUTS...`, `[DIR]`: an argument as usage lines conventionally write it."""
    name = self.metavar or (self.name or "").upper()
    return name if self.required else f"[{name}]"


def _no_type(self: TyperArgument, ctx: object) -> None:
    """Arguments are named by their metavar and help; no `<list[Path]>` beside them."""
    return None


# typer writes required arguments as `{inputs}...` and adds `<type>` after them; these two
# hooks make the usage line and the help read as conventional command-line help.
setattr(TyperArgument, "_usage_display_name", _usage_name)  # noqa: B010
setattr(TyperArgument, "display_type_rich", _no_type)  # noqa: B010


def _run(action: Callable[[], T]) -> T:
    """Run a library call; turn AssessorError into a message on stderr and its exit code."""
    try:
        return action()
    except AssessorError as err:
        for line in quick.error_lines(err):  # names may hold newlines or escapes
            typer.echo(line, err=True)
        raise typer.Exit(err.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: no partial output was kept", err=True)
        raise typer.Exit(130) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"assessor {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """assessor: evidence-gap reports for auditors."""


@catalog_app.callback()
def catalog_show(
    ctx: typer.Context,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", metavar="table|json|summary", help="table, json, or summary (one line)."
        ),
    ] = "table",
    catalog: Annotated[
        Path | None,
        typer.Option("--catalog", metavar="DIR", help="Catalog folder (default: the shipped one)."),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(
            "--service",
            metavar="SERVICE",
            help="Show one service profile's scope matrix with dates (id or name).",
        ),
    ] = None,
) -> None:
    """Print the services, certifications and frameworks the catalog knows."""
    if ctx.invoked_subcommand is not None:
        return
    from assessor.catalog import load as cat
    from assessor.catalog import show
    from assessor.catalog.services import parse_service_option

    loaded = _run(lambda: cat.load_catalog(catalog))
    if service is not None:
        ids = _run(lambda: parse_service_option(service, loaded))
        if not ids:
            typer.echo("error: --service: name a service", err=True)
            raise typer.Exit(2)
        if fmt == "json":
            profiles = [loaded.service(i).model_dump(mode="json") for i in ids]
            typer.echo(show.canonical(profiles))
        else:
            typer.echo("\n\n".join(show.service_table(loaded, i) for i in ids))
        return
    if fmt == "json":
        typer.echo(show.catalog_json(loaded))
    elif fmt == "table":
        typer.echo(show.catalog_table(loaded))
    elif fmt == "summary":
        typer.echo(show.catalog_summary(loaded))
    else:
        typer.echo(f"error: unknown --format {fmt!r}: use table, json or summary", err=True)
        raise typer.Exit(2)


@catalog_app.command("check")
def catalog_check(
    directory: Annotated[
        Path | None,
        typer.Argument(metavar="DIR", help="Catalog folder (default: the shipped one)."),
    ] = None,
    overlay: Annotated[
        Path | None,
        typer.Option(
            "--overlay",
            metavar="FILE",
            help=(
                "Check the organization's overlay on the catalog: a YAML file, or a workbook "
                "whose Overlay sheet is checked as `assess` reads it."
            ),
        ),
    ] = None,
) -> None:
    """Validate a catalog folder: schema, cross-references, duplicate ids and aliases."""
    from assessor.catalog import load as cat

    if overlay is not None and overlay.suffix.lower() in WORKBOOK_SUFFIXES:
        _check_overlay_sheet(overlay, directory)
        return
    if overlay is not None:
        issues = _run(lambda: cat.check_overlay(overlay, directory))
    else:
        issues = _run(lambda: cat.check_catalog(directory))
    for issue in issues:
        typer.echo(escape(str(issue)), err=True)
    if any(i.severity == "error" for i in issues):
        typer.echo(f"catalog check: {len(issues)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo("catalog check: ok")


WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})


def _check_overlay_sheet(book: Path, directory: Path | None) -> None:
    """A workbook's Overlay sheet, read and checked the way `assess` reads it: every problem in
    the workbook at its cell (exit 2), or what the sheet adds."""
    from assessor.catalog import load as cat
    from assessor.intake.workbook import read_workbook

    catalog = _run(lambda: cat.load_catalog(directory))
    result = _run(lambda: read_workbook(book, catalog))
    if result.overlay is None:
        typer.echo(f"error: {escape(book.name)} has no Overlay sheet to check", err=True)
        raise typer.Exit(1)
    origin = result.overlay.origin
    typer.echo(
        f"catalog check: ok ({escape(origin.file)}: {origin.aliases} alias(es), "
        f"{origin.frameworks} framework(s), {origin.relations} relation(s))"
    )


@app.command()
def services(
    catalog: Annotated[
        Path | None,
        typer.Option("--catalog", metavar="DIR", help="Catalog folder (default: the shipped one)."),
    ] = None,
) -> None:
    """List the service profiles: id, name, lifecycle, confirmed certifications, aliases."""
    from assessor.catalog import load as cat
    from assessor.catalog import show

    loaded = _run(lambda: cat.load_catalog(catalog))
    typer.echo(show.services_table(loaded))


@app.command()
def match(
    texts: Annotated[
        list[str], typer.Argument(metavar="TEXT...", help="Framework names as people type them.")
    ],
    fmt: Annotated[
        str, typer.Option("--format", metavar="table|json", help="table or json")
    ] = "table",
    overlay: Annotated[
        Path | None,
        typer.Option(
            "--catalog-overlay",
            metavar="FILE",
            help="The organization's own aliases and frameworks.",
        ),
    ] = None,
) -> None:
    """Show how each text resolves to a framework and version, or the closest suggestions."""
    # `assessor match` is usually read by app/quick.py without typer; both share these steps
    problem = quick.format_error(fmt)
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    loaded = _run(lambda: quick.source(overlay))
    typer.echo(quick.listing(texts, fmt, loaded))


@app.command()
def template(
    out: Annotated[
        Path,
        typer.Argument(
            metavar="OUT.xlsx", help="Where to write the blank intake workbook (.xlsx)."
        ),
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing file.")
    ] = False,
) -> None:
    """Write a blank requirements workbook to fill in."""
    from assessor.catalog import load as cat
    from assessor.run import files

    loaded = _run(lambda: cat.load_catalog(None))
    _run(lambda: files.write_template(out, loaded, overwrite=overwrite))
    typer.echo(escape(f"template written: {out}"))


# Options of `assess` declared once here, so the command reads as a list of its options.
ServiceOpt = Annotated[
    str | None,
    typer.Option(
        "--service",
        metavar="SERVICES",
        help="Services for units and rows whose Service column is empty: ids or names, "
        "comma-separated (intune,windows-autopatch). Default: mmd.",
    ),
]
WindowOpt = Annotated[
    int,
    typer.Option(
        "--scope-window-months",
        metavar="MONTHS",
        help="A source showing a service in scope counts for periods within this many "
        "months of its date.",
    ),
]
EvidenceOpt = Annotated[
    Path | None,
    typer.Option(
        "--evidence", metavar="FILE", help="Evidence on file register workbook (every unit's)."
    ),
]
OverlayOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog-overlay",
        metavar="FILE.yaml",
        help="The organization's own aliases, frameworks and auditor-accepted relations, each "
        "with who decided it and when (check it with `assessor catalog check --overlay`). It "
        "never makes a framework covered; every finding resting on it says so, and each "
        "report names the file and its SHA-256. A workbook's Overlay sheet is merged on top.",
    ),
]
EvidenceDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--evidence-dir",
        metavar="DIR",
        help="Folder the register's documents are kept in (hashes, pack).",
    ),
]


@app.command()
def assess(
    inputs: Annotated[
        list[Path], typer.Argument(metavar="INPUTS...", help="Workbooks (.xlsx/.xlsm) or folders.")
    ],
    out: Annotated[str, typer.Option("--out", metavar="DIR", help="Output folder.")] = "reports",
    formats: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMATS",
            help="Comma-separated: pdf,html,json,xlsx,oscal,docx,pack.",
        ),
    ] = "pdf,json",
    org: Annotated[
        str, typer.Option("--org", metavar="NAME", help="Organization name for the cover.")
    ] = "",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="YYYY-MM-DD", help="Assessment date (default: today)."),
    ] = None,
    pdf_variant: Annotated[
        str | None,
        typer.Option("--pdf-variant", metavar="ua|a", help="ua (tagged PDF/UA-1) or a (PDF/A-3b)."),
    ] = None,
    pdf_detail: Annotated[
        str | None,
        typer.Option(
            "--pdf-detail",
            metavar="full|summary",
            help="full (default: the whole pack) or summary (2-4 pages).",
        ),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", metavar="gap|partial", help="Exit 3 when any finding is gap (or partial)."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", metavar="N", help="Processes (default: CPU count).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace reports already in --out.")
    ] = False,
    merge_units: Annotated[
        bool,
        typer.Option("--merge-units", help="Merge a business unit found in several inputs."),
    ] = False,
    service: ServiceOpt = None,
    scope_window_months: WindowOpt = 12,
    evidence: EvidenceOpt = None,
    evidence_dir: EvidenceDirOpt = None,
    catalog_overlay: OverlayOpt = None,
) -> None:
    """Assess workbooks and write one report set per business unit (plus a portfolio)."""
    from assessor.run.options import BatchOptions
    from assessor.run.summary import run_cli

    options = _run(
        lambda: BatchOptions.from_cli(
            out=out,
            formats=formats,
            organization=org,
            as_of=as_of,
            pdf_variant=pdf_variant,
            pdf_detail=pdf_detail,
            fail_on=fail_on,
            workers=workers,
            overwrite=overwrite,
            merge_units=merge_units,
            services=service,
            scope_window_months=scope_window_months,
            evidence=evidence,
            evidence_dir=evidence_dir,
            catalog_overlay=catalog_overlay,
        )
    )
    code = _run(lambda: run_cli(inputs, options))
    raise typer.Exit(code)


@app.command()
def diff(
    old: Annotated[
        Path, typer.Argument(metavar="OLD", help="Earlier unit report JSON, or output folder.")
    ],
    new: Annotated[
        Path, typer.Argument(metavar="NEW", help="Later unit report JSON, or output folder.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMATS",
            help="table (default), or comma-separated json,html,pdf.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Folder for diff.<ext> (default: stdout)."),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", metavar="regression", help="Exit 3 when a status got worse."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace diff files already in --out.")
    ] = False,
) -> None:
    """What changed since the last run, per unit and requirement, and why."""
    from assessor.run import diff as run_diff

    result = _run(
        lambda: run_diff.run(old, new, formats=fmt, out=out, fail_on=fail_on, overwrite=overwrite)
    )
    typer.echo(result.stdout, nl=False)
    for path in result.written:
        typer.echo(escape(f"written: {path}"), err=True)
    raise typer.Exit(result.exit_code)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Interface to bind (localhost by default).")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option(metavar="PORT", help="TCP port.")] = 8000,
    max_upload_mb: Annotated[
        int, typer.Option(metavar="MB", help="Largest request body accepted.")
    ] = 20,
    workers: Annotated[int, typer.Option(metavar="N", help="Concurrent renders.")] = 2,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="HOST",
            help="A host name the page may be reached by, besides localhost and the bound "
            "address (repeat for several; '*' for any, which allows DNS rebinding).",
        ),
    ] = None,
) -> None:
    """Serve the upload page: choose workbooks in the browser and get the auditor reports."""
    from assessor.app.web.server import serve as serve_page

    _run(
        lambda: serve_page(
            host=host,
            port=port,
            max_upload_mb=max_upload_mb,
            workers=workers,
            allow_hosts=tuple(allow_host or ()),
        )
    )


def main() -> None:
    """Console-script entry point."""
    app(prog_name="assessor")


if __name__ == "__main__":  # pragma: no cover
    main()
