"""JSON renderer: golden output and byte-identical reruns."""

from __future__ import annotations

import json
from datetime import date

from report_fixtures import check_gold, make_case

from assessor import __version__
from assessor.render import render
from assessor.views.report import build_view


def test_json_matches_gold_for_the_standard_unit(update_gold: bool) -> None:
    assessment, catalog, intake = make_case()
    view = build_view(assessment, catalog, intake=intake, tool_version=__version__)
    check_gold(
        render(view, "json").decode(), "report/unit15.json", update_gold, version=__version__
    )


def test_json_matches_gold_for_a_period_after_end_of_life(update_gold: bool) -> None:
    assessment, catalog, intake = make_case(n=6, period=(date(2024, 7, 1), date(2025, 6, 30)))
    view = build_view(assessment, catalog, intake=intake, tool_version=__version__)
    text = render(view, "json").decode()
    check_gold(text, "report/unit6-after-eol.json", update_gold, version=__version__)
    assert "covered" not in {f["status"] for f in json.loads(text)["findings"]}


def test_json_keeps_unicode_and_sorts_keys() -> None:
    assessment, catalog, intake = make_case(unit="Zürich Ops — 東京", n=2)
    raw = render(build_view(assessment, catalog, intake=intake, tool_version="x"), "json")
    assert "Zürich Ops — 東京".encode() in raw
    data = json.loads(raw)
    assert list(data) == sorted(data)
