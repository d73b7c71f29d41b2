"""Evidence on file: the period arithmetic and the five states, edge by edge (issue 12)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessor.assess import engine
from assessor.assess.basis import Basis
from assessor.assess.evidence import (
    EvidenceJudge,
    add_months,
    lift_scope,
    merge,
    report_periods,
    uncovered,
)
from assessor.catalog.load import load_catalog
from assessor.domain.models import (
    CellRef,
    DateRange,
    EvidenceRecord,
    EvidenceRef,
    Period,
    Reason,
)

CAT = load_catalog()
MMD = CAT.service()
D = date.fromisoformat


def _r(start: str, end: str) -> DateRange:
    return DateRange(start=D(start), end=D(end))


def _doc(doc_id: str) -> tuple[str, EvidenceRef]:
    for cert in CAT.certifications:
        for doc in cert.evidence:
            if doc.id == doc_id:
                return cert.id, EvidenceRef(
                    title=doc.title_pattern,
                    kind=doc.kind,
                    stp_section=doc.stp_section,
                    scope_location=doc.scope_location,
                    certification=cert.id,
                )
    raise KeyError(doc_id)


def _row(
    doc_id: str,
    n: int = 2,
    services: tuple[str, ...] = ("Microsoft Managed Desktop",),
    **dates: str,
) -> EvidenceRecord:
    parsed = {k: D(v) for k, v in dates.items()}
    return EvidenceRecord(
        source=CellRef(file="reg.xlsx", sheet="Evidence on file", row=n, column="A"),
        title=dates.pop("title", doc_id) if "title" in dates else doc_id,
        services=services,
        documents=(doc_id,),
        **parsed,
    )


def _judge(rows: list[EvidenceRecord], start: str | None, end: str, as_of: str = "2026-01-15"):
    period = Period(start=D(start) if start else None, end=D(end), basis="audit-period")
    return EvidenceJudge(CAT, rows, services=(MMD,), period=period, as_of=D(as_of))


# ---------------------------------------------------------------------------
# Arithmetic


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),  # leap year: clamped to 29 February
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2024-03-31", -6, "2023-09-30"),
        ("2024-12-15", 1, "2025-01-15"),
    ],
)
def test_add_months_clamps_to_the_month_end(day: str, months: int, expected: str) -> None:
    assert add_months(D(day), months) == D(expected)


@pytest.mark.parametrize(
    ("target", "covers", "gaps"),
    [
        (("2024-01-01", "2024-12-31"), [("2024-01-01", "2024-12-31")], []),
        # a period ending on the report's last day: nothing uncovered
        (("2023-04-01", "2024-03-31"), [("2023-04-01", "2024-03-31")], []),
        (
            ("2024-01-01", "2024-12-31"),
            [("2023-10-01", "2024-09-30")],
            [("2024-10-01", "2024-12-31")],
        ),
        (
            ("2024-01-01", "2024-12-31"),
            [("2024-04-01", "2025-03-31")],
            [("2024-01-01", "2024-03-31")],
        ),
        # two reports touching (30 Sep / 1 Oct) leave nothing
        (
            ("2024-01-01", "2024-12-31"),
            [("2023-10-01", "2024-09-30"), ("2024-10-01", "2025-09-30")],
            [],
        ),
        # a hole in the middle, leap day included
        (
            ("2024-01-01", "2024-12-31"),
            [("2024-01-01", "2024-02-28"), ("2024-03-01", "2024-12-31")],
            [("2024-02-29", "2024-02-29")],
        ),
        (("2024-01-01", "2024-12-31"), [], [("2024-01-01", "2024-12-31")]),
        (
            ("2024-01-01", "2024-12-31"),
            [("2022-01-01", "2022-12-31")],
            [("2024-01-01", "2024-12-31")],
        ),
    ],
)
def test_uncovered_names_every_missing_day(
    target: tuple[str, str], covers: list[tuple[str, str]], gaps: list[tuple[str, str]]
) -> None:
    assert uncovered(_r(*target), [_r(*c) for c in covers]) == [_r(*g) for g in gaps]


def test_report_periods_follow_the_cadence_ends() -> None:
    rule = CAT.evidence.certification("soc-2")
    assert rule is not None
    asked = report_periods(_r("2023-01-01", "2023-12-31"), rule)
    assert asked == [_r("2022-04-01", "2023-03-31"), _r("2023-04-01", "2024-03-31")]
    # a period ending on a report's last day needs that one report
    assert report_periods(_r("2022-10-01", "2023-09-30"), rule) == [_r("2022-10-01", "2023-09-30")]


_days = st.integers(min_value=0, max_value=800)


@st.composite
def _ranges(draw: st.DrawFn) -> DateRange:
    base = date(2023, 1, 1)
    start = base + timedelta(days=draw(_days))
    return DateRange(start=start, end=start + timedelta(days=draw(st.integers(0, 400))))


@settings(max_examples=300, deadline=None)
@given(target=_ranges(), covers=st.lists(_ranges(), max_size=5))
def test_no_uncovered_day_exactly_when_the_documents_cover_the_period(
    target: DateRange, covers: list[DateRange]
) -> None:
    gaps = uncovered(target, covers)
    every_day = {
        target.start + timedelta(days=i) for i in range((target.end - target.start).days + 1)
    }
    held = {d for d in every_day if any(c.start <= d <= c.end for c in covers)}
    missing = {g.start + timedelta(days=i) for g in gaps for i in range((g.end - g.start).days + 1)}
    assert missing == every_day - held
    assert (not gaps) == (held == every_day)
    # gaps are ordered, disjoint, non-touching, inside the target
    for a, b in itertools.pairwise(gaps):
        assert a.end + timedelta(days=1) < b.start
    assert all(target.start <= g.start <= g.end <= target.end for g in gaps)
    assert merge(merge(covers)) == merge(covers)


# ---------------------------------------------------------------------------
# The states


def _state(doc: str, rows: list[EvidenceRecord], start: str | None, end: str, **kw: str):
    _, ref = _doc(doc)
    return _judge(rows, start, end, **kw).status(ref)


def test_nothing_on_file_is_to_request_with_the_report_periods_to_ask_for() -> None:
    s = _state("soc-2-report", [], "2023-01-01", "2023-12-31")
    assert s.state == "to-request"
    assert s.on_file is None
    assert s.request == (_r("2022-04-01", "2023-03-31"), _r("2023-04-01", "2024-03-31"))
    assert s.cadence_months == 6 and s.cadence_source == "off-soc"
    assert s.cadence_checked == D("2021-02-01")


@pytest.mark.parametrize(
    ("rows", "period", "state", "gaps"),
    [
        # report exactly the period, ending on its last day
        (
            [{"period_start": "2023-04-01", "period_end": "2024-03-31"}],
            ("2023-04-01", "2024-03-31"),
            "on-file",
            [],
        ),
        # two reports cover a calendar year
        (
            [
                {"period_start": "2022-04-01", "period_end": "2023-03-31"},
                {"period_start": "2023-04-01", "period_end": "2024-03-31"},
            ],
            ("2023-01-01", "2023-12-31"),
            "on-file",
            [],
        ),
        # report ends 30 Sep, period ends 31 Dec: 92 days uncovered
        (
            [{"period_start": "2022-10-01", "period_end": "2023-09-30"}],
            ("2023-01-01", "2023-12-31"),
            "period-gap",
            [("2023-10-01", "2023-12-31")],
        ),
        # leap year: report to 28 Feb 2024 leaves 29 Feb
        (
            [{"period_start": "2023-03-01", "period_end": "2024-02-28"}],
            ("2023-03-01", "2024-02-29"),
            "period-gap",
            [("2024-02-29", "2024-02-29")],
        ),
    ],
)
def test_report_states(
    rows: list[dict[str, str]], period: tuple[str, str], state: str, gaps: list[tuple[str, str]]
) -> None:
    records = [_row("soc-2-report", n=i + 2, **r) for i, r in enumerate(rows)]
    s = _state("soc-2-report", records, *period)
    assert s.state == state
    assert s.uncovered == tuple(_r(*g) for g in gaps)
    if records:
        assert s.on_file is not None and s.on_file.sheet == "Evidence on file"


def test_a_bridge_letter_closes_a_short_gap_up_to_its_date() -> None:
    report = _row("soc-2-report", n=2, period_start="2022-10-01", period_end="2023-09-30")
    letter = _row("soc-2-bridge-letter", n=3, issued="2023-12-31")
    s = _state("soc-2-report", [report, letter], "2023-01-01", "2023-12-31")
    assert s.state == "on-file"
    assert s.bridged == (_r("2023-10-01", "2023-12-31"),)
    assert s.bridge is not None and s.bridge.row == 3


def test_a_bridge_letter_ending_early_closes_only_up_to_its_date() -> None:
    report = _row("soc-2-report", n=2, period_start="2022-10-01", period_end="2023-09-30")
    letter = _row("soc-2-bridge-letter", n=3, issued="2023-11-15")
    s = _state("soc-2-report", [report, letter], "2023-01-01", "2023-12-31")
    assert s.state == "period-gap"
    assert s.bridged == (_r("2023-10-01", "2023-11-15"),)
    assert s.uncovered == (_r("2023-11-16", "2023-12-31"),)


def test_a_bridge_letter_ending_before_the_report_does_closes_nothing() -> None:
    report = _row("soc-2-report", n=2, period_start="2022-10-01", period_end="2023-09-30")
    letter = _row("soc-2-bridge-letter", n=3, issued="2023-06-30")
    s = _state("soc-2-report", [report, letter], "2023-01-01", "2023-12-31")
    assert s.state == "period-gap"
    assert s.bridged == ()
    assert s.uncovered == (_r("2023-10-01", "2023-12-31"),)


def test_a_gap_longer_than_three_months_is_named_and_not_bridged() -> None:
    report = _row("soc-2-report", n=2, period_start="2022-07-01", period_end="2023-06-30")
    letter = _row("soc-2-bridge-letter", n=3, issued="2023-12-31")
    s = _state("soc-2-report", [report, letter], "2023-01-01", "2023-12-31")
    assert s.state == "period-gap"
    assert s.long_gap is True
    assert s.bridged == ()
    assert s.uncovered == (_r("2023-07-01", "2023-12-31"),)


def test_a_gap_at_the_period_start_is_never_bridged() -> None:
    report = _row("soc-2-report", n=2, period_start="2023-04-01", period_end="2024-03-31")
    letter = _row("soc-2-bridge-letter", n=3, issued="2024-03-31")
    s = _state("soc-2-report", [report, letter], "2023-01-01", "2023-12-31")
    assert s.state == "period-gap"
    assert s.uncovered == (_r("2023-01-01", "2023-03-31"),)


def test_an_aoc_counts_twelve_months_from_signature() -> None:
    aoc = _row("pci-dss-aoc", issued="2023-03-01")  # no expiry given
    s = _state("pci-dss-aoc", [aoc], "2023-01-01", "2023-12-31")
    assert s.state == "period-gap"  # signed after the period began; counts to 29 Feb 2024
    assert s.valid_to == D("2024-02-29")
    s = _state("pci-dss-aoc", [aoc], "2023-06-01", "2024-05-31")
    assert s.state == "expired"
    assert s.limit == "validity"
    assert s.uncovered == (_r("2024-03-01", "2024-05-31"),)
    # an expiry printed beyond twelve months does not extend it
    long = _row("pci-dss-aoc", issued="2023-01-01", expires="2024-12-31")
    assert _state("pci-dss-aoc", [long], "2024-01-01", "2024-06-30").state == "expired"


def test_iso_27001_2013_certificates_end_on_31_october_2025() -> None:
    cert = _row("iso-27001-certificate", issued="2023-06-01", expires="2026-05-31")
    s = _state("iso-27001-certificate", [cert], "2025-01-01", "2025-12-31")
    assert s.state == "expired"
    assert s.limit == "hard-end" and s.limit_edition == "ISO/IEC 27001:2013"
    assert s.valid_to == D("2025-10-31")
    named = _row("iso-27001-certificate", issued="2023-06-01", expires="2026-05-31").model_copy(
        update={"title": "Azure ISO/IEC 27001:2022 Certificate"}
    )
    assert _state("iso-27001-certificate", [named], "2025-01-01", "2025-12-31").state == "on-file"


def test_iso_certificates_run_three_years_at_most() -> None:
    cert = _row("iso-27018-certificate", issued="2021-01-01", expires="2025-12-31")
    s = _state("iso-27018-certificate", [cert], "2023-06-01", "2024-05-31")
    assert s.state == "expired" and s.valid_to == D("2023-12-31")


def test_hitrust_and_irap_count_24_months() -> None:
    letter = _row("hitrust-letter", issued="2022-01-10")
    assert _state("hitrust-letter", [letter], "2023-01-01", "2023-12-31").valid_to == D(
        "2024-01-09"
    )
    irap = _row("irap-assessment-report", issued="2021-01-01")
    s = _state("irap-assessment-report", [irap], "2023-01-01", "2023-12-31")
    assert s.state == "expired" and s.valid_to == D("2022-12-31")


def test_a_document_not_listing_the_service_is_service_not_listed() -> None:
    row = _row(
        "soc-2-report",
        services=("Azure", "Intune"),
        period_start="2023-01-01",
        period_end="2023-12-31",
    )
    s = _state("soc-2-report", [row], "2023-01-01", "2023-12-31")
    assert s.state == "service-not-listed"
    assert s.on_file is not None and s.on_file.row == 2
    assert (
        _state(
            "soc-2-report",
            [row.model_copy(update={"services": ("MMD", "Intune")})],
            "2023-01-01",
            "2023-12-31",
        ).state
        == "on-file"
    )


def test_expiring_within_the_look_ahead_and_next_refresh() -> None:
    cert = _row("iso-27018-certificate", issued="2023-03-01", expires="2026-02-28")
    s = _state("iso-27018-certificate", [cert], "2024-01-01", "2024-12-31", as_of="2026-01-15")
    assert s.state == "on-file"
    assert s.expiring == D("2026-02-28")
    assert s.next_refresh == D("2024-03-01")
    later = _state("iso-27018-certificate", [cert], "2024-01-01", "2024-12-31", as_of="2025-01-15")
    assert later.expiring is None


# ---------------------------------------------------------------------------
# §3: the scope blocker


def _scope_reason() -> Reason:
    return Reason(
        code="scope-claimed", effect="blocks", data={"label": "PCI DSS", "service": MMD.name}
    )


def test_a_document_on_file_lifts_exactly_the_scope_blocker() -> None:
    _, ref = _doc("pci-dss-aoc")
    aoc = _row("pci-dss-aoc", issued="2023-01-01")
    judge = _judge([aoc], "2023-01-01", "2023-12-31")
    out = lift_scope([_scope_reason()], judge, "pci-dss", [ref])
    assert [r.code for r in out] == ["evidence-on-file"]
    assert out[0].effect == "informs" and out[0].data["row"] == "2"
    other = Reason(code="cert-not-listed", effect="blocks")
    assert lift_scope([other], judge, "pci-dss", [ref]) == [other]


@pytest.mark.parametrize(
    ("row", "state"),
    [
        ({"issued": "2022-06-01"}, "expired"),
        ({"issued": "2023-03-01"}, "period-gap"),
    ],
)
def test_evidence_that_falls_short_keeps_the_blocker(row: dict[str, str], state: str) -> None:
    _, ref = _doc("pci-dss-aoc")
    judge = _judge([_row("pci-dss-aoc", **row)], "2023-01-01", "2023-12-31")
    out = lift_scope([_scope_reason()], judge, "pci-dss", [ref])
    assert [r.code for r in out] == ["scope-claimed", "evidence-falls-short"]
    assert out[1].data["state"] == state


def test_the_engine_covers_a_claimed_scope_only_with_evidence_on_file() -> None:
    from assessor.domain.models import Requirement

    req = Requirement(
        source=CellRef(file="w.xlsx", sheet="Requirements", row=2, column="B"),
        business_unit="Payments",
        text="PCI DSS",
        cell_text="PCI DSS",
    )
    period = Period(start=D("2023-01-01"), end=D("2023-12-31"), basis="audit-period")
    plain = engine.assess_requirement(req, Basis.of(CAT, period=period, service=MMD))[0]
    assert plain.status == "partial"
    judge = EvidenceJudge(
        CAT,
        [_row("pci-dss-aoc", issued="2023-01-01")],
        services=(MMD,),
        period=period,
        as_of=D("2024-01-15"),
    )
    lifted = engine.assess_requirement(req, Basis.of(CAT, period=period, service=MMD, judge=judge))[
        0
    ]
    codes = {r.code for r in lifted.reasons}
    assert "scope-claimed" not in codes and "evidence-on-file" in codes
    blockers = [r.code for r in lifted.reasons if r.effect == "blocks"]
    assert lifted.status == ("covered" if not blockers else "partial")
    assert lifted.evidence[0].status is not None and lifted.evidence[0].status.state == "on-file"
