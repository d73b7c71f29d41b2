"""The catalog's disk cache: a validated catalog (and its recognizer index) kept as JSON under
the user cache folder, keyed by the catalog folder's SHA-256 and the code, read back without
pydantic validation but checked for shape (catalog/cache.py: decode), ignored and rewritten when
unreadable or of another shape; never pickle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml

from assessor.catalog import cache as kept_cache
from assessor.catalog import index_cache
from assessor.catalog import load as cat
from assessor.catalog.resources import catalog_dir
from assessor.domain.models import Catalog
from assessor.recognize import index as recognize_index
from assessor.recognize import match as recognize

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["SOC 2 Type II", "ISO/IEC 27001:2022", "HIPPAA", "no PCI DSS (tbc)", "CIS v8", "ITIL 4"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache folder, and no catalog or index kept in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _forget()
    yield tmp_path / "cache" / "assessor"
    _forget()


def _forget() -> None:
    """What a new process starts with: nothing loaded, nothing indexed."""
    cat._load_cached.cache_clear()
    recognize_index._CACHE.clear()
    recognize_index._OFFERS.clear()


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "requirements"
    shutil.copytree(catalog_dir(), folder)
    return folder


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(folder: Path) -> None:
        raise AssertionError("the YAML was read (and cross-checked) again")

    monkeypatch.setattr(cat, "_build", fail)


def test_a_second_start_reads_the_same_catalog_without_yaml_or_cross_check(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = cat.load_catalog()
    assert len(list(cache.glob("catalog-*.json"))) == 1
    assert len(list(cache.glob("index-*.json"))) == 1
    _forget()
    _no_yaml(monkeypatch)
    kept = cat.load_catalog()
    assert kept == built and kept is not built


def test_the_kept_index_reads_as_the_built_one(cache: Path) -> None:
    built = cat.load_catalog()
    expected = [[asdict(m) for m in recognize.recognize_cell(t, built)] for t in TEXTS]
    plain = recognize_index.to_plain(recognize_index.index(built))
    _forget()
    kept = cat.load_catalog()
    idx = recognize_index.index(kept)  # offered by the cache, not built
    assert json.loads(json.dumps(recognize_index.to_plain(idx))) == json.loads(json.dumps(plain))
    assert [[asdict(m) for m in recognize.recognize_cell(t, kept)] for t in TEXTS] == expected


def test_an_edited_folder_is_read_again(cache: Path, tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    first = cat.load_catalog(folder)
    path = folder / "catalog.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    _forget()
    again = cat.load_catalog(folder)
    assert again.meta.sha256 != first.meta.sha256
    assert len(list(cache.glob("catalog-*.json"))) == 2


def test_an_edit_that_breaks_the_catalog_is_never_hidden_by_the_cache(
    cache: Path, tmp_path: Path
) -> None:
    folder = _copy(tmp_path)
    cat.load_catalog(folder)
    path = folder / "groups.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - {alias: broken}\n", encoding="utf-8")
    _forget()
    with pytest.raises(Exception, match="problem"):
        cat.load_catalog(folder)


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"meta": {}}', b"\x80\x04pickle"])
def test_an_unreadable_entry_is_ignored_and_written_again(cache: Path, damage: bytes) -> None:
    built = cat.load_catalog()
    (entry,) = cache.glob("catalog-*.json")
    (index_entry,) = cache.glob("index-*.json")
    entry.write_bytes(damage)
    index_entry.write_bytes(damage)
    _forget()
    assert cat.load_catalog() == built
    assert Catalog.model_validate_json(entry.read_bytes()) == built  # rewritten
    assert recognize.match_text("SOC 2", cat.load_catalog()).status == "matched"


def test_a_damaged_index_entry_is_built_instead(cache: Path) -> None:
    cat.load_catalog()
    (index_entry,) = cache.glob("index-*.json")
    index_entry.write_text('{"aliases": {}}', encoding="utf-8")
    _forget()
    assert recognize.match_text("SOC 2", cat.load_catalog()).status == "matched"


def test_the_entries_are_json_data(cache: Path) -> None:
    cat.load_catalog()
    for entry in cache.iterdir():
        assert isinstance(json.loads(entry.read_bytes()), dict), entry.name


def test_no_cache_when_asked_or_when_the_folder_cannot_be_written(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSESSOR_NO_CACHE", "1")
    built = cat.load_catalog()
    assert not cache.exists()
    monkeypatch.delenv("ASSESSOR_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    _forget()
    assert cat.load_catalog() == built


def test_decode_gives_back_the_validated_catalog(cache: Path) -> None:
    built = cat.load_catalog()
    data = json.loads(built.model_dump_json())
    again = kept_cache.decode(Catalog, data)
    assert again == built
    assert again.model_dump_json() == built.model_dump_json()
    assert type(again.meta.as_of) is type(built.meta.as_of)
    assert type(again.frameworks) is tuple


def _reshaped(data: dict[str, object], change: str) -> None:
    """One change of shape a damaged or foreign entry might carry."""
    fw = data["frameworks"][0]  # type: ignore[index]
    if change == "extra field":
        fw["unknown"] = 1
    elif change == "missing field":
        del fw["name"]
    elif change == "number for text":
        fw["name"] = 7
    elif change == "unknown literal":
        fw["relation"] = "owned"
    elif change == "text for date":
        data["meta"]["as_of"] = "last spring"  # type: ignore[index]
    elif change == "mapping for list":
        fw["aliases"] = {"a": 1}
    elif change == "null for text":
        fw["id"] = None


CHANGES = [
    "extra field",
    "missing field",
    "number for text",
    "unknown literal",
    "text for date",
    "mapping for list",
    "null for text",
]


@pytest.mark.parametrize("change", CHANGES)
def test_decode_refuses_another_shape(cache: Path, change: str) -> None:
    data = json.loads(cat.load_catalog().model_dump_json())
    _reshaped(data, change)
    with pytest.raises((ValueError, TypeError)):
        kept_cache.decode(Catalog, data)


@pytest.mark.parametrize("change", CHANGES)
def test_an_entry_of_another_shape_is_read_from_the_yaml(cache: Path, change: str) -> None:
    built = cat.load_catalog()
    (entry,) = cache.glob("catalog-*.json")
    data = json.loads(entry.read_bytes())
    _reshaped(data, change)
    entry.write_text(json.dumps(data), encoding="utf-8")
    _forget()
    assert cat.load_catalog() == built
    assert kept_cache.decode(Catalog, json.loads(entry.read_bytes())) == built  # rewritten


def test_a_kept_catalog_is_read_without_building_a_validator(cache: Path) -> None:
    """The point of decode: a start that reads the cache never builds the catalog's pydantic
    validators (the models defer them to first use)."""
    cat.load_catalog()
    code = (
        "from assessor.catalog import load as cat\n"
        "from assessor.domain import models\n"
        "catalog = cat.load_catalog()\n"
        "print(sorted(m.__name__ for m in (models.Catalog, models.Framework, models.Source)"
        " if m.__pydantic_complete__), len(catalog.frameworks))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(cache.parent), "PYTHONPATH": str(ROOT)},
    ).stdout.split()
    assert out[0] == "[]", out
    assert int(out[1]) == len(cat.load_catalog().frameworks)


def _corpus_texts() -> list[str]:
    data = ROOT / "tests" / "data"
    corpus = yaml.safe_load((data / "corpus.yaml").read_text("utf-8"))["corpus"]
    spellings = yaml.safe_load((data / "spellings.yaml").read_text("utf-8"))["spellings"]
    return [str(e["text"]) for e in (*corpus, *spellings)]


def test_an_index_read_without_its_catalog_reads_every_corpus_line_alike(cache: Path) -> None:
    """What a lookup reads (index.standalone: plain facts, no catalog models) answers as the
    catalog does, in both of `match`'s formats, on every line of the corpus and spellings."""
    catalog = cat.load_catalog()
    plain = json.loads(json.dumps(recognize_index.to_plain(recognize_index.index(catalog))))
    alone = recognize_index.standalone(plain)
    texts = _corpus_texts()
    assert len(texts) > 500
    by_catalog = [recognize.match_cell(t, catalog) for t in texts]
    by_index = [recognize.match_cell(t, alone) for t in texts]
    assert recognize.matches_json(by_index) == recognize.matches_json(by_catalog)
    assert recognize.matches_table(by_index, alone) == recognize.matches_table(by_catalog, catalog)


def test_the_kept_index_is_read_back_by_a_lookup(cache: Path) -> None:
    assert index_cache.kept_index() is None  # nothing kept yet
    cat.load_catalog()
    kept = index_cache.kept_index()
    assert kept is not None
    assert recognize.match_text("SOC 2 Type II", kept).frameworks[0].framework == "soc-2"


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b'{"aliases": {}}',
        b"[]",
        b"\x80\x04pickle",
    ],
)
def test_a_damaged_kept_index_is_no_lookup(cache: Path, damage: bytes) -> None:
    cat.load_catalog()
    (index_entry,) = cache.glob("index-*.json")
    index_entry.write_bytes(damage)
    assert index_cache.kept_index() is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("frameworks", [[1, "SOC 2", "held", [], [], None]]),  # an id that is no string
        ("frameworks", [["soc-2", "SOC 2", "held", "soc-2", [], None]]),  # certs not a list
        ("groups", [["SOC", ["soc-1"], "yes", "which SOC?"]]),  # ambiguous not a boolean
        ("groups", []),  # a group alias with no group
    ],
)
def test_a_kept_index_of_another_shape_is_no_lookup(cache: Path, field: str, value: object) -> None:
    cat.load_catalog()
    (index_entry,) = cache.glob("index-*.json")
    data = json.loads(index_entry.read_bytes())
    data[field] = value
    index_entry.write_text(json.dumps(data), encoding="utf-8")
    assert index_cache.kept_index() is None
