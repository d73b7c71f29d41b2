"""The recognition corpus (tests/data/corpus.yaml) and the catalog's breadth are well-formed data.

These tests check the data only: fields, classes, parts and that every id the corpus names exists
in the shipped catalog. How well the recognizer does on the corpus is measured elsewhere.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessor.catalog.load import check_catalog, load_catalog

CORPUS = Path(__file__).parent / "data" / "corpus.yaml"
CLASSES = {
    "exact",
    "extra-words",
    "word-order",
    "no-separator",
    "clipped-typo",
    "identifier-slug",
    "date-version",
    "long-name",
    "region-language",
    "unknown-to-catalog-before",
    "negation-doubt",
    "family",
    "near-miss",
}
REQUIRED = {"text", "expect", "class", "held", "source", "part"}
OPTIONAL = {"ambiguous", "flag"}


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) == {"corpus"}
    entries = data["corpus"]
    assert isinstance(entries, list)
    return entries


def test_corpus_has_at_least_500_distinct_entries(corpus: list[dict[str, Any]]) -> None:
    assert len(corpus) >= 500
    texts = [e["text"] for e in corpus]
    assert len(set(texts)) == len(texts), [t for t, n in Counter(texts).items() if n > 1]


def test_every_entry_has_the_fields_and_known_values(corpus: list[dict[str, Any]]) -> None:
    for entry in corpus:
        keys = set(entry)
        assert keys >= REQUIRED, entry
        assert keys <= REQUIRED | OPTIONAL, entry
        assert isinstance(entry["text"], str) and entry["text"].strip(), entry
        assert isinstance(entry["expect"], list), entry
        assert entry["class"] in CLASSES, entry
        assert entry["part"] in {"dev", "holdout"}, entry
        assert isinstance(entry["held"], bool), entry
        assert isinstance(entry["source"], str) and len(entry["source"]) > 10, entry


def test_negated_and_family_entries_expect_nothing(corpus: list[dict[str, Any]]) -> None:
    for entry in corpus:
        if entry.get("flag") is not None:
            assert entry["flag"] == "review", entry
            assert entry["expect"] == [], entry
        if entry["class"] == "negation-doubt":
            assert entry.get("flag") == "review", entry
        if "ambiguous" in entry:
            assert entry["expect"] == [], entry
            assert len(entry["ambiguous"]) >= 2, entry
        if entry["class"] == "family":
            assert "ambiguous" in entry, entry
        if not entry["expect"]:
            assert entry.get("flag") == "review" or "ambiguous" in entry, entry


def test_every_expected_id_and_edition_exists_in_the_catalog(
    corpus: list[dict[str, Any]],
) -> None:
    catalog = load_catalog()
    frameworks = {f.id: f for f in catalog.frameworks}
    mmd = set(catalog.service("mmd").certifications)  # the corpus's `held`: one of MMD's 16
    held = {
        f.id for f in catalog.frameworks if f.relation == "held" and mmd & set(f.certifications)
    }
    for entry in corpus:
        named: list[str] = []
        for item in entry["expect"]:
            fw_id, _, edition = item.partition("@")
            assert fw_id in frameworks, entry
            if edition:
                assert edition in {e.id for e in frameworks[fw_id].editions}, entry
            named.append(fw_id)
        for fw_id in entry.get("ambiguous", []):
            assert fw_id in frameworks, entry
        members = entry.get("ambiguous", [])
        expected_held = any(f in held for f in named) or bool(members and set(members) <= held)
        assert entry["held"] == expected_held, entry


def test_both_parts_cover_every_class_and_holdout_is_about_30_percent(
    corpus: list[dict[str, Any]],
) -> None:
    for part in ("dev", "holdout"):
        assert {e["class"] for e in corpus if e["part"] == part} == CLASSES, part
    share = sum(e["part"] == "holdout" for e in corpus) / len(corpus)
    assert 0.2 <= share <= 0.4, share


def test_catalog_has_at_least_300_frameworks_and_no_problems() -> None:
    assert len(load_catalog().frameworks) >= 300
    assert check_catalog() == []
