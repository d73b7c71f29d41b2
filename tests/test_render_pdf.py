"""PDF renderer: extracted text, page numbers, determinism, variants, locked-down fetcher."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from pypdf import PdfReader
from report_fixtures import HOSTILE, make_case
from weasyprint.urls import FatalURLFetchingError

from assessor.catalog.resources import templates_dir
from assessor.domain.errors import RenderError
from assessor.render import RenderOptions, render
from assessor.render.pdf import SafeFetcher, html_to_pdf
from assessor.views.report import ReportView, build_view

pytestmark = pytest.mark.slow


def _view(**kw: object) -> ReportView:
    assessment, catalog, intake = make_case(**kw)  # type: ignore[arg-type]
    return build_view(assessment, catalog, intake=intake, tool_version="0.1.0")


def _text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() or "" for page in reader.pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def standard_pdf() -> bytes:
    return render(_view(), "pdf")


def test_pdf_text_shows_statuses_shared_marks_unit_and_evidence(standard_pdf: bytes) -> None:
    _, pages = _text(standard_pdf)
    text = _flat(" ".join(pages))
    for label in ("Covered", "Partial", "Gap", "Not recognized"):
        assert label in text
    assert text.count("SHARED") >= 10
    assert "Retail Banking" in pages[0]
    assert "Contoso Group" in pages[0]
    assert "SOC 2 Type 2 report" in text
    assert "Attestation of Compliance (AOC)" in text
    assert "Microsoft Managed Desktop reached end of life on 31 July 2024" in _flat(pages[0])


def test_framework_detail_cites_certification_blocks_with_their_page(standard_pdf: bytes) -> None:
    _, pages = _text(standard_pdf)
    text = _flat(" ".join(pages))
    numbers = re.findall(r"C-01 ISO/IEC 27001 \(page (\d+)\)", text)
    assert numbers, "no page reference to the ISO/IEC 27001 block"
    page = int(numbers[0])
    assert "C-01 ISO/IEC 27001" in _flat(pages[page - 1])
    assert "Standard" in _flat(pages[page - 1])


def test_every_page_says_page_n_of_m(standard_pdf: bytes) -> None:
    reader, pages = _text(standard_pdf)
    total = len(reader.pages)
    assert total > 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page


def test_running_header_names_organization_and_unit_after_the_cover(standard_pdf: bytes) -> None:
    _, pages = _text(standard_pdf)
    assert "Contoso Group" in pages[2] and "Retail Banking" in pages[2]


def test_pdf_has_title_subject_bookmarks_and_embedded_fonts(standard_pdf: bytes) -> None:
    reader, _ = _text(standard_pdf)
    meta = reader.metadata
    assert meta is not None
    assert meta.title and "Retail Banking" in meta.title
    assert meta.subject and "Contoso Group" in meta.subject
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    for chapter in (
        "Executive summary",
        "Findings",
        "Framework detail",
        "Certifications relied on",
        "Customer responsibilities",
        "Evidence request list",
    ):
        assert chapter in titles
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            desc = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(desc["/FontName"]))
    assert any("DejaVu" in f for f in fonts)


def test_same_view_gives_byte_identical_pdf(standard_pdf: bytes) -> None:
    assert render(_view(), "pdf") == standard_pdf


def test_pdf_a_embeds_json_and_source_workbook_and_stays_reproducible() -> None:
    options = RenderOptions(pdf_variant="a", source_bytes=b"PK\x03\x04fake", source_name="in.xlsx")
    first = render(_view(n=3), "pdf", options)
    assert first == render(_view(n=3), "pdf", options)
    reader = PdfReader(io.BytesIO(first))
    names = sorted(reader.attachments)
    assert names == ["in.xlsx", "retail-banking-assessment.json"]
    assert reader.attachments["in.xlsx"] == [b"PK\x03\x04fake"]
    xmp = reader.xmp_metadata
    assert xmp is not None and b"pdfaid" in xmp.stream.get_data()


def test_pdf_ua_is_tagged() -> None:
    pdf = render(_view(n=3), "pdf", RenderOptions(pdf_variant="ua"))
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert pdf == render(_view(n=3), "pdf", RenderOptions(pdf_variant="ua"))


def test_plain_pdf_has_no_attachments(standard_pdf: bytes) -> None:
    assert PdfReader(io.BytesIO(standard_pdf)).attachments == {}


# ---------------------------------------------------------------------------
# Hostile input: nothing fetched, nothing attached, text shown literally


class _Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"FETCHED-BODY")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    _Counter.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_hostile_strings_in_every_user_field_are_neither_fetched_nor_attached(
    server: int, tmp_path: Path
) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-7f3a9")
    payloads = [p.replace("{port}", str(server)) for p in HOSTILE]
    payloads.append(f'<link rel="attachment" href="file://{canary}">')
    payloads.append(f'<a rel="attachment" href="file://{canary}">x</a>')
    rows = (*tuple((p, None) for p in payloads), ("SOC 2", "soc-2"))
    view = _view(
        rows=rows,
        n=len(rows),
        organization=payloads[3],
        unit=payloads[1],
        file=payloads[2] + ".xlsx",
        sheet=payloads[0][:31],
        rejected_reason=payloads[4],
        owner=payloads[-1],
        auditor=payloads[5],
        warnings=(payloads[6], payloads[-2]),
    )
    for options in (RenderOptions(), RenderOptions(pdf_variant="a", source_bytes=b"x")):
        pdf = render(view, "pdf", options)
        assert _Counter.hits == []
        reader, pages = _text(pdf)
        attached = reader.attachments
        if options.pdf_variant is None:
            assert attached == {}
        else:  # only the two files we embed ourselves: the JSON result and the source
            assert len(attached) == 2
            contents = [data for datas in attached.values() for data in datas]
            assert b"x" in contents
            assert any(c.startswith(b"{") for c in contents)
        assert b"CANARY-7f3a9" not in pdf and b"FETCHED-BODY" not in pdf
        text = _flat(" ".join(pages))
        assert "CANARY-7f3a9" not in text
        for literal in ("<b>bold</b>", "<script>alert(1)</script>", "@SUM(A1:A2)", "=HYPERLINK("):
            assert literal in text
        assert f"url(http://127.0.0.1:{server}/x)" in text
    html = render(view, "html").decode()
    assert "<b>bold</b>" not in html and "<link rel=attachment" not in html


def test_plain_pdf_with_hostile_input_has_no_embedded_file(server: int) -> None:
    payload = '<link rel=attachment href="file:///etc/hostname">'
    view = _view(rows=((payload, None),), n=1, unit=payload)
    pdf = render(view, "pdf")
    assert PdfReader(io.BytesIO(pdf)).attachments == {}
    assert b"/EmbeddedFile" not in pdf


def test_html_to_pdf_refuses_network_resources_with_a_render_error(server: int) -> None:
    html = f'<html><body><img src="http://127.0.0.1:{server}/img.png"></body></html>'
    with pytest.raises(RenderError):
        html_to_pdf(html, title="t", subject="s", created=date(2024, 1, 1))
    assert _Counter.hits == []


def test_safe_fetcher_serves_only_packaged_files_and_data_urls(tmp_path: Path) -> None:
    fetcher = SafeFetcher(templates_dir())
    css = (templates_dir() / "report.css").resolve()
    assert fetcher.fetch(css.as_uri()).read().startswith(b"/*")
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    link = tmp_path / "link.css"
    link.symlink_to(outside)
    for url in (
        "http://127.0.0.1:9/x",
        "https://example.com/x",
        "ftp://example.com/x",
        outside.as_uri(),
        "file:///etc/hostname",
        (templates_dir() / ".." / "pyproject.toml").as_uri(),
        "file://evil-host/" + str(css),
    ):
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    with pytest.raises(FatalURLFetchingError):
        SafeFetcher(tmp_path.parent).fetch("file://" + str(tmp_path / "nope"))


def test_very_long_user_text_is_clipped_in_the_pdf_and_kept_whole_in_json() -> None:
    long_text = "ISO 27001 " + "x" * 6000
    view = _view(rows=((long_text, None),), n=1, unit="U" * 3000)
    pdf = render(view, "pdf")
    _, pages = _text(pdf)
    assert "more characters]" in _flat(" ".join(pages))
    assert long_text in render(view, "json").decode()


_SUBPROCESS_RENDER = """
import sys
sys.path.insert(0, sys.argv[1])
from report_fixtures import make_case
from assessor.render import RenderOptions, render
from assessor.views.report import build_view
a, c, i = make_case(n=4)
view = build_view(a, c, intake=i, tool_version="0.1.0")
sys.stdout.buffer.write(render(view, "pdf", RenderOptions(pdf_variant=sys.argv[2] or None)))
"""


@pytest.mark.parametrize("variant", ["", "ua", "a"])
def test_pdf_bytes_identical_across_processes_and_seconds(variant: str) -> None:
    import subprocess
    import sys
    import time

    here = str(Path(__file__).parent)
    run = [sys.executable, "-c", _SUBPROCESS_RENDER, here, variant]
    first = subprocess.run(run, check=True, capture_output=True).stdout
    time.sleep(1.1)  # a clock-derived timestamp would now differ
    second = subprocess.run(run, check=True, capture_output=True).stdout
    assert first.startswith(b"%PDF") and first == second


def test_weasyprint_failure_becomes_a_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("layout exploded")

    monkeypatch.setattr(weasyprint.HTML, "render", boom)
    with pytest.raises(RenderError, match="layout exploded"):
        html_to_pdf("<p>x</p>", title="t", subject="s", created=date(2024, 1, 1))


def test_unknown_attachment_relationship_is_refused() -> None:
    with pytest.raises(RenderError):
        html_to_pdf(
            "<p>x</p>",
            title="t",
            subject="s",
            created=date(2024, 1, 1),
            attachments=[("a.txt", b"x", "Evil")],
        )
