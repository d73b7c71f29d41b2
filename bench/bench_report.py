"""Report rendering speed: each format per business unit, against a plain WeasyPrint table baseline.

A warm process (imports, catalog and one throw-away render excluded) renders a 15- and a
200-requirement unit assessed by the real engine on the shipped catalog. The baseline renders
the same findings as one bare HTML table (fixed layout, same font, no report furniture) in the
same run, so the ratio holds on a noisy machine. Results go to bench/results/ (gitignored).

    .venv/bin/python bench/bench_report.py            # 15 and 200 requirements, 5 repetitions
    .venv/bin/python bench/bench_report.py --quick    # 3 repetitions
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "tests"))

from pypdf import PdfReader  # noqa: E402
from report_fixtures import real_case  # noqa: E402

from assessor.render import RenderOptions, render  # noqa: E402
from assessor.render.pdf import html_to_pdf  # noqa: E402
from assessor.views.report import ReportView, build_view  # noqa: E402


def _baseline_html(view: ReportView) -> str:
    """The findings as one bare table: what any report of these rows must at least cost."""
    rows = "".join(
        f"<tr><td>{f.ref}</td><td>{html.escape(f.requirement)}</td>"
        f"<td>{html.escape(f.framework_label)}</td><td>{f.status_label}</td>"
        f"<td>{f.responsibility_label}</td></tr>"
        for f in view.findings
    )
    return (
        "<html lang=en><head><style>@page{size:A4;margin:20mm;"
        '@bottom-right{content:"Page " counter(page) " of " counter(pages)}}'
        "body{font:9pt 'DejaVu Sans'}table{width:100%;table-layout:fixed;border-collapse:collapse}"
        "td{border-bottom:0.5pt solid #999;padding:1mm}</style></head><body><table>"
        f"{rows}</table></body></html>"
    )


def _median(fn: Callable[[], bytes], reps: int) -> tuple[float, bytes]:
    fn()  # warm: caches, fonts
    times, out = [], b""
    for _ in range(reps):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    """Measure and write bench/results/bench_report.{json,md}."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps = 3 if args.quick else 5
    results = []
    for n in (15, 200):
        assessment, catalog, intake = real_case(n=n)
        view = build_view(assessment, catalog, intake=intake, tool_version="bench")
        base_html = _baseline_html(view)
        cases: dict[str, Callable[[], bytes]] = {
            "pdf": lambda v=view: render(v, "pdf"),
            "pdf/ua-1": lambda v=view: render(v, "pdf", RenderOptions(pdf_variant="ua")),
            "pdf/a-3b": lambda v=view: render(v, "pdf", RenderOptions(pdf_variant="a")),
            "html": lambda v=view: render(v, "html"),
            "json": lambda v=view: render(v, "json"),
            "xlsx": lambda v=view: render(v, "xlsx"),
            "baseline table pdf": lambda h=base_html: html_to_pdf(
                h, title="b", subject="b", created=dt.date(2024, 1, 1)
            ),
        }
        row: dict[str, object] = {"requirements": n, "findings": len(view.findings)}
        for name, fn in cases.items():
            seconds, out = _median(fn, reps)
            entry: dict[str, object] = {"median_s": round(seconds, 3), "bytes": len(out)}
            if name.startswith(("pdf", "baseline")):
                pages = len(PdfReader(io.BytesIO(out)).pages)
                entry |= {"pages": pages, "ms_per_page": round(1000 * seconds / pages)}
            row[name] = entry
            print(n, name, entry, flush=True)
        pdf, base = row["pdf"], row["baseline table pdf"]
        assert isinstance(pdf, dict) and isinstance(base, dict)
        row["pdf_vs_baseline"] = round(pdf["median_s"] / base["median_s"], 2)
        results.append(row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "reps": reps}
    (RESULTS / "bench_report.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2) + "\n"
    )
    lines = [
        "| requirements | findings | pdf s | pages | ms/page | pdf/ua s | pdf/a s | html s "
        "| json s | xlsx s | baseline s (pages) | pdf/baseline |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        g = {k: v for k, v in r.items() if isinstance(v, dict)}
        lines.append(
            f"| {r['requirements']} | {r['findings']} | {g['pdf']['median_s']} | "
            f"{g['pdf']['pages']} | {g['pdf']['ms_per_page']} | {g['pdf/ua-1']['median_s']} | "
            f"{g['pdf/a-3b']['median_s']} | {g['html']['median_s']} | {g['json']['median_s']} | "
            f"{g['xlsx']['median_s']} | {g['baseline table pdf']['median_s']} "
            f"({g['baseline table pdf']['pages']}) | {r['pdf_vs_baseline']}x |"
        )
    (RESULTS / "bench_report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
