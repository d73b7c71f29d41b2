"""HTTP-level tests of the upload page: every bad input and limit, headers, and the happy path."""

from __future__ import annotations

import html
import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from assessor.app.web import app as web_app
from assessor.app.web import server, sniff
from assessor.app.web.scripts import csp_hash
from assessor.app.web.settings import WebState
from assessor.app.web.store import Download, ResultStore
from assessor.domain.errors import UsageError

with warnings.catch_warnings():  # starlette 1.x nudges toward httpx2; httpx is what is installed
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED_TODAY = date(2024, 3, 31)
TEST_HOSTS = frozenset({"testserver", "localhost", "127.0.0.1"})


def make_app(tmp_path: Path, **kwargs: object) -> tuple[TestClient, Path]:
    """An app whose private upload folders live under tmp_path/uploads (so tests can look)."""
    root = tmp_path / "uploads"
    root.mkdir(exist_ok=True)
    # progress_after=None: the POST waits for its job, so each test sees the final answer
    options: dict[str, object] = {
        "tmp_root": root,
        "today": lambda: FIXED_TODAY,
        "allowed_hosts": TEST_HOSTS,  # the TestClient's Host
        "progress_after": None,
    }
    options.update(kwargs)
    app = web_app.create_app(**options)  # type: ignore[arg-type]
    return TestClient(app, follow_redirects=True), root


def leftovers(root: Path) -> list[Path]:
    """Everything left in the upload root after a request (must be nothing)."""
    return sorted(root.rglob("*"))


def page_text(body: str) -> str:
    """Visible text of a page, tags stripped and entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    test_client, root = make_app(tmp_path)
    with test_client:
        yield test_client, root


# ---------------------------------------------------------------------------
# The form and the headers


def test_upload_form_has_labelled_fields_and_defaults_to_the_injected_today(
    client: tuple[TestClient, Path],
) -> None:
    test_client, _ = client
    response = test_client.get("/")
    assert response.status_code == 200
    body = response.text
    for field_id in ("workbooks", "organization", "as_of"):
        assert f'<label for="{field_id}"' in body
        assert f'id="{field_id}"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'value="2024-03-31"' in body
    assert 'href="/template.xlsx"' in body
    # usable without JavaScript; the one inline script (send the form once) runs by its hash
    (script,) = re.findall(r"<script>(.*?)</script>", body, flags=re.S)
    assert "<script src" not in body
    assert csp_hash(html.unescape(script)) in response.headers["content-security-policy"]
    assert csp_hash(script) in response.headers["content-security-policy"]


def test_every_response_carries_nosniff_csp_and_referrer_policy(
    client: tuple[TestClient, Path],
) -> None:
    test_client, _ = client
    for path in ("/", "/static/web.css", "/no-such-page", "/results/nope"):
        response = test_client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "http" not in csp, path
        assert response.headers["referrer-policy"] == "same-origin", path


def test_stylesheet_is_served_as_css(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.get("/static/web.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "url(" not in response.text  # no external resource under the CSP


def test_unknown_page_is_a_readable_404(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.get("/etc/passwd")
    assert response.status_code == 404
    assert "Not found" in response.text


# ---------------------------------------------------------------------------
# Size and count limits


def test_oversize_declared_body_gets_413_and_nothing_is_stored(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path, max_upload_bytes=1024)
    with test_client:
        response = test_client.post(
            "/assess",
            files={"workbooks": ("big.xlsx", b"PK\x03\x04" + b"x" * 4096, XLSX)},
        )
    assert response.status_code == 413
    assert "larger than the limit of 1 KB" in page_text(response.text)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert leftovers(root) == []


def test_oversize_streamed_body_without_length_gets_413(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path, max_upload_bytes=1024)

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"y" * 512

    with test_client:
        response = test_client.post(
            "/assess",
            content=chunks(),
            headers={"content-type": "multipart/form-data; boundary=xyz"},
        )
    assert response.status_code == 413
    assert leftovers(root) == []


def test_body_within_the_limit_is_parsed(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path, max_upload_bytes=64 * 1024)
    with test_client:
        response = test_client.post("/assess", files={"workbooks": ("notes.xlsx", b"hello", XLSX)})
    assert response.status_code == 415  # reached the sniffing, so the body was accepted
    assert leftovers(root) == []


def test_too_many_files_is_refused_with_the_limit_named(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path, max_files=2)
    files = [("workbooks", (f"w{i}.xlsx", b"PK\x03\x04", XLSX)) for i in range(3)]
    with test_client:
        response = test_client.post("/assess", files=files)
    assert response.status_code == 400
    assert "at most 2 workbooks" in page_text(response.text)
    assert leftovers(root) == []
    # the register's own file part (sent empty when none is chosen) never counts against it
    two = [*files[:2], ("register", ("", b"", "application/octet-stream"))]
    with test_client:
        response = test_client.post("/assess", files=two)
    assert "Too many files" not in page_text(response.text)


def test_too_many_fields_is_refused(client: tuple[TestClient, Path]) -> None:
    test_client, root = client
    data = {f"field{i}": "x" for i in range(20)}
    response = test_client.post(
        "/assess", data=data, files={"workbooks": ("a.xlsx", b"PK\x03\x04", XLSX)}
    )
    assert response.status_code == 400
    assert "Too many fields" in response.text
    assert leftovers(root) == []


def test_no_workbook_chosen_says_so(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.post(
        "/assess",
        data={"organization": "Contoso"},
        files={"workbooks": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 400
    assert "Choose at least one Excel workbook" in response.text


def test_bad_as_of_date_is_named(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.post(
        "/assess",
        data={"as_of": "31/03/2024"},
        files={"workbooks": ("a.xlsx", b"PK\x03\x04", XLSX)},
    )
    assert response.status_code == 400
    assert "expected a date as YYYY-MM-DD" in page_text(response.text)


# ---------------------------------------------------------------------------
# Content identified from its bytes


def test_non_workbook_bytes_named_xlsx_get_415(client: tuple[TestClient, Path]) -> None:
    test_client, root = client
    response = test_client.post(
        "/assess",
        files={"workbooks": ("report.xlsx", b"<html><body>not a workbook</body></html>", XLSX)},
    )
    assert response.status_code == 415
    text = page_text(response.text)
    assert "report.xlsx: not an .xlsx workbook: the file is an HTML or XML document" in text
    assert leftovers(root) == []


def test_empty_upload_gets_415(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.post("/assess", files={"workbooks": ("empty.xlsx", b"", XLSX)})
    assert response.status_code == 415
    assert "empty.xlsx: the file is empty (0 bytes)" in page_text(response.text)


OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")


def test_encrypted_ole2_workbook_gets_415_saying_remove_the_password(
    client: tuple[TestClient, Path],
) -> None:
    test_client, root = client
    encrypted = OLE2 + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
    response = test_client.post("/assess", files={"workbooks": ("locked.xlsx", encrypted, XLSX)})
    assert response.status_code == 415
    text = page_text(response.text)
    assert "locked.xlsx: the workbook is password-protected (encrypted)" in text
    assert "remove the password" in text
    assert leftovers(root) == []


def test_legacy_xls_renamed_xlsx_gets_415_saying_save_as_xlsx(
    client: tuple[TestClient, Path],
) -> None:
    test_client, _ = client
    response = test_client.post(
        "/assess", files={"workbooks": ("old.xlsx", OLE2 + b"\x00" * 504, XLSX)}
    )
    assert response.status_code == 415
    assert "legacy Excel 97-2003 .xls" in page_text(response.text)


def test_zip_that_is_not_a_workbook_gets_415(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    response = test_client.post(
        "/assess", files={"workbooks": ("letter.xlsx", buffer.getvalue(), XLSX)}
    )
    assert response.status_code == 415
    assert "not an Excel workbook: a Word document" in page_text(response.text)


def test_truncated_zip_gets_400(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.post(
        "/assess", files={"workbooks": ("cut.xlsx", _tiny_zip()[:40], XLSX)}
    )
    assert response.status_code == 400
    assert "cut.xlsx: not a valid .xlsx" in page_text(response.text)


def test_client_mime_type_is_not_trusted(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.post(
        "/assess", files={"workbooks": ("page.html", b"<script>alert(1)</script>", XLSX)}
    )
    assert response.status_code == 415
    assert "<script>alert(1)" not in response.text


def test_path_traversal_filename_is_stored_under_a_server_name_and_shown_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored: list[Path] = []
    original = sniff.save_upload

    modes: list[tuple[int, int]] = []

    def spy(upload: object, dest: Path) -> bytes:
        stored.append(dest)
        data = original(upload, dest)  # type: ignore[arg-type]
        modes.append((dest.parent.stat().st_mode & 0o777, dest.stat().st_mode & 0o777))
        return data

    monkeypatch.setattr(sniff, "save_upload", spy)
    test_client, root = make_app(tmp_path)
    evil = "../../../etc/cron.d/<img src=x onerror=alert(1)>evil.xlsx"
    with test_client:
        response = test_client.post(
            "/assess", files={"workbooks": (evil, b"not a zip at all", XLSX)}
        )
    assert response.status_code == 415
    assert len(stored) == 1
    assert stored[0].parent.parent == root
    assert stored[0].name == "upload-01.xlsx"
    assert modes == [(0o700, 0o600)]  # a private folder, a private file
    assert not (tmp_path / "etc").exists()
    assert "<img" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;evil.xlsx" in response.text
    assert "../" not in page_text(response.text)
    assert str(root) not in response.text
    assert leftovers(root) == []


@pytest.mark.parametrize(
    ("client_name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\Desktop\\req.xlsx", "req.xlsx"),
        ("a\x00b\x1b.xlsx", "ab.xlsx"),
        ("", "workbook 3"),
        ("/", "workbook 3"),
    ],
)
def test_display_name_keeps_only_the_last_part(client_name: str, shown: str) -> None:
    assert sniff.display_name(client_name, 3) == shown


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": "http://testserver"},
    ],
)
def test_cross_site_post_is_refused(
    client: tuple[TestClient, Path], headers: dict[str, str]
) -> None:
    test_client, root = client
    response = test_client.post(
        "/assess", headers=headers, files={"workbooks": ("a.xlsx", b"PK\x03\x04", XLSX)}
    )
    assert response.status_code == 403
    assert leftovers(root) == []


def test_same_origin_browser_post_is_accepted(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.post(
        "/assess",
        headers={"origin": "http://testserver", "sec-fetch-site": "same-origin"},
        files={"workbooks": ("a.txt", b"plain text", XLSX)},
    )
    assert response.status_code == 415  # past the origin check, refused for its content


# ---------------------------------------------------------------------------
# Busy server


def test_more_requests_than_workers_get_a_clear_503(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path, workers=1, queue_wait=0.05)
    state: WebState = test_client.app.state.web  # type: ignore[attr-defined]
    state._catalog = _stub_catalog()
    assert state.slots.acquire(timeout=1)  # another upload holds the only worker
    try:
        with test_client:
            response = test_client.post(
                "/assess", files={"workbooks": ("a.xlsx", _tiny_zip(), XLSX)}
            )
    finally:
        state.slots.release()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert "busy" in page_text(response.text)
    assert leftovers(root) == []


@pytest.mark.slow
def test_a_request_waits_for_a_worker_that_frees_up(tmp_path: Path) -> None:
    import threading

    test_client, root = make_app(tmp_path, workers=1, queue_wait=60)
    state: WebState = test_client.app.state.web  # type: ignore[attr-defined]
    assert state.slots.acquire(timeout=1)  # another upload holds the only worker...
    timer = threading.Timer(0.5, state.slots.release)  # ...and finishes while this one waits
    data = workbook_bytes({"Retail Ops": ["ISO 27001"]})
    with test_client:
        timer.start()
        response = test_client.post("/assess", files={"workbooks": ("a.xlsx", data, XLSX)})
    timer.join()
    assert response.status_code == 200
    assert "Retail Ops" in page_text(response.text)
    assert state.slots.acquire(blocking=False)  # the slot came back after the request
    assert leftovers(root) == []


def _tiny_zip() -> bytes:
    """A zip that passes the magic-byte sniff (the busy check comes before any worker)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _stub_catalog() -> object:
    """Any object: the busy path never hands the catalog to a worker."""
    return object()


# ---------------------------------------------------------------------------
# Downloads and the store


def test_download_is_an_attachment_with_nosniff(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    state: WebState = test_client.app.state.web  # type: ignore[attr-defined]
    token = state.store.new_token()
    state.store.put(
        token,
        "<p>page</p>",
        {"unit.json": Download("unit.json", b'{"a": 1}', "application/json")},
    )
    response = test_client.get(f"/download/{token}/unit.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="unit.json"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert json.loads(response.content) == {"a": 1}
    assert test_client.get(f"/download/{token}/other.json").status_code == 404
    assert test_client.get(f"/download/{token}/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert test_client.get("/download/not-a-token/unit.json").status_code == 404


def test_store_expires_results_and_keeps_within_its_size_cap() -> None:
    now = [0.0]
    store = ResultStore(ttl=10, max_bytes=100, max_entries=5, clock=lambda: now[0])
    blob = Download("a.pdf", b"x" * 60, "application/pdf")
    store.put("one", "", {"a.pdf": blob})
    store.put("two", "", {"a.pdf": blob})
    assert store.get("one") is None  # evicted: two results exceed 100 bytes
    assert store.get("two") is not None
    now[0] = 11.0
    assert store.get("two") is None  # expired
    assert len(store) == 0


def test_serve_refuses_bad_limits() -> None:
    with pytest.raises(UsageError):
        server.serve(host="127.0.0.1", port=8000, max_upload_mb=0, workers=1)
    with pytest.raises(UsageError):
        server.serve(host="127.0.0.1", port=8000, max_upload_mb=5, workers=0)


def test_serve_warns_when_binding_beyond_localhost(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    server.serve(host="0.0.0.0", port=8123, max_upload_mb=5, workers=1)
    server.serve(host="127.0.0.1", port=8124, max_upload_mb=5, workers=1)
    err = capsys.readouterr().err
    assert err.count("warning: binding to 0.0.0.0") == 1
    assert [c["host"] for c in calls] == ["0.0.0.0", "127.0.0.1"]


# ---------------------------------------------------------------------------
# The happy path: a generated workbook through intake, engine and renderers in a worker

UNIT_HEADERS = ["Business unit", "Owner", "Auditor", "Audit period start", "Audit period end"]


def workbook_bytes(units: dict[str, list[str]]) -> bytes:
    """A template-shaped workbook: one Requirements row per framework, audit periods in 2023/24."""
    from assessor.render import xlsxio

    wb = xlsxio.new_workbook()
    rows: list[list[str | date | None]] = [
        [unit, framework, None] for unit, frameworks in units.items() for framework in frameworks
    ]
    xlsxio.write_table(wb, "Requirements", ["Business unit", "Framework", "Version"], rows)
    periods: list[list[str | date | None]] = [
        [unit, "Dana Whitfield", "Northwind Assurance", date(2023, 7, 1), date(2024, 6, 30)]
        for unit in units
    ]
    xlsxio.write_table(wb, "Business units", UNIT_HEADERS, periods)
    return xlsxio.workbook_bytes(wb)


@pytest.fixture(scope="module")
def happy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path, object]]:
    """One upload of a generated two-framework workbook, assessed once for several tests."""
    tmp_path = tmp_path_factory.mktemp("happy")
    test_client, root = make_app(tmp_path)
    data = workbook_bytes({"Retail Ops": ["ISO/IEC 27001:2013", "SOC2 Type II", "Made-up Act"]})
    with test_client:
        response = test_client.post(
            "/assess",
            data={"organization": "Contoso <Group>", "as_of": "2024-06-30"},
            files={"workbooks": ("../secret/<requirements>.xlsx", data, "text/plain")},
        )
        yield test_client, root, response


@pytest.mark.slow
def test_happy_path_shows_findings_and_links_every_format(
    happy: tuple[TestClient, Path, object],
) -> None:
    _, root, response = happy
    assert response.status_code == 200, page_text(response.text)  # type: ignore[attr-defined]
    assert "/results/" in str(response.url)  # type: ignore[attr-defined]
    body: str = response.text  # type: ignore[attr-defined]
    text = page_text(body)
    assert "Results for Contoso <Group>" in text
    assert "Contoso &lt;Group&gt;" in body  # escaped, never markup
    assert "Retail Ops" in text
    assert "<requirements>.xlsx" in text and "../secret" not in text
    assert "ISO/IEC 27001:2013" in text and "Made-up Act" in text
    assert "Not recognized" in text
    for ext in ("pdf", "xlsx", "json", "docx"):
        assert re.search(rf'href="/download/[\w-]+/retail-ops\.{ext}"', body), ext
    assert str(root) not in body and "upload-01" not in body
    assert leftovers(root) == []


@pytest.mark.slow
def test_happy_path_downloads_are_attachments_and_name_no_server_path(
    happy: tuple[TestClient, Path, object],
) -> None:
    test_client, root, response = happy
    body: str = response.text  # type: ignore[attr-defined]
    links = re.findall(r'href="(/download/[\w-]+/[\w.-]+)"', body)
    assert {link.rsplit(".", 1)[1] for link in links} == {"pdf", "xlsx", "json", "docx"}
    for link in links:
        download = test_client.get(link)
        assert download.status_code == 200, link
        assert download.headers["content-disposition"].startswith("attachment; filename=")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert str(root).encode() not in download.content
        assert b"upload-01" not in download.content
    report = json.loads(test_client.get(next(x for x in links if x.endswith(".json"))).content)
    assert report["business_unit"] == "Retail Ops"
    assert report["organization"] == "Contoso <Group>"
    assert report["as_of"] == "2024-06-30"
    pdf = test_client.get(next(x for x in links if x.endswith(".pdf"))).content
    assert pdf.startswith(b"%PDF-")


def _shared_unit_upload() -> list[tuple[str, tuple[str, bytes, str]]]:
    """Finance in two workbooks, beside a unit of each and a file that is no workbook."""
    first = workbook_bytes({"Finance": ["ISO 27001"], "Fin/Ops": ["HIPAA"]})
    second = workbook_bytes({"finance": ["PCI DSS"], "Retail": ["SOC 2"]})
    return [
        ("workbooks", ("first.xlsx", first, XLSX)),
        ("workbooks", ("second.xlsx", second, XLSX)),
        ("workbooks", ("broken.xlsx", b"not a workbook", XLSX)),
    ]


@pytest.mark.slow
def test_a_unit_in_two_workbooks_is_an_error_naming_both_and_the_rest_give_a_portfolio(
    tmp_path: Path,
) -> None:
    test_client, root = make_app(tmp_path)
    with test_client:
        response = test_client.post(
            "/assess", data={"as_of": "2024-06-30"}, files=_shared_unit_upload()
        )
        assert response.status_code == 200
        text = page_text(response.text)
        assert "broken.xlsx: not an .xlsx workbook" in text
        (line,) = re.findall(r"business unit 'Finance' is in more than one input: [^;]*", text)
        assert "first.xlsx" in line and "second.xlsx" in line
        assert "merge a business unit found in several workbooks" in text
        links = re.findall(r'href="(/download/[\w-]+/[\w.-]+)"', response.text)
        assert not any("finance" in link for link in links)
        zips = [link for link in links if link.endswith(".zip")]
        assert len(zips) == 1
        archive = zipfile.ZipFile(io.BytesIO(test_client.get(zips[0]).content))
        names = archive.namelist()
        assert sorted(n for n in names if n.endswith(".pdf")) == [
            "fin-ops.pdf",
            "portfolio.pdf",
            "retail.pdf",
        ]
        assert len(set(names)) == len(names)
    assert leftovers(root) == []


@pytest.mark.slow
def test_merge_checkbox_assesses_a_shared_unit_as_one(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path)
    with test_client:
        response = test_client.post(
            "/assess",
            data={"as_of": "2024-06-30", "merge_units": "on"},
            files=_shared_unit_upload(),
        )
        assert response.status_code == 200
        assert "more than one input" not in page_text(response.text)
        links = re.findall(r'href="(/download/[\w-]+/[\w.-]+)"', response.text)
        (report,) = [link for link in links if link.endswith("/finance.json")]
        findings = json.loads(test_client.get(report).content)["findings"]
        assert {f["source"]["file"] for f in findings} == {"first.xlsx", "second.xlsx"}
        (zipped,) = [link for link in links if link.endswith(".zip")]
        archive = zipfile.ZipFile(io.BytesIO(test_client.get(zipped).content))
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 4
    assert leftovers(root) == []


@pytest.mark.slow
def test_unreadable_workbook_shows_the_cli_message_with_400(tmp_path: Path) -> None:
    from assessor.catalog.load import load_catalog
    from assessor.domain.errors import InputError
    from assessor.intake.workbook import read_workbook
    from assessor.render import xlsxio

    wb = xlsxio.new_workbook()
    xlsxio.write_table(wb, "Notes", ["Nothing", "Useful"], [["a", "b"]])
    data = xlsxio.workbook_bytes(wb)
    local = tmp_path / "notes.xlsx"
    local.write_bytes(data)
    with pytest.raises(InputError) as raised:
        read_workbook(local, load_catalog(), display_name="notes.xlsx")
    cli_lines = [line.strip() for line in raised.value.lines()]
    test_client, root = make_app(tmp_path)
    with test_client:
        response = test_client.post("/assess", files={"workbooks": ("notes.xlsx", data, XLSX)})
    assert response.status_code == 400
    text = page_text(response.text)
    for line in cli_lines:
        # the page words the CLI's `assessor template` hint as a link to the template download
        wanted = line.removeprefix("hint: ").replace(" (or start from `assessor template`)", "")
        assert wanted in text, line
    assert "`assessor template`" not in text
    assert re.search(r'<a href="/template.xlsx"[^>]*>Or start from the blank', response.text)
    assert leftovers(root) == []


@pytest.mark.slow
def test_a_render_past_the_time_limit_is_stopped_with_503(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path, render_timeout=0.001)
    data = workbook_bytes({"Retail Ops": ["ISO 27001"]})
    with test_client:
        response = test_client.post("/assess", files={"workbooks": ("slow.xlsx", data, XLSX)})
    assert response.status_code == 503
    assert "took longer than 0.001 s and was stopped" in page_text(response.text)
    assert leftovers(root) == []


@pytest.mark.slow
def test_template_download_is_an_xlsx_attachment(client: tuple[TestClient, Path]) -> None:
    test_client, _ = client
    response = test_client.get("/template.xlsx")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"PK\x03\x04")


@pytest.mark.slow
def test_a_worker_past_the_memory_cap_is_stopped_with_a_clear_message(tmp_path: Path) -> None:
    test_client, root = make_app(tmp_path, memory_limit_mb=64)
    data = workbook_bytes({"Retail Ops": ["ISO 27001"]})
    with test_client:
        response = test_client.post("/assess", files={"workbooks": ("big.xlsx", data, XLSX)})
    # Python code out of memory raises MemoryError (400); a C library aborts instead (500).
    text = page_text(response.text)
    if response.status_code == 400:
        assert "needed more than 64 MB of memory and was stopped" in text
    else:
        assert response.status_code == 500
        assert "out of its 64 MB memory cap" in text
    assert leftovers(root) == []


def test_zip_entry_count_reads_the_end_record() -> None:
    assert sniff.zip_entry_count(_tiny_zip()) == 2
    assert sniff.zip_entry_count(b"PK\x03\x04 no end record") is None


@pytest.mark.slow
def test_a_zip_declaring_thousands_of_members_is_left_to_the_worker_and_rejected(
    client: tuple[TestClient, Path],
) -> None:
    test_client, root = client
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(sniff.MAX_PARENT_ZIP_ENTRIES + 1):
            archive.writestr(f"junk/{i}.txt", "")
    response = test_client.post(
        "/assess", files={"workbooks": ("many.xlsx", buffer.getvalue(), XLSX)}
    )
    assert response.status_code == 400
    assert "many.xlsx: the archive holds 2001 members" in page_text(response.text)
    assert leftovers(root) == []
