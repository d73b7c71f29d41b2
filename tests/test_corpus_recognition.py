"""Recognition on the corpus of real spellings: correctness (no wrong framework, no false
`covered`) and the rate floors reached. The counting lives in bench/bench_corpus.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_corpus.py"

# Floors reached (issue 11 targets: held >= 97%, others >= 90%), per part.
FLOORS = {"dev": (0.97, 0.93), "holdout": (0.97, 0.93)}


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_corpus", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_corpus"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def evaluated() -> tuple[list[object], dict[str, object]]:
    lines, scores = _bench().evaluate()
    return lines, scores


def test_no_corpus_line_is_falsely_covered(
    evaluated: tuple[list[object], dict[str, object]],
) -> None:
    lines, _ = evaluated
    false = [(line.entry["text"], line.false_covered) for line in lines if line.false_covered]  # type: ignore[attr-defined]
    assert false == []


def test_no_corpus_line_resolves_to_a_wrong_framework(
    evaluated: tuple[list[object], dict[str, object]],
) -> None:
    lines, _ = evaluated
    wrong = {line.entry["text"]: line.wrong for line in lines if line.wrong}  # type: ignore[attr-defined]
    assert wrong == {}


def test_negated_and_doubted_lines_are_all_flagged_for_review(
    evaluated: tuple[list[object], dict[str, object]],
) -> None:
    lines, _ = evaluated
    flagged = [line for line in lines if line.entry.get("flag") == "review"]  # type: ignore[attr-defined]
    assert flagged and all(line.right for line in flagged)  # type: ignore[attr-defined]


@pytest.mark.parametrize("part", ["dev", "holdout"])
def test_rate_floors_hold_on_both_parts(
    evaluated: tuple[list[object], dict[str, object]], part: str
) -> None:
    _, scores = evaluated
    score = scores[part]
    held_floor, others_floor = FLOORS[part]
    assert score.held_right / score.held >= held_floor, score  # type: ignore[attr-defined]
    assert score.others_right / score.others >= others_floor, score  # type: ignore[attr-defined]
