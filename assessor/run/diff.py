"""`assessor diff OLD NEW`: read two reports or two output folders, diff them, write the result.

Files are read and written only here; the diff itself is computed by views.diff (pure).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assessor.domain.errors import InputError, OutputError, UsageError
from assessor.render import diff as render
from assessor.run.files import write_atomic
from assessor.views.diff import DiffView, ReportIn, Snapshot, compute_diff, parse_report

MANIFEST_NAME = "manifest.json"
EXIT_REGRESSION = 3
FAIL_ON = ("regression",)


@dataclass(frozen=True)
class DiffResult:
    """What the CLI prints and the exit code it returns."""

    view: DiffView
    stdout: str
    written: tuple[Path, ...]
    exit_code: int


def _read_json(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(
            f"{path}: cannot be read ({getattr(err, 'strerror', None) or err})"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"{path}: not JSON (line {err.lineno}, column {err.colno}: {err.msg})",
            hint="give a unit report (<unit>.json) or an output folder with manifest.json",
        ) from None


def _folder(path: Path) -> Snapshot:
    """An output folder: its manifest names the units and their report files."""
    manifest_path = path / MANIFEST_NAME
    if not manifest_path.is_file():
        raise InputError(
            f"{path}: no {MANIFEST_NAME} in this folder",
            hint="give an `assessor assess` output folder, or a unit report JSON",
        )
    manifest = _read_json(manifest_path)
    try:
        assert isinstance(manifest, dict)
        units = {u["name"]: u["slug"] for u in manifest["business_units"]}
        as_of = str(manifest["as_of"])
        catalog = str(manifest["catalog"]["sha256"])
    except (AssertionError, KeyError, TypeError):
        raise InputError(f"{manifest_path}: not an assessor manifest") from None
    reports: dict[str, ReportIn] = {}
    for name, slug in sorted(units.items()):
        report_path = path / f"{slug}.json"
        if not report_path.is_file():
            raise InputError(
                f"{report_path}: the manifest lists {name!r} but its JSON report is missing",
                hint="run `assessor assess` with --format including json",
            )
        reports[name] = parse_report(_read_json(report_path), str(report_path))
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise InputError(f"{manifest_path}: as_of {as_of!r} is not a date") from None
    return Snapshot(file=str(path), as_of=day, catalog_sha256=catalog, reports=reports)


def load(path: Path) -> Snapshot:
    """One side: a unit report JSON or an output folder (matched by its manifest)."""
    if path.is_dir():
        return _folder(path)
    report = parse_report(_read_json(path), str(path))
    return Snapshot(
        file=str(path),
        as_of=report.as_of,
        catalog_sha256=report.catalog.sha256,
        reports={report.business_unit: report},
    )


def parse_formats(value: str | None) -> tuple[str, ...]:
    """--format: table (default) or a comma-separated list of json, html, pdf."""
    if value is None or value.strip() in ("", "table"):
        return ()
    names = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in (*render.FORMATS, "table")]
    if unknown:
        raise UsageError(
            f"unknown --format {', '.join(unknown)}",
            hint=f"use table or a comma-separated list of {', '.join(render.FORMATS)}",
        )
    return tuple(n for n in names if n != "table")


def run(
    old: Path,
    new: Path,
    *,
    formats: str | None = None,
    out: Path | None = None,
    fail_on: str | None = None,
    overwrite: bool = False,
) -> DiffResult:
    """Diff two runs; write diff.<ext> to `out`, or return the table (or JSON) for stdout."""
    if fail_on is not None and fail_on not in FAIL_ON:
        raise UsageError(f"unknown --fail-on {fail_on!r}", hint="use regression")
    wanted = parse_formats(formats)
    if out is None and set(wanted) - {"json"}:
        raise UsageError("--format html or pdf needs --out DIR", hint="e.g. --out changes/")
    if out is None and len(wanted) > 1:
        raise UsageError("only one of table or json can go to standard output; use --out DIR")
    view = compute_diff(load(old), load(new))
    written: list[Path] = []
    if out is not None:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder", hint="choose another --out")
        for fmt in wanted:
            target = out / f"diff.{fmt}"
            try:
                write_atomic(target, render.render(view, fmt), overwrite=overwrite)
            except OSError as err:
                raise OutputError(f"{target}: cannot write ({err.strerror or err})") from None
            written.append(target)
        stdout = render.render_table(view)
    elif wanted == ("json",):
        stdout = render.render_json(view).decode("utf-8")
    else:
        stdout = render.render_table(view)
    code = EXIT_REGRESSION if fail_on == "regression" and view.regressions else 0
    return DiffResult(view=view, stdout=stdout, written=tuple(written), exit_code=code)
