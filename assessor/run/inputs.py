"""Which files a batch reads, and whether the output folder may receive its reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assessor.domain.errors import OutputError
from assessor.render import registry
from assessor.run.manifest import MANIFEST_NAME

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def discover(
    inputs: Sequence[Path], *, exclude: Path | None = None
) -> tuple[list[Path], list[str]]:
    """Expand files and folders into workbook paths (sorted, deduplicated) and problems found."""
    found: list[Path] = []
    problems: list[str] = []
    seen: set[Path] = set()
    excluded = exclude.resolve() if exclude is not None else None

    def add(path: Path) -> None:
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            found.append(path)

    for given in inputs:
        if given.is_dir():
            hits = sorted(
                p
                for p in given.rglob("*")
                if p.suffix.lower() in WORKBOOK_SUFFIXES
                and p.is_file()
                and not _hidden(p.relative_to(given))
                and not (excluded is not None and _inside(p.resolve(), excluded))
            )
            if not hits:
                problems.append(f"{given}: no .xlsx or .xlsm workbooks in this folder")
            for hit in hits:
                add(hit)
        elif given.is_file():
            add(given)
        elif given.exists():
            problems.append(f"{given}: not a regular file (a pipe, device or socket); not read")
        else:
            problems.append(f"{given}: no such file or folder")
    return found, problems


def _hidden(relative: Path) -> bool:
    """Hidden files and folders, and Excel's `~$` lock files, are never inputs."""
    return any(part.startswith((".", "~$")) for part in relative.parts)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_dir(out: Path, inputs: Sequence[Path], *, overwrite: bool) -> None:
    """Refuse an output folder that is a file, an input folder, or already holds reports."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder", hint="choose another --out")
    real_out = out.resolve()
    for given in inputs:
        if given.is_dir() and given.resolve() == real_out:
            raise OutputError(
                f"{out}: is also an input folder", hint="write reports to another --out"
            )
    if overwrite or not out.is_dir():
        return
    reports = sorted(
        p.name
        for p in out.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and (p.name == MANIFEST_NAME or p.name.lower().endswith(registry.suffixes()))
    )
    if reports:
        shown = ", ".join(reports[:3]) + (
            f" and {len(reports) - 3} more" if len(reports) > 3 else ""
        )
        raise OutputError(
            f"{out}: already holds reports ({shown})",
            hint="pass --overwrite to replace them, or choose another --out",
        )
