"""Pipeline helpers: option parsing, slugs, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assessor.domain.errors import OutputError, UsageError
from assessor.run.files import slugify, unique_slugs, write_atomic
from assessor.run.pipeline import parse_formats, parse_pdf_variant


def test_written_reports_follow_the_umask_not_mkstemps_private_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "r.json", b"{}", overwrite=False)
    finally:
        os.umask(old)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o644


def test_create_only_write_refuses_an_existing_file_and_leaves_no_part(tmp_path: Path) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="already exists"):
        write_atomic(target, b"new", overwrite=False)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]
    write_atomic(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Retail Banking", "retail-banking"),
        ("../x", "x"),
        ("Fin/Ops", "fin-ops"),
        ("Zürich AG", "zurich-ag"),
    ],
)
def test_slugify_keeps_names_inside_the_folder(name: str, expected: str) -> None:
    assert slugify(name) == expected


@pytest.mark.parametrize("name", ["CON", "", "///", "portfolio", "manifest"])
def test_slugify_never_gives_a_reserved_or_empty_name(name: str) -> None:
    slug = slugify(name)
    assert slug and slug not in {"con", "portfolio", "manifest"} and "/" not in slug


def test_two_names_that_slugify_alike_get_distinct_slugs() -> None:
    slugs = unique_slugs(["Fin/Ops", "Fin Ops", "Retail"])
    assert len(set(slugs.values())) == 3
    assert slugs["Retail"] == "retail"


def test_slug_is_capped_for_very_long_names() -> None:
    assert len(slugify("x" * 300)) <= 60


def test_format_and_variant_parsing_reject_unknown_values() -> None:
    assert parse_formats("json, PDF") == ("pdf", "json")
    with pytest.raises(UsageError):
        parse_formats("pdf,odt")
    assert parse_pdf_variant("pdf/a-3b") == "a"
    with pytest.raises(UsageError):
        parse_pdf_variant("x-4")
