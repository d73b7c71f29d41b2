"""The catalog's disk cache: a catalog that passed validation and the cross-check, kept as JSON
with its recognizer index (plain JSON data too; never pickle), under $XDG_CACHE_HOME/assessor.

Keyed by the SHA-256 of every file in the catalog folder, the tool's version and the code that
reads and checks a catalog (domain/, recognize/, catalog/), so an edited folder or another
version never reads a stale entry. Entries are written atomically (a temporary file, then a
rename); `ASSESSOR_NO_CACHE=1` turns the cache off.

Reading an entry back does not run pydantic validation: building the validators of every
catalog model costs more than the rest of a `match` start-up, and this data passed them when
it was written. `decode` rebuilds the models from the field types instead and still checks the
shape: every field present and no other, strings, numbers, booleans, literals and dates of
their type. An entry that fails (truncated, edited, another shape) is ignored and the YAML is
read again; no code is ever run from the file. Field constraints (`ge=1`) and validators are
not run again: they held when the entry was written by this same code.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import types
import typing
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import VERSION as PYDANTIC_VERSION
from pydantic import BaseModel

from assessor import __version__
from assessor.domain.catalog_models import Catalog
from assessor.recognize import index as recognize_index

CACHE_FORMAT = 2  # 2: read back by `decode`, not by pydantic validation
_KEEP = 16  # entries kept (the newest); older ones are removed when one is written

M = TypeVar("M", bound=BaseModel)
Decode = Callable[[Any], Any]


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
    """The version and the source of the code a cached catalog depends on (models, checks,
    recognition), so a changed model or rule never reads an entry written before it."""
    sha = hashlib.sha256(f"{CACHE_FORMAT}\0{__version__}\0{PYDANTIC_VERSION}\0".encode())
    sha.update(f"{sys.version_info[:2]}".encode())
    package = Path(__file__).resolve().parents[1]
    try:
        for sub in ("domain", "recognize", "catalog"):
            for path in sorted((package / sub).glob("*.py")):
                sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return sha.hexdigest()


def cache_key(folder: Path) -> str | None:
    """SHA-256 of the code digest and every file under the catalog folder (path and bytes)."""
    code = _code_digest()
    if code is None or cache_dir() is None:
        return None
    sha = hashlib.sha256(code.encode() + b"\0")
    try:
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(folder).as_posix()
            sha.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return sha.hexdigest()


def read_cache(key: str) -> Catalog | None:
    """The kept catalog for this key (its index offered to the recognizer), or None."""
    root = cache_dir()
    if root is None:
        return None
    try:
        catalog = decode(Catalog, json.loads((root / f"catalog-{key}.json").read_bytes()))
    except (OSError, ValueError, TypeError):  # missing, unreadable or another shape: read YAML
        return None
    index_file = root / f"index-{key}.json"

    def load_index() -> recognize_index.Index | None:
        try:
            data = json.loads(index_file.read_bytes())
            return recognize_index.from_plain(catalog, data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # built again

    recognize_index.offer(catalog, load_index)
    return catalog


def write_cache(key: str, catalog: Catalog) -> None:
    """Keep the catalog and its index for the next start (atomically; failures ignored)."""
    root = cache_dir()
    if root is None:
        return
    plain = recognize_index.to_plain(recognize_index.index(catalog))
    try:
        root.mkdir(parents=True, exist_ok=True)
        _write_atomic(root / f"index-{key}.json", json.dumps(plain).encode())
        _write_atomic(root / f"catalog-{key}.json", catalog.model_dump_json().encode())
        _prune(root)
    except OSError:
        return


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _prune(root: Path) -> None:
    """Only the newest entries stay."""
    kept = sorted(root.glob("catalog-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[_KEEP:]:
        key = old.name.removeprefix("catalog-").removesuffix(".json")
        old.unlink(missing_ok=True)
        (root / f"index-{key}.json").unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Models from their own JSON dump, without validation (see the module's docstring)


def decode(model: type[M], data: object) -> M:
    """`model` from `model.model_dump(mode="json")` data; ValueError or TypeError when the data
    does not have the model's shape."""
    found: M = _decoder(model)(data)
    return found


@functools.cache
def _decoder(model: type[BaseModel]) -> Decode:
    fields: dict[str, Decode] = {}

    def build(data: object) -> BaseModel:
        if type(data) is not dict or data.keys() != fields.keys():
            raise ValueError(f"not a {model.__name__}: other fields")
        return model.model_construct(**{name: fields[name](v) for name, v in data.items()})

    for name, info in model.model_fields.items():
        fields[name] = _field(info.annotation)
    return build


def _field(annotation: object) -> Decode:
    """How one field's JSON value becomes its Python value (NotImplementedError: a type the
    cache cannot keep yet; teach it here, tests/test_catalog_cache.py reads every model)."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _decoder(annotation)
    if annotation is date:
        return _date
    if annotation in (str, int, bool):
        return functools.partial(_leaf, annotation)
    if origin is typing.Literal:
        return functools.partial(_literal, frozenset(typing.get_args(annotation)))
    args = typing.get_args(annotation)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return functools.partial(_tuple, _field(args[0]))
    optional = [a for a in args if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and len(optional) == 1:
        return functools.partial(_optional, _field(optional[0]))
    raise NotImplementedError(f"the catalog cache cannot keep a field of type {annotation}")


def _leaf(kind: type, value: object) -> object:
    if type(value) is not kind:
        raise ValueError(f"expected {kind.__name__}")
    return value


def _literal(allowed: frozenset[object], value: object) -> object:
    if value not in allowed:
        raise ValueError(f"unexpected value {value!r}")
    return value


def _date(value: object) -> date:
    if type(value) is not str:
        raise ValueError("expected a date")
    return date.fromisoformat(value)


def _tuple(item: Decode, value: object) -> tuple[object, ...]:
    if type(value) is not list:
        raise ValueError("expected a list")
    return tuple(map(item, value))


def _optional(inner: Decode, value: object) -> object:
    return None if value is None else inner(value)
