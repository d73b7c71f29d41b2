"""The upload page as analysts use it: filters and sorting by query parameter (no script
needed), progress while a workbook renders, one job per form, the catalog page, the end-of-life
box, the workbook's owner and due date, and plain words."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_web import XLSX, leftovers, make_app, page_text, workbook_bytes

from assessor.views.web_filter import apply_filter, parse_filter

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def fabrikam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """The Fabrikam example (two units audited after MMD's end of life), assessed once."""
    test_client, _ = make_app(tmp_path_factory.mktemp("fabrikam"))
    data = (EXAMPLES / "fabrikam-group.xlsx").read_bytes()
    with test_client:
        response = test_client.post(
            "/assess",
            data={"as_of": "2024-06-30"},
            files={"workbooks": ("fabrikam-group.xlsx", data, XLSX)},
        )
        assert response.status_code == 200, page_text(response.text)
        yield test_client, str(response.url).split("?")[0]


def _rows(body: str) -> list[str]:
    return re.findall(r'<td class="ref" data-label="Ref">(F-\d+)</td>', body)


@pytest.mark.slow
def test_end_of_life_box_is_never_empty(fabrikam: tuple[TestClient, str]) -> None:
    test_client, url = fabrikam
    body = test_client.get(url).text
    boxes = re.findall(r'<p class="warning"><strong>End of life:</strong>(.*?)</p>', body, re.S)
    assert len(boxes) == 2  # Fabrikam Insurance and Fabrikam Payments run past 31 July 2024
    for box in boxes:
        # main's lifecycle: during the period "end of life", before it "retired"
        assert ("end of life" in box or "retired" in box) and len(box.strip()) > 40, box


@pytest.mark.slow
def test_results_show_owner_due_date_and_overdue(fabrikam: tuple[TestClient, str]) -> None:
    test_client, url = fabrikam
    text = page_text(test_client.get(url).text)
    assert "Due 31 May 2024 (overdue)" in text  # before the as-of date 30 June 2024
    assert "Due 30 June 2024" in text and "Due 30 June 2024 (overdue)" not in text
    assert "Scope / notes:" in text and "Evidence needed:" in text


@pytest.mark.slow
def test_filters_and_sort_work_from_the_query_string(fabrikam: tuple[TestClient, str]) -> None:
    test_client, url = fabrikam
    everything = _rows(test_client.get(url).text)
    assert len(everything) == 14  # the Overlay sheet's baseline rows in Finance and Insurance
    partial = test_client.get(f"{url}?status=partial").text
    assert 0 < len(_rows(partial)) < len(everything)
    assert "Showing 8 of 14 findings."  # MMD retired: Payments' rows are gap in page_text(partial)
    covered = test_client.get(f"{url}?status=covered&sort=framework").text
    assert len(_rows(covered)) == 1
    shared = test_client.get(f"{url}?shared=1").text
    assert 'id="f-shared" name="shared" value="1" checked' in shared
    by_status = _rows(test_client.get(f"{url}?sort=status").text)
    assert sorted(by_status) == sorted(everything) and by_status != everything
    none = test_client.get(f"{url}?framework=no-such-framework").text
    assert "matches these filters" in page_text(none)
    junk = test_client.get(f"{url}?status=<x>&sort=%3Cscript%3E&resp=nobody").text
    assert len(_rows(junk)) == 14 and "<x>" not in junk


@pytest.mark.slow
def test_duty_lists_are_collapsed_and_the_portfolio_lists_period_service_and_shared(
    fabrikam: tuple[TestClient, str],
) -> None:
    test_client, url = fabrikam
    body = test_client.get(url).text
    assert "<details open" not in body
    assert "<summary>Your organization must (" in body
    header = re.search(r"<table class=\"overview\">.*?</thead>", body, re.S)
    assert header is not None
    for column in ("Period judged", "Service", "Of which shared"):
        assert column in header.group(0)
    assert 'href="#top">Back to top</a>' in body
    assert "stay available for 1 hour" in page_text(body)


def test_filter_parsing_drops_unknown_values_and_keeps_workbook_order() -> None:
    flt = parse_filter([("status", "gap"), ("status", "bogus"), ("resp", "shared"), ("sort", "x")])
    assert flt.statuses == ("gap",) and flt.responsibilities == ("shared",)
    assert flt.sort == "ref" and flt.active
    assert flt.query() == "status=gap&resp=shared"
    assert apply_filter((), flt) == ()


@pytest.mark.slow
def test_a_long_run_shows_progress_then_its_results(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path, progress_after=0)
    data = workbook_bytes({"Retail Ops": ["ISO 27001", "SOC 2"]})
    with test_client:
        test_client.follow_redirects = False
        response = test_client.post("/assess", files={"workbooks": ("a.xlsx", data, XLSX)})
        assert response.status_code == 303
        location = response.headers["location"]
        assert location.startswith("/progress/")
        page = test_client.get(location)
        assert page.status_code in (200, 303)
        if page.status_code == 200:
            assert page.headers["refresh"] == f"2; url={location}"
            text = page_text(page.text)
            assert "Assessing your workbooks" in text and "s so far" in text
        for _ in range(600):
            page = test_client.get(location)
            if page.status_code == 303:
                break
            time.sleep(0.2)
        assert page.status_code == 303
        assert page.headers["location"] == location.replace("/progress/", "/results/")
        results = test_client.get(page.headers["location"])
        assert "Retail Ops" in page_text(results.text)
    assert sorted(root.rglob("*")) == []


@pytest.mark.slow
def test_the_same_form_sent_twice_runs_one_job(tmp_path: Path) -> None:
    test_client, _ = make_app(tmp_path, progress_after=0)
    data = workbook_bytes({"Retail Ops": ["ISO 27001"]})
    form = {"submission": "form-123"}
    with test_client:
        test_client.follow_redirects = False
        first = test_client.post("/assess", data=form, files={"workbooks": ("a.xlsx", data, XLSX)})
        second = test_client.post("/assess", data=form, files={"workbooks": ("a.xlsx", data, XLSX)})
        assert first.headers["location"] == second.headers["location"]
        location = first.headers["location"]
        for _ in range(600):
            if test_client.get(location).status_code == 303:
                break
            time.sleep(0.2)


def test_catalog_page_lists_and_searches(tmp_path: Path) -> None:
    test_client, _ = make_app(tmp_path)
    with test_client:
        every = test_client.get("/catalog")
        assert every.status_code == 200
        text = page_text(every.text)
        assert "Microsoft Managed Desktop" in text and "Certifications (21)" in text
        assert "Microsoft Intune" in text  # every service profile is listed
        found = page_text(test_client.get("/catalog?q=soc+2").text)
        assert re.search(r"Frameworks: \d+ of \d+ match", found)
        assert "SOC 2" in found
        nothing = page_text(test_client.get("/catalog?q=zzzz-nothing").text)
        assert "No framework matches" in nothing
        held = page_text(test_client.get("/catalog?relation=held").text)
        assert "Not held" not in held.split("Frameworks:")[1]
        assert 'href="/catalog"' in test_client.get("/").text  # linked from the upload page


def test_favicon_dark_mode_and_plain_words(tmp_path: Path) -> None:
    test_client, _ = make_app(tmp_path)
    with test_client:
        icon = test_client.get("/favicon.svg")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        upload = test_client.get("/").text
        assert 'rel="icon" href="/favicon.svg"' in upload
        assert "YYYY-MM-DD" not in upload  # the date field is a date picker
        assert "drop" not in page_text(upload).lower()
        assert "stay in memory for 1 hour" in page_text(upload)
        css = test_client.get("/static/web.css").text
        assert "prefers-color-scheme: dark" in css
        refused = test_client.post("/assess", files={"workbooks": ("a.xlsx", b"plain", XLSX)})
        assert refused.status_code == 415
        assert "HTTP 415" not in page_text(refused.text)
        assert "not an .xlsx workbook" in page_text(refused.text)


def _split_register(unit: str | None = None) -> tuple[bytes, bytes]:
    """Contoso Retail's workbook without its Evidence on file sheet, and that sheet as a
    register workbook of its own (every row's unit set to `unit` when given)."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(EXAMPLES / "contoso-retail.xlsx")
    rows = list(book["Evidence on file"].iter_rows(values_only=True))
    del book["Evidence on file"]
    register = openpyxl.Workbook()
    sheet = register.active
    assert sheet is not None
    sheet.title = "Evidence on file"
    column = rows[0].index("Business unit")
    for n, row in enumerate(rows):
        cells = list(row)
        if unit is not None and n:
            cells[column] = unit
        sheet.append(cells)
    out: list[bytes] = []
    for wb in (book, register):
        buffer = io.BytesIO()
        wb.save(buffer)
        out.append(buffer.getvalue())
    return out[0], out[1]


def _post(
    client: Any, workbook: bytes, register: tuple[str, bytes], as_of: str | None = "2024-06-30"
) -> Any:
    """Upload retail.xlsx with an evidence register beside it."""
    return client.post(
        "/assess",
        data={"as_of": as_of} if as_of else {},
        files=[
            ("workbooks", ("retail.xlsx", workbook, XLSX)),
            ("register", (register[0], register[1], XLSX)),
        ],
    )


def test_an_uploaded_evidence_register_is_checked_against_the_units(tmp_path: Path) -> None:
    import json

    workbook, register = _split_register()
    test_client, _ = make_app(tmp_path)
    with test_client:
        without = test_client.post(
            "/assess",
            data={"as_of": "2024-06-30"},
            files={"workbooks": ("retail.xlsx", workbook, XLSX)},
        )
        response = _post(test_client, workbook, ("register.xlsx", register))
        assert response.status_code == 200, page_text(response.text)
        states = []
        for reply in (without, response):
            link = re.findall(r'href="(/download/[\w-]+/[\w.-]+\.json)"', reply.text)[0]
            report = json.loads(test_client.get(link).content)
            states.append({e["state"] for f in report["findings"] for e in f["evidence"]})
    assert states[0] == {"to-request"}  # no register: every document is to be requested
    assert {"on-file", "expired", "period-gap"} <= states[1]


def test_a_register_naming_a_unit_no_workbook_has_writes_nothing(tmp_path: Path) -> None:
    workbook, register = _split_register(unit="Retail Bankng")
    test_client, root = make_app(tmp_path)
    with test_client:
        response = _post(test_client, workbook, ("register.xlsx", register))
    text = page_text(response.text)
    assert response.status_code == 400, text
    assert "names business units no workbook has" in text and "Retail Bankng" in text
    assert "/download/" not in response.text
    assert leftovers(root) == []  # the uploads' folder is gone too


def test_a_register_that_is_not_a_workbook_is_named(tmp_path: Path) -> None:
    workbook, _ = _split_register()
    test_client, _ = make_app(tmp_path)
    with test_client:
        response = _post(test_client, workbook, ("notes.xlsx", b"hello"), as_of=None)
    assert response.status_code == 415 and "notes.xlsx" in page_text(response.text)
