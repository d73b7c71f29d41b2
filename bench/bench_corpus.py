"""Recognition on real names: tests/data/corpus.yaml read the way a workbook cell is read.

Each corpus line is split into framework names and each name matched (split_frameworks then
match_text, as intake does), then assessed as a requirement for a period inside MMD's life
(2023-01-01..2023-12-31). Prints, per class and for each part (dev, holdout), the share
resolved right, and for each part and the whole corpus:

- held: lines naming a framework MMD holds, resolved to that framework (so to its certification)
- others: lines naming any other framework, recognized as it
- wrong: lines where a name was matched to a framework the line does not name
- false covered: `covered` findings whose framework is not the one the line names

    .venv/bin/python bench/bench_corpus.py              # the table
    .venv/bin/python bench/bench_corpus.py --failures   # and every line not resolved right

tests/test_corpus_recognition.py imports `evaluate` from here and asserts on its counts.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from assessor.assess import engine
from assessor.assess.basis import Basis
from assessor.catalog.load import load_catalog
from assessor.domain.models import Catalog, CellRef, Match, Period, Requirement
from assessor.recognize import match as recognize

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus.yaml"
PERIOD = Period(start=date(2023, 1, 1), end=date(2023, 12, 31), basis="audit-period")


@dataclass
class Line:
    """One corpus line and what recognition and assessment made of it."""

    entry: dict[str, Any]
    matches: list[Match]
    right: bool
    wrong: list[str]  # framework ids matched that the line does not name
    false_covered: list[str]  # covered findings for frameworks the line does not name
    found: set[str] = field(default_factory=set)


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    """The corpus entries."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = data["corpus"]
    return entries


def _expected(entry: dict[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for item in entry["expect"]:
        fw_id, _, edition = str(item).partition("@")
        out[fw_id] = edition or None
    return out


def judge(entry: dict[str, Any], catalog: Catalog) -> Line:
    """Recognize and assess one line; say whether it resolved right and what went wrong."""
    text = entry["text"]
    expected = _expected(entry)
    allowed = set(expected) | set(entry.get("ambiguous", []))
    matches = recognize.match_cell(text, catalog)
    matched = [
        (c.framework, c.edition) for m in matches if m.status == "matched" for c in m.frameworks
    ]
    found = {fw for fw, _ in matched}
    wrong = sorted(found - allowed)
    if entry.get("flag") == "review":
        right = not matched and any(m.status == "review" for m in matches)
    elif "ambiguous" in entry:
        named = {c.framework for m in matches if m.status == "ambiguous" for c in m.frameworks}
        right = not matched and set(entry["ambiguous"]) <= named
    else:
        editions = dict(matched)
        right = found == set(expected) and all(
            ed is None or editions.get(fw) == ed for fw, ed in expected.items()
        )
    service = catalog.service(None)
    source = CellRef(file="corpus.yaml", sheet="corpus", row=1)
    false_covered: list[str] = []
    for part, m in zip(recognize.split_frameworks(text, catalog), matches, strict=False):
        req = Requirement(source=source, business_unit="corpus", text=part, cell_text=text)
        findings = engine.findings_for_match(
            req, m, Basis.of(catalog, period=PERIOD, service=service)
        )
        false_covered += [
            f.framework.id if f.framework else "?"
            for f in findings
            if f.status == "covered" and (f.framework is None or f.framework.id not in expected)
        ]
    return Line(entry, matches, right, wrong, false_covered, found)


@dataclass
class Score:
    """Counts over a set of lines."""

    lines: int = 0
    right: int = 0
    held: int = 0
    held_right: int = 0
    others: int = 0
    others_right: int = 0
    wrong: int = 0
    false_covered: int = 0

    def add(self, line: Line) -> None:
        entry = line.entry
        expected = _expected(entry)
        self.lines += 1
        self.right += line.right
        self.wrong += bool(line.wrong)
        self.false_covered += bool(line.false_covered)
        if not expected:
            return
        if entry["held"]:
            self.held += 1
            self.held_right += set(expected) <= line.found and not line.wrong
        else:
            self.others += 1
            self.others_right += set(expected) <= line.found and not line.wrong


def evaluate(catalog: Catalog | None = None) -> tuple[list[Line], dict[str, Score]]:
    """Every line judged, and scores keyed "part" and "part/class" ("all" for the whole)."""
    catalog = catalog or load_catalog()
    lines = [judge(e, catalog) for e in load_corpus()]
    scores: dict[str, Score] = defaultdict(Score)
    for line in lines:
        part, cls = line.entry["part"], line.entry["class"]
        for key in ("all", part, f"{part}/{cls}", f"all/{cls}"):
            scores[key].add(line)
    return lines, dict(scores)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "    -"


def main() -> None:
    """Print the table (and the failures when asked)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--failures", action="store_true")
    opts = parser.parse_args()
    lines, scores = evaluate()
    classes = sorted({line.entry["class"] for line in lines})
    print(f"{'class':28} {'dev':>18} {'holdout':>18} {'all':>18}")
    for cls in classes:
        row = [scores.get(f"{p}/{cls}", Score()) for p in ("dev", "holdout", "all")]
        print(f"{cls:28} " + " ".join(f"{_pct(s.right, s.lines):>18}" for s in row))
    print()
    for key in ("dev", "holdout", "all"):
        s = scores[key]
        print(
            f"{key:8} resolved right {_pct(s.right, s.lines)}; held {_pct(s.held_right, s.held)};"
            f" others {_pct(s.others_right, s.others)}; wrong-framework {s.wrong};"
            f" false covered {s.false_covered}"
        )
    if opts.failures:
        print()
        for line in lines:
            if line.right and not line.wrong and not line.false_covered:
                continue
            got = [
                (m.status, [f"{c.framework}@{c.edition}" for c in m.frameworks])
                for m in line.matches
            ]
            e = line.entry
            print(
                f"[{e['part']}/{e['class']}] {e['text']!r} expect {e['expect']}"
                f"{' ambiguous ' + str(e['ambiguous']) if 'ambiguous' in e else ''}"
                f"{' review' if e.get('flag') else ''} -> {got}"
                f"{' WRONG ' + str(line.wrong) if line.wrong else ''}"
                f"{' FALSE-COVERED ' + str(line.false_covered) if line.false_covered else ''}"
            )


if __name__ == "__main__":
    main()
