"""The evidence folder and pack: files read only from inside the folder, hashed, packed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from assessor.domain.errors import UsageError
from assessor.run import batch
from assessor.run.options import BatchOptions
from assessor.run.pack import inspect, locate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_locate_refuses_links_absolute_paths_and_escapes(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "secret.pdf").write_bytes(b"x")
    folder = tmp_path / "in"
    (folder / "out.pdf").symlink_to(tmp_path / "secret.pdf")
    assert isinstance(locate(folder, "https://servicetrust.microsoft.com/doc.pdf"), str)
    assert isinstance(locate(folder, "/etc/passwd"), str)
    assert isinstance(locate(folder, "C:\\docs\\a.pdf"), str)
    assert isinstance(locate(folder, "../secret.pdf"), str)
    assert isinstance(locate(folder, "out.pdf"), str)  # a link pointing out of the folder
    assert inspect(folder, "out.pdf").status == "refused"


def test_inspect_hashes_found_files_and_names_missing_ones(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "doc.pdf").write_bytes(b"hello")
    found = inspect(tmp_path, "a/doc.pdf")
    assert found.status == "found" and found.size == 5
    assert found.sha256 == hashlib.sha256(b"hello").hexdigest()
    assert inspect(tmp_path, "a/none.pdf").status == "missing"
    assert inspect(tmp_path, "a").status == "refused"


def _options(out: Path, formats: str, **kw: object) -> BatchOptions:
    return BatchOptions.from_cli(
        out=out,
        formats=formats,
        organization="Contoso Group",
        as_of="2026-11-29",
        pdf_variant=None,
        fail_on=None,
        workers=1,
        overwrite=False,
        merge_units=False,
        **kw,  # type: ignore[arg-type]
    )


def test_pack_needs_an_evidence_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--evidence-dir"):
        _options(tmp_path / "out", "json,pack")


def test_the_pack_holds_the_documents_judged_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    options = _options(out, "json,pack", evidence_dir=EXAMPLES / "evidence")
    result = batch.run([EXAMPLES / "contoso-retail.xlsx"], options)
    assert result.exit_code == batch.EXIT_OK
    data = (out / "contoso-retail.evidence.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        for name in names[1:]:
            held = [f for d in manifest["documents"] for f in d["files"] if f["in_pack"] == name]
            assert held and hashlib.sha256(archive.read(name)).hexdigest() == held[0]["sha256"]
    assert names[0] == "manifest.json"
    assert "documents/soc-bridge-letter-2024-q2.pdf" in names
    states = {d["document"]: d["state"] for d in manifest["documents"]}
    assert states["Azure PCI DSS Attestation of Compliance (AoC)"] == "expired"
    aoc = next(d for d in manifest["documents"] if d["state"] == "expired")
    assert aoc["files"][0]["status"] == "missing" and aoc["files"][0]["in_pack"] is None
    report = json.loads((out / "contoso-retail.json").read_text(encoding="utf-8"))
    shas = {e["sha256"] for f in report["findings"] for e in f["evidence"] if e["sha256"]}
    assert len(shas) >= 5
    # same inputs, same bytes
    again = tmp_path / "again"
    batch.run(
        [EXAMPLES / "contoso-retail.xlsx"],
        _options(again, "pack", evidence_dir=EXAMPLES / "evidence"),
    )
    assert (again / "contoso-retail.evidence.zip").read_bytes() == data


def test_a_separate_register_applies_to_every_unit_and_names_bad_units(tmp_path: Path) -> None:
    from intake_fixtures import write_xlsx

    from assessor.domain.errors import InputError
    from assessor.render.blank_workbook import EVIDENCE_HEADERS

    register = write_xlsx(
        tmp_path / "register.xlsx",
        {
            "Evidence on file": [
                list(EVIDENCE_HEADERS),
                [
                    "Azure PCI DSS AoC",
                    "AoC",
                    None,
                    None,
                    "2023-07-01",
                    None,
                    "Microsoft Managed Desktop",
                ],
            ]
        },
    )
    out = tmp_path / "out"
    options = _options(out, "json", evidence=register)
    assert batch.run([EXAMPLES / "fabrikam-group.xlsx"], options).exit_code == batch.EXIT_OK
    states = set()
    for path in out.glob("*.json"):
        if path.name in ("manifest.json", "portfolio.json"):
            continue
        report = json.loads(path.read_text(encoding="utf-8"))
        states |= {e["state"] for f in report["findings"] for e in f["evidence"]}
        assert "evidence" in report["summary"]
    assert "to-request" in states
    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        {
            "Evidence on file": [
                list(EVIDENCE_HEADERS),
                [
                    "Azure PCI DSS AoC",
                    "AoC",
                    None,
                    None,
                    "2023-07-01",
                    None,
                    "MMD",
                    None,
                    "Atlantis",
                ],
            ]
        },
    )
    with pytest.raises(InputError) as err:
        batch.run(
            [EXAMPLES / "fabrikam-group.xlsx"], _options(tmp_path / "o2", "json", evidence=bad)
        )
    assert "Atlantis" in "\n".join(err.value.lines())
    assert os.path.exists(register)
