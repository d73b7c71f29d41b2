"""Find the packaged catalog (requirements/) and templates, installed or in a source tree."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parents[1]


def _locate(name: str) -> Path:
    """Return the wheel's copy under assessor/_data, else the source tree's top-level folder."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"assessor data folder {name!r} is missing from this installation")


def catalog_dir() -> Path:
    """The shipped knowledge catalog (YAML), not pip pins."""
    return _locate("requirements")


def templates_dir() -> Path:
    """The shipped Jinja templates and print CSS."""
    return _locate("templates")
