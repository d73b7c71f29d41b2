"""The catalog's disk cache: a catalog that passed validation and the cross-check, kept as JSON
beside its recognizer index (plain JSON data too; never pickle: catalog/index_cache.py keeps the
index and computes the keys), under $XDG_CACHE_HOME/assessor.

The catalog's key is the index's (the catalog folder's files and the code, see index_cache)
with the pydantic version, so an edited folder or another version never reads a stale entry.
Entries are written atomically (a temporary file, then a rename); `ASSESSOR_NO_CACHE=1` turns
the cache off.

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
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import VERSION as PYDANTIC_VERSION
from pydantic import BaseModel

from assessor.catalog import index_cache
from assessor.domain.catalog_models import Catalog
from assessor.recognize import index as recognize_index

CACHE_FORMAT = 2  # 2: read back by `decode`, not by pydantic validation
_KEEP = 16  # entries kept (the newest); older ones are removed when one is written

M = TypeVar("M", bound=BaseModel)
Decode = Callable[[Any], Any]


@dataclass(frozen=True)
class CacheKey:
    """Where a catalog folder's entries are kept: the catalog's and its index's keys."""

    catalog: str
    index: str


def cache_key(folder: Path) -> CacheKey | None:
    """The keys of this catalog folder's entries (None: no cache)."""
    index_key = index_cache.index_key(folder)
    if index_key is None:
        return None
    stamp = f"{CACHE_FORMAT}\0{PYDANTIC_VERSION}\0{index_key}".encode()
    return CacheKey(hashlib.sha256(stamp).hexdigest(), index_key)


def read_cache(key: CacheKey) -> Catalog | None:
    """The kept catalog for this key (its index offered to the recognizer), or None."""
    root = index_cache.cache_dir()
    index_file = index_cache.index_path(key.index)
    if root is None or index_file is None:
        return None
    try:
        catalog = decode(Catalog, json.loads((root / f"catalog-{key.catalog}.json").read_bytes()))
    except (OSError, ValueError, TypeError):  # missing, unreadable or another shape: read YAML
        return None

    def load_index() -> recognize_index.Index | None:
        try:
            data = json.loads(index_file.read_bytes())
            return recognize_index.from_plain(catalog, data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # built again

    recognize_index.offer(catalog, load_index)
    return catalog


def write_cache(key: CacheKey, catalog: Catalog) -> None:
    """Keep the catalog and its index for the next start (atomically; failures ignored)."""
    root = index_cache.cache_dir()
    index_file = index_cache.index_path(key.index)
    if root is None or index_file is None:
        return
    plain = recognize_index.to_plain(recognize_index.index(catalog))
    try:
        root.mkdir(parents=True, exist_ok=True)
        index_cache.write_atomic(index_file, json.dumps(plain).encode())
        index_cache.write_atomic(
            root / f"catalog-{key.catalog}.json", catalog.model_dump_json().encode()
        )
        _prune(root)
    except OSError:
        return


def _prune(root: Path) -> None:
    """Only the newest entries of each kind stay."""
    for kind in ("catalog", "index"):
        kept = sorted(root.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[_KEEP:]:
            old.unlink(missing_ok=True)


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
