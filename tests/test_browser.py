"""End to end in headless Chromium: upload an example workbook, read findings, get the PDF."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
# Where a copy of each page's screenshot is kept when set (for looking at it by eye).
SCREENSHOT_DIR = os.environ.get("ASSESSOR_SCREENSHOT_DIR")


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(scripts/system-deps.sh --browser) to run the browser test"
        )
        print(f"SKIP: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The upload app under uvicorn in a thread, on a free localhost port."""
    _require_chromium()
    import uvicorn

    from assessor.app.web.app import create_app

    root = tmp_path_factory.mktemp("uploads")
    app = create_app(tmp_root=root, today=lambda: date(2024, 6, 30), workers=2)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    assert sorted(root.iterdir()) == [], "an upload folder was left behind"


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's chromium driven by Playwright, with a fresh profile folder."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
        )
        # Rendering several units takes seconds on a quiet machine and much longer on a busy,
        # shared one: a click that submits waits for its navigation as long as the test does.
        context.set_default_timeout(180_000)
        try:
            yield context
        finally:
            context.close()


def _serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n.get("target")) for n in v.get("nodes", [])[:3])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def _screenshot(page: Any, name: str, tmp_path: Path) -> None:
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 0
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(SCREENSHOT_DIR) / name)


def _submit_and_wait(page: Any, timeout: int = 180_000) -> None:
    """Send the upload form and follow the progress page until the results are there."""
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/results/" in url, timeout=timeout)


def test_upload_page_passes_axe_and_is_keyboard_operable(
    server: str, browser_context: Any, tmp_path: Path
) -> None:
    page = browser_context.new_page()
    page.goto(f"{server}/")
    assert page.title().startswith("Assess a requirements workbook")
    assert _serious_violations(page) == []
    _screenshot(page, "upload.png", tmp_path)
    # Tab through the page: the skip link, then every form control in order, then submit.
    focused: list[str] = []
    for _ in range(20):  # skip link, site links, fields (a date has a stop per part), button
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    for control in ("workbooks", "organization", "as_of", "pdf_full", "merge_units"):
        assert control in focused, focused
    assert "BUTTON" in focused, focused
    page.close()


def test_upload_an_example_shows_findings_and_downloads_a_pdf_naming_the_unit(
    server: str, browser_context: Any, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    page = browser_context.new_page()
    page.goto(f"{server}/")
    page.set_input_files("#workbooks", str(EXAMPLES / "contoso-retail.xlsx"))
    page.fill("#organization", "Contoso Group")
    page.fill("#as_of", "2024-06-30")
    _submit_and_wait(page)
    assert "/results/" in page.url, page.inner_text("main")
    assert page.locator("h2", has_text="Contoso Retail").count() >= 1
    table = page.locator("table.findings")
    assert table.count() == 1
    assert table.locator("tbody tr").count() >= 5
    assert page.locator(".badge.status-covered").count() >= 1
    assert _serious_violations(page) == []
    _screenshot(page, "results.png", tmp_path)

    with page.expect_download() as download_info:
        page.click("a.button:has-text('PDF report')")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join(pg.extract_text() or "" for pg in PdfReader(io.BytesIO(data)).pages)
    assert "Contoso Retail" in text
    page.close()


def test_several_units_give_a_portfolio_and_a_zip(
    server: str, browser_context: Any, tmp_path: Path
) -> None:
    import zipfile

    page = browser_context.new_page()
    page.goto(f"{server}/")
    page.set_input_files("#workbooks", str(EXAMPLES / "fabrikam-group.xlsx"))
    page.fill("#as_of", "2024-06-30")
    _submit_and_wait(page)
    assert "/results/" in page.url, page.inner_text("main")
    assert page.locator("table.overview tbody tr").count() >= 3
    assert _serious_violations(page) == []
    _screenshot(page, "results-portfolio.png", tmp_path)
    with page.expect_download() as download_info:
        page.click("a.button:has-text('Every report (zip)')")
    names = zipfile.ZipFile(download_info.value.path()).namelist()
    assert sum(name.endswith(".pdf") for name in names) >= 3
    page.close()


def test_a_bad_upload_shows_the_cli_message_readably(
    server: str, browser_context: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "requirements.xlsx"
    bad.write_text("Business unit,Framework\nRetail,ISO 27001\n", encoding="utf-8")
    page = browser_context.new_page()
    page.goto(f"{server}/")
    page.set_input_files("#workbooks", str(bad))
    with page.expect_navigation(timeout=60_000) as navigation:
        page.click("button[type=submit]")
    assert navigation.value.status == 415
    main = page.inner_text("main")
    assert "requirements.xlsx: not an .xlsx workbook: the file is text (CSV?)" in main
    assert "save the sheet as Excel Workbook (.xlsx)" in main
    assert _serious_violations(page) == []
    _screenshot(page, "error.png", tmp_path)
    page.close()


# ---------------------------------------------------------------------------
# Working with the findings (issue 14)


@pytest.fixture(scope="module")
def fabrikam_results(server: str, browser_context: Any) -> Iterator[str]:
    """The Fabrikam example uploaded once; its results URL (after the progress page)."""
    page = browser_context.new_page()
    page.goto(f"{server}/")
    page.set_input_files("#workbooks", str(EXAMPLES / "fabrikam-group.xlsx"))
    page.fill("#as_of", "2024-06-30")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/results/" in url, timeout=180_000)
    url = page.url
    page.close()
    yield url


def _refs(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("table.findings td.ref").all_inner_texts()]


def test_the_upload_form_is_sent_once(server: str, browser_context: Any) -> None:
    page = browser_context.new_page()
    page.goto(f"{server}/")
    # Hold the form back after the page's own handler has run (a listener on window runs last).
    page.evaluate(
        "window.addEventListener('submit', e => { window.sent = (window.sent || 0) + 1;"
        " e.preventDefault(); })"
    )
    page.set_input_files("#workbooks", str(EXAMPLES / "contoso-retail.xlsx"))
    page.click("button[type=submit]")
    button = page.locator("button[type=submit]")
    assert button.is_disabled()
    assert button.inner_text() == "Uploading\u2026"
    assert "Uploading the workbooks" in page.inner_text("#submit-status")
    page.evaluate("document.querySelector('form[data-once]').requestSubmit()")
    assert page.evaluate("window.sent") == 2  # both events seen...
    assert page.evaluate("document.querySelector('form[data-once]').dataset.sent") == "1"
    page.close()


def test_progress_page_says_what_it_is_doing_and_passes_axe(
    server: str, browser_context: Any, tmp_path: Path
) -> None:
    page = browser_context.new_page()
    page.goto(f"{server}/")
    page.set_input_files("#workbooks", str(EXAMPLES / "northwind-applicability.xlsx"))
    page.fill("#as_of", "2024-06-30")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/progress/" in url or "/results/" in url, timeout=60_000)
    if "/progress/" in page.url:
        status = page.locator("p.doing").inner_text()
        assert "s so far" in status
        assert any(word in status for word in ("Reading", "Writing", "Preparing", "Starting"))
        assert _serious_violations(page) == []
        _screenshot(page, "working.png", tmp_path)
    page.wait_for_url(lambda url: "/results/" in url, timeout=180_000)
    assert page.locator("table.findings").count() == 3
    page.close()


def test_filters_sort_and_shared_only_by_keyboard_without_script(
    fabrikam_results: str, browser_context: Any, tmp_path: Path
) -> None:
    page = browser_context.new_page()
    page.goto(fabrikam_results)
    every = _refs(page)
    assert len(every) == 14  # Finance and Insurance each gain the Overlay sheet's baseline row
    # Check "Partial" with the keyboard and send the filter form with Enter.
    page.focus("#f-status-partial")
    page.keyboard.press("Space")
    page.select_option("#f-sort", "framework")
    page.focus(".filter-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "status=partial" in page.url and "sort=framework" in page.url
    partial = _refs(page)
    assert 0 < len(partial) < len(every)
    badges = page.locator("table.findings .badge").all_inner_texts()
    assert all("Partial" in b for b in badges)
    assert page.locator("#f-status-partial").is_checked()  # the form keeps the choice
    assert "Showing 8 of 14 findings." in page.inner_text(".filter-summary")
    assert _serious_violations(page) == []
    _screenshot(page, "results-filtered.png", tmp_path)
    # Shared items only, sorted worst first.
    page.goto(f"{fabrikam_results}?shared=1&sort=status")
    shared = page.locator("table.findings tr.finding")
    assert shared.count() >= 1
    assert all(
        "SHARED" in t
        for t in page.locator("table.findings tr.finding td:nth-child(5)").all_inner_texts()
    )
    # Duty lists start collapsed and open from the keyboard.
    details = page.locator("td.detail details").first
    assert details.get_attribute("open") is None
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    assert details.get_attribute("open") is not None
    page.close()


def test_narrow_screen_shows_cards_without_sideways_scrolling(
    fabrikam_results: str, browser_context: Any, tmp_path: Path
) -> None:
    page = browser_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(fabrikam_results)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table_width = page.evaluate("document.querySelector('table.findings').scrollWidth")
    assert table_width <= 390, table_width
    assert page.locator("table.findings thead").first.bounding_box()["height"] <= 1  # type: ignore[index]
    first = page.locator("table.findings tr.finding").first
    assert first.evaluate("e => getComputedStyle(e).display") == "block"
    assert page.locator("p.warning").first.inner_text().strip() != "End of life:"
    assert _serious_violations(page) == []
    _screenshot(page, "results-phone.png", tmp_path)
    page.close()


def test_catalog_page_searches_and_passes_axe(
    server: str, browser_context: Any, tmp_path: Path
) -> None:
    page = browser_context.new_page()
    page.goto(f"{server}/")
    with page.expect_navigation():
        page.click("main a[href='/catalog']")
    page.fill("#q", "27001")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=27001" in page.url
    assert "ISO/IEC 27001" in page.inner_text("section[aria-labelledby=fw-heading]")
    assert _serious_violations(page) == []
    _screenshot(page, "catalog.png", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/catalog")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert _serious_violations(page) == []
    page.close()
