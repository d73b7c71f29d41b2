"""`assessor match` read without typer, so a one-name lookup starts quickly (issue 11).

typer, with the click it vendors and the pydantic adapters it builds for each parameter, takes
longer to start than the lookup itself. `__main__` offers the command line here first; only the
plain form of `match` is read:

    assessor match TEXT... [--format table|json] [--catalog-overlay FILE]

with options as `--name value` or `--name=value`, before, between or after the texts. Anything
else is left to typer (`run` returns None): another command, `--help`, `--`, an unknown or
repeated option, an option without a value (or one starting with `-`), a text starting with
`-`, no text at all, a shell-completion request; and so is any output click would treat
specially (no standard stream, an ASCII-only one, Windows, an ANSI escape in the output).
Help, usage errors and their wording thus come from typer alone. The command's own behaviour
(the format check, the catalog and overlay, the listing, errors and their exit codes) is shared
with `cli.match` through the functions below; tests/test_cli_quick.py runs both paths over the
same command lines and compares stdout, stderr and the exit code. Without an overlay, both
read the index an earlier run kept (catalog/index_cache.py) and never import pydantic.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from assessor.domain.errors import AssessorError
from assessor.run.terminal import escape

if TYPE_CHECKING:
    from assessor.domain.catalog_models import Catalog
    from assessor.recognize.index import Index

FORMATS = ("table", "json")
_OPTIONS = frozenset({"--format", "--catalog-overlay"})
INTERRUPTED = 130
_COMPLETE = "_ASSESSOR_COMPLETE"  # click's shell-completion request


@dataclass(frozen=True)
class MatchArgs:
    """A plain `match` command line."""

    texts: tuple[str, ...]
    fmt: str = "table"
    overlay: Path | None = None


def parse(argv: Sequence[str]) -> MatchArgs | None:
    """The arguments of a plain `match` command line, or None for typer to read it."""
    if not argv or argv[0] != "match":
        return None
    texts: list[str] = []
    given: dict[str, str] = {}
    rest = iter(argv[1:])
    for token in rest:
        if not token.startswith("-"):
            texts.append(token)
            continue
        name, equals, value = token.partition("=")
        if name not in _OPTIONS or name in given:
            return None
        if not equals:
            value = next(rest, "")
        if not value or value.startswith("-"):
            return None
        given[name] = value
    if not texts:
        return None
    overlay = given.get("--catalog-overlay")
    return MatchArgs(
        tuple(texts), given.get("--format", "table"), Path(overlay) if overlay else None
    )


# ---------------------------------------------------------------------------------------------
# The command, shared with cli.match


def format_error(fmt: str) -> str | None:
    """The message for a --format `match` does not know, or None."""
    return None if fmt in FORMATS else f"error: unknown --format {fmt!r}: use table or json"


def error_lines(err: AssessorError) -> list[str]:
    """What the command line prints for an AssessorError (names may hold newlines or escapes)."""
    first, *rest = err.lines()
    return [escape(f"error: {first}"), *(escape(line) for line in rest)]


def load(overlay: Path | None) -> Catalog:
    """The catalog `match` reads: the shipped one, with the overlay if one is given."""
    from assessor.catalog import load as cat

    return cat.load_with_overlay(overlay) if overlay is not None else cat.load_catalog(None)


def source(overlay: Path | None) -> Catalog | Index:
    """What `match` reads names against: without an overlay, the shipped catalog's index as an
    earlier run kept it (read without pydantic or the catalog's models); else the catalog,
    loaded (which keeps its index for the next lookup)."""
    if overlay is None:
        from assessor.catalog import index_cache

        found = index_cache.kept_index()
        if found is not None:
            return found
    return load(overlay)


def listing(texts: Sequence[str], fmt: str, catalog: Catalog | Index) -> str:
    """How each text resolves, as a table or JSON."""
    from assessor.recognize import match as recognize

    results = [recognize.match_cell(text, catalog) for text in texts]
    if fmt == "json":
        return recognize.matches_json(results)
    return recognize.matches_table(results, catalog)


# ---------------------------------------------------------------------------------------------
# The quick path itself


def run(argv: Sequence[str]) -> int | None:
    """Run a plain `match` command line and give its exit code; None: leave it to typer."""
    if sys.platform == "win32" or os.environ.get(_COMPLETE):
        return None
    if not (_plain(sys.stdout) and _plain(sys.stderr)):
        return None
    args = parse(argv)
    if args is None:
        return None
    # assessor uses no pydantic plugin; looking for them reads every installed package's
    # metadata at the first validation. A lookup that loads the catalog skips it (this process
    # only; a value the user set is kept).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    problem = format_error(args.fmt)
    if problem is not None:
        return _say([problem], sys.stderr, 2)
    try:
        catalog = source(args.overlay)
    except AssessorError as err:
        return _say(error_lines(err), sys.stderr, err.exit_code)
    except KeyboardInterrupt:
        return _say(["interrupted: no partial output was kept"], sys.stderr, INTERRUPTED)
    try:
        out = listing(args.texts, args.fmt, catalog)
    except KeyboardInterrupt:
        return INTERRUPTED  # as typer: the code alone
    if "\x1b" in out:  # click strips ANSI escapes from output that is not a terminal
        return None
    return _say([out], sys.stdout, 0)


def _plain(stream: TextIO | None) -> bool:
    """A text stream click would write to as it is (not ASCII-only, which it re-wraps)."""
    encoding = getattr(stream, "encoding", None)
    if stream is None or not encoding or getattr(stream, "errors", None) is None:
        return False
    try:
        return codecs.lookup(encoding).name != "ascii"
    except LookupError:
        return False


def _say(lines: list[str], stream: TextIO, code: int) -> int:
    """Write the lines as click.echo does (each with a newline, flushed); a closed pipe exits 1
    quietly, as click's main does."""
    try:
        for line in lines:
            stream.write(line + "\n")
            stream.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # nothing left to flush into the closed pipe
        os.close(devnull)
        return 1
    return code
