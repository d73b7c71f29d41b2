"""The organization's own words (issue 11, §4): an overlay from a file or an Overlay sheet.

The invariants: an overlay never makes a framework covered that is not covered without it (a
table of hostile overlays is refused, and random valid overlays never raise a status); every
finding resting on an overlay carries the overlay-decision reason with who and when; a decision
for one unit does not leak to another; a bad Overlay sheet cell is reported with its location
and nothing is written; every report names the overlay it rests on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_fixtures import catalog, write_xlsx
from typer.testing import CliRunner

from assessor.app.cli import app
from assessor.assess import engine
from assessor.assess.basis import Basis
from assessor.catalog import overlay as ov
from assessor.catalog.load import load_with_overlay
from assessor.domain.errors import InputError
from assessor.domain.models import Catalog, CellRef, Finding, Period, Requirement
from assessor.intake import workbook as intake
from assessor.run import pipeline

runner = CliRunner()
OVERLAY = Path(__file__).parent / "data" / "overlay" / "contoso.yaml"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PERIOD = Period(start=dt.date(2023, 7, 1), end=dt.date(2024, 6, 30), basis="audit-period")
WHO = {"decided_by": "Risk committee", "decided_on": "2025-04-15"}
HEADERS = [
    "Kind",
    "Name or alias",
    "Framework id",
    "Certifications",
    "Accepted by",
    "Rationale",
    "Decided by",
    "Decided on",
    "Note",
    "Units",
]


def _apply(body: dict[str, Any]) -> tuple[Catalog | None, list[str]]:
    merged, issues = ov.apply(catalog(), {"overlay": body}, "0" * 64, "test.yaml")
    return merged, [str(i) for i in issues if i.severity == "error"]


def _assess(text: str, cat: Catalog, unit: str = "Unit") -> list[Finding]:
    source = CellRef(file="t.xlsx", sheet="Requirements", row=2, column="B")
    req = Requirement(source=source, business_unit=unit, text=text, cell_text=text)
    return engine.assess_requirement(req, Basis.of(cat, period=PERIOD, service=cat.service()))


def _rel(framework: str, certs: list[str], **kw: Any) -> dict[str, Any]:
    return {
        "framework": framework,
        "certifications": certs,
        "accepted_by": "Fabrikam Audit LLP",
        "rationale": "accepted",
        **WHO,
        **kw,
    }


def _fw(fid: str, name: str, **kw: Any) -> dict[str, Any]:
    return {"id": fid, "name": name, "short_name": name, "rationale": "ours", **WHO, **kw}


# ---------------------------------------------------------------------------------------------
# Hostile overlays are refused, each naming its entry


@pytest.mark.parametrize(
    ("body", "where", "what"),
    [
        ({"relations": [_rel("ccpa", ["fedramp-high"])]}, "relation ccpa", "not one Microsoft"),
        ({"relations": [_rel("nope", ["soc-2"])]}, "relation nope", "unknown framework"),
        ({"relations": [_rel("ccpa", ["no-such-cert"])]}, "relation ccpa", "not one Microsoft"),
        ({"relations": [_rel("iso-27001", ["soc-2"])]}, "relation iso-27001", "already held"),
        ({"relations": [_rel("soc-2", ["soc-2"])]}, "relation soc-2", "already held"),
        (
            {"frameworks": [_fw("ours", "Ours", relation="held", certifications=["iso-27001"])]},
            "framework ours",
            "relation",
        ),
        (
            {
                "frameworks": [
                    _fw("ours", "Ours", relation="supports", certifications=["fedramp-high"])
                ]
            },
            "framework ours",
            "not one Microsoft",
        ),
        (
            {"frameworks": [_fw("iso-27001", "Ours")]},
            "framework iso-27001",
            "already in the catalog",
        ),
        (
            {"frameworks": [_fw("ours", "Ours", aliases=["ISO 27001"])]},
            "framework ours",
            "also claimed",
        ),
        (
            {
                "frameworks": [_fw("ours", "Ours")],
                "aliases": [{"alias": "ISO27001", "framework": "ours", **WHO}],
            },
            "alias ISO27001",
            "also claimed",
        ),
        (
            {"aliases": [{"alias": "SOC 2", "framework": "ccpa", **WHO}]},
            "alias SOC 2",
            "also claimed",
        ),
        ({"aliases": [{"alias": "---", "framework": "ccpa", **WHO}]}, "alias ---", "empty"),
        (
            {"aliases": [{"alias": "Our ISMS", "framework": "iso-27001", "units": ["A"], **WHO}]},
            "alias Our ISMS: units",
            "only a relation",
        ),
        ({"relations": [_rel("ccpa", ["iso-27701"], decided_by="")]}, "decided_by", "at least 1"),
    ],
    ids=[
        "supports-non-held-cert",
        "relation-on-unknown",
        "supports-unknown-cert",
        "relation-on-held",
        "relation-on-held-soc2",
        "framework-held",
        "framework-non-held-cert",
        "framework-id-taken",
        "framework-alias-steals-held-name",
        "alias-steals-held-name",
        "alias-steals-soc2-for-ccpa",
        "alias-empty",
        "units-on-alias",
        "undecided",
    ],
)
def test_a_hostile_overlay_is_refused_naming_its_entry(
    body: dict[str, Any], where: str, what: str
) -> None:
    merged, errors = _apply(body)
    assert merged is None
    assert any(where in e and what in e for e in errors), errors
    assert all(e.startswith("test.yaml") for e in errors), errors


# ---------------------------------------------------------------------------------------------
# Random valid overlays never raise a status, and every finding on them says whose decision

_HELD = ["iso-27001", "iso-27701", "soc-2", "iso-22301", "pci-dss"]
_NOT_HELD = ["ccpa", "nist-800-53", "ferpa", "pipeda", "iso-42001", "cmmc"]
_TEXTS = ["ISO 27001", "SOC 2", "CCPA", "NIST 800-53", "FERPA", "PCI DSS", "ISO 42001", "CMMC"]
_ORDER = ["ALIAS0", "ALIAS1", "Contoso Baseline", "CSB"]
_RANK = {"covered": 3, "partial": 2, "gap": 1, "unrecognized": 0}


@st.composite
def _overlays(draw: st.DrawFn) -> dict[str, Any]:
    targets = st.sampled_from([*_HELD, *_NOT_HELD, "contoso-baseline"])
    aliases = [
        {"alias": f"Contoso word {i}", "framework": draw(targets), **WHO}
        for i in range(draw(st.integers(0, 2)))
    ]
    relations = [
        _rel(fw, draw(st.lists(st.sampled_from(_HELD), min_size=1, max_size=2, unique=True)))
        for fw in draw(st.lists(st.sampled_from(_NOT_HELD), max_size=3, unique=True))
    ]
    certs = draw(st.lists(st.sampled_from(_HELD), max_size=2, unique=True))
    frameworks = [
        _fw(
            "contoso-baseline",
            "Contoso Baseline",
            relation="supports" if certs else "none",
            certifications=certs,
            aliases=["CSB"],
        )
    ]
    return {"aliases": aliases, "relations": relations, "frameworks": frameworks}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=_overlays(),
    text=st.sampled_from(
        [
            *_TEXTS,
            "Contoso word 0",
            "Contoso word 1",
            "CSB",
            "Contoso Baseline",
            "Contoso word 0 and ISO 27001",
        ]
    ),
)
def test_an_overlay_never_raises_a_status_and_always_says_whose_decision(
    body: dict[str, Any], text: str
) -> None:
    merged, errors = _apply(body)
    assert merged is not None, errors
    before = {f.framework.id if f.framework else None: f for f in _assess(text, catalog())}
    for f in _assess(text, merged):
        fid = f.framework.id if f.framework else None
        was = before.get(fid)
        if f.status == "covered":
            assert was is not None and was.status == "covered", (text, body)
        decided = [r for r in f.reasons if r.code == "overlay-decision"]
        changed = (
            was is None
            or _RANK[f.status] > _RANK[was.status]
            or (f.certifications != was.certifications)
        )
        if fid is not None and changed:
            assert decided, (text, f)
        for r in decided:
            assert r.data["decided_by"] == "Risk committee"
            assert r.data["decided_on"] == "2025-04-15"
            assert any(
                "the organization's decision, Risk committee, 15 April 2025" in c for c in f.caveats
            )


# ---------------------------------------------------------------------------------------------
# A decision for one unit does not leak to another


def _book(tmp_path: Path, overlay: list[list[Any]], name: str = "Overlay") -> Path:
    return write_xlsx(
        tmp_path / "book.xlsx",
        {
            "Requirements": [
                ["Business unit", "Framework"],
                ["Payments", "CCPA"],
                ["Retail", "CCPA"],
                ["Retail", "CSB v3"],
            ],
            "Business units": [
                ["Business unit", "Audit period start", "Audit period end"],
                ["Payments", dt.date(2023, 7, 1), dt.date(2024, 6, 30)],
                ["Retail", dt.date(2023, 7, 1), dt.date(2024, 6, 30)],
            ],
            name: [HEADERS, *overlay],
        },
    )


GOOD_ROWS: list[list[Any]] = [
    ["Organization", "Contoso"],
    [
        "Framework",
        "Contoso Security Baseline v3",
        "",
        "ISO/IEC 27001",
        "",
        "Our internal baseline",
        "A. Jones, CISO",
        dt.datetime(2025, 3, 1),
        "",
        "",
    ],
    ["Alias", "CSB v3", "Contoso Security Baseline v3", "", "", "", "A. Jones, CISO", "2025-03-01"],
    [
        "Relation",
        "",
        "CCPA",
        "ISO/IEC 27701",
        "Northwind Assurance LLP",
        "For the Payments unit, ISO/IEC 27701 is accepted as partial evidence",
        "Risk committee",
        "15/04/2025",
        "Minutes RC-2025-04",
        "payments",
    ],
]


def test_the_overlay_sheet_is_read_and_a_unit_decision_does_not_leak(tmp_path: Path) -> None:
    result = intake.read_workbook(_book(tmp_path, GOOD_ROWS), catalog())
    assert result.overlay is not None
    origin = result.overlay.origin
    assert origin.file == "book.xlsx, sheet Overlay" and origin.organization == "Contoso"
    assert (origin.aliases, origin.frameworks, origin.relations) == (1, 1, 1)
    assert result.overlay.overlay.relations[0].certifications == ("iso-27701",)
    merged = pipeline.workbook_catalog(result, catalog())
    found = engine.assess(result, merged, as_of=dt.date(2024, 7, 1), organization="C")
    by_unit = {a.business_unit.name: {f.requirement: f for f in a.findings} for a in found}
    paid, retail = by_unit["Payments"]["CCPA"], by_unit["Retail"]["CCPA"]
    assert paid.status == "partial" and retail.status == "gap"
    assert "overlay-decision" in [r.code for r in paid.reasons]
    assert "overlay-decision" not in [r.code for r in retail.reasons]
    assert any("in payments" in c and "Risk committee, 15 April 2025" in c for c in paid.caveats)
    own = by_unit["Retail"]["CSB v3"]
    assert own.framework is not None and own.framework.id == "contoso-security-baseline-v3"
    assert own.status == "partial"
    whos = {r.data["what"] for r in own.reasons if r.code == "overlay-decision"}
    assert len(whos) == 2  # the alias read and the framework added, both the organization's


def test_synonym_headers_and_sheet_name(tmp_path: Path) -> None:
    headers = ["Type", "Alias", "Framework", "Approved by", "Decision date", "Comments"]
    path = write_xlsx(
        tmp_path / "b.xlsx",
        {
            "Requirements": [["Business unit", "Framework"], ["U", "Our ISMS"]],
            "Our names": [headers, ["alias", "Our ISMS", "ISO 27001", "CISO", "2025-01-02", "x"]],
        },
    )
    result = intake.read_workbook(path, catalog())
    assert result.overlay is not None
    (req,) = result.requirements
    assert req.match is not None and req.match.frameworks[0].framework == "iso-27001"


def test_every_bad_overlay_cell_is_reported_at_once_with_its_place(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["Frobnicate", "x", "", "", "", "", "A", "2025-01-01"],
        ["Relation", "", "CCPA", "ISO/IEC 27701", "Aud", "r", "Risk", "soon"],
        ["Relation", "", "ISO 27001", "SOC 2", "Aud", "r", "Risk", "2025-01-01"],
        ["Relation", "", "CCPA", "FedRAMP High", "Aud", "r", "Risk", "2025-01-01", "", "Paymnts"],
        ["Alias", "SOC 2", "CCPA", "", "", "", "Risk", "2025-01-01"],
        ["Alias", "Our ISMS", "ISO 27001", "", "", "", "", "2025-01-01"],
        ["Alias", "Our ISMS 2", "ISO 27001", "", "", "", "Risk", "2025-01-01", "", "Payments"],
    ]
    with pytest.raises(InputError) as err:
        intake.read_workbook(_book(tmp_path, rows), catalog())
    said = {i.location: i.message for i in err.value.issues}
    assert "Kind 'Frobnicate'" in said["Overlay!A2"]
    assert "not a date" in said["Overlay!H3"]
    assert "already held" in said["Overlay!C4"]
    assert "not one Microsoft holds" in said["Overlay!D5"]
    assert "'Paymnts' does not exist" in said["Overlay!J5"]
    assert "also claimed" in said["Overlay!B6"]
    assert "Decided by is empty" in said["Overlay!G7"]
    assert "only a relation" in said["Overlay!J8"]


def test_a_row_with_a_missing_decision_is_still_checked_against_the_catalog(
    tmp_path: Path,
) -> None:
    """Its auditor, decider and date missing or bad, and a relation on a held framework: every
    problem of the row in one pass, not the rule only after the decision is filled in."""
    rows: list[list[Any]] = [
        ["Relation", "", "ISO 27001", "SOC 2", "", "r", "", "soon"],
        ["Relation", "", "CCPA", "FedRAMP High", "Aud", "", "Risk", "2025-01-01"],
    ]
    with pytest.raises(InputError) as err:
        intake.read_workbook(_book(tmp_path, rows), catalog())
    said = {i.location: i.message for i in err.value.issues}
    assert "already held" in said["Overlay!C2"]
    assert {"Overlay!E2", "Overlay!G2", "Overlay!H2"} <= set(said), said
    assert "not one Microsoft holds" in said["Overlay!D3"]
    assert "Overlay!F3" in said, said  # no rationale


def test_past_fifty_bad_cells_the_rest_are_counted_not_dropped(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["Frobnicate", f"x{n}", "", "", "", "", "A", "2025-01-01"] for n in range(60)
    ]
    with pytest.raises(InputError) as err:
        intake.read_workbook(_book(tmp_path, rows), catalog())
    assert "60 cells to fix" in str(err.value)
    assert len(err.value.issues) == 51
    assert err.value.issues[-1].message == "... and 10 more"


def test_a_bad_overlay_sheet_writes_nothing(tmp_path: Path) -> None:
    book = _book(
        tmp_path, [["Relation", "", "ISO 27001", "SOC 2", "Aud", "r", "Risk", "2025-01-01"]]
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["assess", str(book), "--out", str(out), "--format", "json", "--workers", "1"]
    )
    assert result.exit_code != 0
    assert "Overlay!C2" in result.output and "already held" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_catalog_check_reads_a_workbooks_overlay_sheet_as_assess_does(tmp_path: Path) -> None:
    bad = _book(
        tmp_path, [["Relation", "", "ISO 27001", "SOC 2", "Aud", "r", "Risk", "2025-01-01"]]
    )
    result = runner.invoke(app, ["catalog", "check", "--overlay", str(bad)])
    assert result.exit_code == 2
    assert "Overlay!C2" in result.output and "already held" in result.output
    good = EXAMPLES / "fabrikam-group.xlsx"
    result = runner.invoke(app, ["catalog", "check", "--overlay", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 alias(es), 1 framework(s), 1 relation(s)" in result.output
    none = runner.invoke(
        app, ["catalog", "check", "--overlay", str(EXAMPLES / "contoso-retail.xlsx")]
    )
    assert none.exit_code == 1 and "has no Overlay sheet" in none.output


# ---------------------------------------------------------------------------------------------
# assess --catalog-overlay: every output rests on it and names it


def test_assess_with_a_catalog_overlay_names_it_in_every_report(tmp_path: Path) -> None:
    book = write_xlsx(
        tmp_path / "b.xlsx",
        {
            "Requirements": [
                ["Business unit", "Framework"],
                ["Payments", "CSWB"],
                ["Payments", "ISO 27001"],
            ]
        },
    )
    out = tmp_path / "out"
    args = ["assess", str(book), "--out", str(out), "--format", "json,xlsx,oscal", "--workers", "2"]
    result = runner.invoke(app, [*args, "--catalog-overlay", str(OVERLAY), "--as-of", "2024-01-01"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "payments.json").read_text())
    (origin,) = data["catalog"]["overlays"]
    assert origin["file"] == "contoso.yaml" and origin["organization"] == "Contoso"
    assert origin["sha256"] == hashlib.sha256(OVERLAY.read_bytes()).hexdigest()
    assert data["catalog"]["sha256"] == load_with_overlay(OVERLAY).meta.sha256
    own = next(f for f in data["findings"] if f["framework"]["id"] == "contoso-secure-baseline")
    assert any(
        "the organization's decision, A. Jones, CISO, 1 March 2025" in c for c in own["caveats"]
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["catalog"]["overlays"][0]["file"] == "contoso.yaml"
    assert "contoso.yaml" in (out / "payments.oscal.json").read_text()


def test_a_bad_catalog_overlay_is_a_clean_error_and_writes_nothing(tmp_path: Path) -> None:
    book = write_xlsx(
        tmp_path / "b.xlsx", {"Requirements": [["Business unit", "Framework"], ["U", "CCPA"]]}
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "overlay:\n  relations:\n    - framework: iso-27001\n      certifications: [soc-2]\n"
        "      accepted_by: A\n      rationale: r\n      decided_by: R\n"
        "      decided_on: 2025-01-01\n"
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["assess", str(book), "--out", str(out), "--catalog-overlay", str(bad)]
    )
    assert result.exit_code == 2  # bad input, as the same entry on an Overlay sheet
    assert "bad.yaml" in result.output and "relation iso-27001" in result.output
    assert not out.exists()


def test_a_catalog_overlay_naming_a_unit_no_input_has_writes_nothing(tmp_path: Path) -> None:
    book = write_xlsx(
        tmp_path / "b.xlsx", {"Requirements": [["Business unit", "Framework"], ["U", "CCPA"]]}
    )
    units = tmp_path / "units.yaml"
    units.write_text(
        "overlay:\n  relations:\n    - framework: ccpa\n      certifications: [iso-27701]\n"
        "      accepted_by: A\n      rationale: r\n      decided_by: R\n"
        "      decided_on: 2025-01-01\n"
        "      units: [Payments]\n"
    )
    out = tmp_path / "out"
    args = [
        "assess",
        str(book),
        "--out",
        str(out),
        "--catalog-overlay",
        str(units),
        "--workers",
        "1",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert "relation ccpa: units" in result.output and "'Payments'" in result.output
    assert not out.exists() or not any(p.suffix == ".json" for p in out.iterdir())


def test_a_sheet_and_a_file_merge_and_a_clash_is_put_on_the_cell(tmp_path: Path) -> None:
    rows = [
        [
            "Framework",
            "Contoso Secure Workplace Baseline",
            "contoso-secure-baseline",
            "",
            "",
            "r",
            "R",
            "2025-01-01",
        ]
    ]
    result = intake.read_workbook(_book(tmp_path, GOOD_ROWS), load_with_overlay(OVERLAY))
    merged = pipeline.workbook_catalog(result, load_with_overlay(OVERLAY))
    assert [o.file for o in merged.overlays] == ["contoso.yaml", "book.xlsx, sheet Overlay"]
    with pytest.raises(InputError) as err:
        intake.read_workbook(_book(tmp_path, rows), load_with_overlay(OVERLAY))
    assert "Overlay!C2: " in err.value.message and "added by contoso.yaml" in err.value.message


def test_a_unit_may_get_support_for_the_organizations_own_framework() -> None:
    """The issue's example: for one unit, SOC 2 is partial evidence for the internal baseline."""
    body = {
        "frameworks": [_fw("ours", "Our Baseline")],
        "relations": [_rel("ours", ["soc-2"], units=["Payments"])],
    }
    merged, errors = _apply(body)
    assert merged is not None, errors
    (paid,) = _assess("Our Baseline", ov.for_unit(merged, "Payments"), "Payments")
    (other,) = _assess("Our Baseline", ov.for_unit(merged, "Retail"), "Retail")
    assert paid.status == "partial" and paid.certifications == ("soc-2",)
    assert other.status == "gap" and other.certifications == ()
    assert len([r for r in paid.reasons if r.code == "overlay-decision"]) == 2
    assert len([r for r in other.reasons if r.code == "overlay-decision"]) == 1


def test_the_portfolio_names_the_units_resting_on_the_organizations_decisions(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    book = EXAMPLES / "fabrikam-group.xlsx"
    result = runner.invoke(
        app, ["assess", str(book), "--out", str(out), "--format", "json", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    units = {u["name"]: u for u in json.loads((out / "portfolio.json").read_text())["units"]}
    assert units["Fabrikam Finance"]["on_overlay"] == 1
    assert (
        units["Fabrikam Finance"]["on_overlay_label"] == "1 finding on the organization's decisions"
    )
    assert units["Fabrikam Payments"]["on_overlay"] == 0
