"""The recognizer's index kept on disk as plain JSON (never pickle), and the keys of the catalog's
disk cache: what a one-name lookup reads without importing pydantic or the catalog's models.

An index is keyed by the SHA-256 of the tool's version, the Python version, the code that reads
a catalog and builds or reads an index (domain/, recognize/, catalog/) and every file under the
catalog folder (path and bytes), so an edited folder or other code never reads a stale entry.
catalog/cache.py keeps the validated catalog beside it under a key of its own (this one and the
pydantic version). Entries live under $XDG_CACHE_HOME/assessor (or ~/.cache/assessor), are
written atomically (a temporary file, then a rename), and `ASSESSOR_NO_CACHE=1` turns them off.
An entry that cannot be read back as an index (truncated, edited, another shape) is ignored:
the caller loads the catalog, which writes it again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from pathlib import Path

from assessor import __version__
from assessor.catalog.resources import catalog_dir
from assessor.recognize import index as recognize_index

INDEX_FORMAT = 1  # 1: the index with each framework's and group's facts (index.standalone)


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/assessor or ~/.cache/assessor; None when ASSESSOR_NO_CACHE is set."""
    if os.environ.get("ASSESSOR_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError:  # no home directory to be found
        return None
    return root / "assessor"


@functools.lru_cache(maxsize=1)
def _code_digest() -> str | None:
    """The version and the source of the code an entry depends on (models, checks, recognition),
    so a changed model or rule never reads an entry written before it."""
    sha = hashlib.sha256(f"{INDEX_FORMAT}\0{__version__}\0{sys.version_info[:2]}\0".encode())
    package = Path(__file__).resolve().parents[1]
    try:
        for sub in ("domain", "recognize", "catalog"):
            for path in sorted((package / sub).glob("*.py")):
                sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return sha.hexdigest()


def index_key(folder: Path) -> str | None:
    """SHA-256 of the code digest and every file under the catalog folder; None: no cache."""
    code = _code_digest()
    if code is None or cache_dir() is None:
        return None
    sha = hashlib.sha256(code.encode() + b"\0")
    try:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder).as_posix()
            sha.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return sha.hexdigest()


def index_path(key: str) -> Path | None:
    """Where the index for this key is kept (None: no cache)."""
    root = cache_dir()
    return None if root is None else root / f"index-{key}.json"


def kept_index() -> recognize_index.Index | None:
    """The shipped catalog's index as kept by an earlier run, read without its catalog; None
    when there is none (or it cannot be read): then load the catalog, which keeps it."""
    try:
        key = index_key(catalog_dir().resolve())
    except FileNotFoundError:
        return None
    path = index_path(key) if key is not None else None
    if path is None:
        return None
    try:
        return recognize_index.standalone(json.loads(path.read_bytes()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_atomic(path: Path, data: bytes) -> None:
    """Write a whole entry or none (OSError when the folder cannot be written)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
