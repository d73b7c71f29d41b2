"""Intake speed and memory: assessor's reader against raw python-calamine and openpyxl read-only.

Every measurement runs in a fresh process (imports and catalog loading excluded from the time;
"assessor" also warms the recognizer's index first, which the engine builds anyway;
"assessor_cold" includes that one-time build;
peak RSS is the process's ru_maxrss, with the after-import baseline shown). All methods read the
same generated files in the same run, so the ratios hold on a noisy machine. Results go to
bench/results/ (gitignored).

    .venv/bin/python bench/bench_intake.py            # 100, 10,000 and 100,000 rows
    .venv/bin/python bench/bench_intake.py --quick    # 100 and 10,000 rows, fewer repetitions
    .venv/bin/python bench/bench_intake.py --baseline /tmp/old   # also time another checkout

With --baseline, "baseline" is assessor's reader imported from that checkout (for example
`git archive HEAD~3 | tar -x -C /tmp/old`), timed in the same run as everything else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from assessor.render.blank_workbook import REQUIREMENT_HEADERS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HEADERS = list(REQUIREMENT_HEADERS)  # the template's own columns
FRAMEWORKS = (
    "ISO/IEC 27001:2022",
    "SOC 2 Type II",
    "PCI DSS 4.0",
    "HIPAA / HITRUST",
    "ISO 27001, 27017 and 27018",
    "GDPR",
    "SOC 1/2/3",
    "NIST CSF",
    "ISO 22301",
    "FedRAMP Moderate",
    "Contoso internal baseline",
)

# Each child prints one JSON line: {"seconds": ..., "rss_mib": ..., "base_mib": ..., ...}.
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
method, path = sys.argv[1], Path(sys.argv[2])

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

if method in ("assessor", "assessor_cold", "baseline"):
    from assessor.catalog import load as catalog
    from assessor.intake import workbook as intake
    from assessor.recognize import match as recognize
    cat = catalog.load_catalog(None)
    if method != "assessor_cold":  # the recognizer's one-time index build (the engine needs it)
        recognize.split_frameworks("ISO 27001", cat)
        recognize.split_frameworks("HIPPAA", cat)  # and its near-miss keys (built on first use)
    base = rss()
    t = time.perf_counter()
    result = intake.read_workbook(path, cat)
    seconds = time.perf_counter() - t
    extra = {"requirements": len(result.requirements), "data_rows": result.data_rows,
             "rejected": len(result.rejected)}
elif method == "precheck":
    from assessor.intake import zipcheck
    base = rss()
    t = time.perf_counter()
    data = path.read_bytes()
    zipcheck.check_package(data, path.name)
    seconds = time.perf_counter() - t
    extra = {}
elif method == "calamine":
    import python_calamine
    base = rss()
    t = time.perf_counter()
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    cells = sum(len(r) for r in rows)
    seconds = time.perf_counter() - t
    extra = {"rows": len(rows)}
elif method == "openpyxl_ro":
    import openpyxl
    base = rss()
    t = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb[wb.sheetnames[0]]
    n = 0
    for row in ws.iter_rows(values_only=True, max_col=8):
        n += 1
    wb.close()
    seconds = time.perf_counter() - t
    extra = {"rows": n}
else:
    raise SystemExit(f"unknown method {method}")
print(json.dumps({"seconds": seconds, "rss_mib": rss(), "base_mib": base, **extra}))
"""


def make_workbook(path: Path, rows: int, *, declared_rows: int | None = None) -> None:
    """A template-shaped sheet: each unit lists all 11 entries (several multi-framework cells),
    with notes and real date cells; no duplicate rows, so every row becomes requirements."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Requirements")
    ws.append(HEADERS)
    start = dt.date(2025, 1, 1)
    for i in range(rows):
        ws.append(
            [
                f"Unit {i // len(FRAMEWORKS):05d}",
                FRAMEWORKS[i % len(FRAMEWORKS)],
                "" if i % 3 else "2022",
                f"Scope note for requirement {i}: desktops and identities",
                "Certificate, SoA" if i % 2 else "",
                f"Owner {i % 7}",
                start + dt.timedelta(days=i % 365),
                ("High", "Medium", "Low")[i % 3],
            ]
        )
    wb.save(path)
    if declared_rows is not None:
        _declare_dimension(path, f"A1:XFD{declared_rows}")


def _declare_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheet's <dimension> so it lies about the sheet's size (as HECVAT's AI sheet)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                head, sep, tail = data.partition(b"<sheetData")
                if b"<dimension" in head:
                    start = head.index(b"<dimension")
                    end = head.index(b">", start) + 1
                    head = head[:start] + f'<dimension ref="{ref}"/>'.encode() + head[end:]
                else:
                    head = head.replace(
                        b"<sheetViews", f'<dimension ref="{ref}"/><sheetViews'.encode(), 1
                    )
                data = head + sep + tail
            dst.writestr(info.filename, data)
    path.write_bytes(buffer.getvalue())


def run_child(method: str, path: Path, cwd: Path = ROOT) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, method, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(method: str, path: Path, reps: int, cwd: Path = ROOT) -> dict[str, Any]:
    runs = [run_child(method, path, cwd) for _ in range(reps)]
    seconds = [r["seconds"] for r in runs]
    return {
        "method": method,
        "reps": reps,
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_rss_mib": statistics.median(r["rss_mib"] for r in runs),
        "base_rss_mib": statistics.median(r["base_mib"] for r in runs),
        "detail": {k: v for k, v in runs[0].items() if k not in ("seconds", "rss_mib", "base_mib")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 10,000 rows, fewer reps")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout's root: time its reader as 'baseline'"
    )
    parser.add_argument("--no-openpyxl", action="store_true", help="skip openpyxl read-only")
    args = parser.parse_args(argv)
    sizes: list[tuple[str, int, int | None, int]] = [
        ("100 rows", 100, None, 5),
        ("10,000 rows", 10_000, None, 5),
        ("10,000 rows, dimension A1:XFD1048576", 10_000, 1_048_576, 5),
    ]
    if not args.quick:
        sizes.append(("100,000 rows", 100_000, None, 3))
    else:
        sizes = [(label, rows, declared, 3) for label, rows, declared, _ in sizes]
    methods = ["assessor", "assessor_cold", "precheck", "calamine", "openpyxl_ro"]
    if args.no_openpyxl:
        methods.remove("openpyxl_ro")
    if args.baseline is not None:
        methods.insert(1, "baseline")
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, rows, declared, reps in sizes:
            path = Path(tmp) / f"req_{rows}_{declared or 0}.xlsx"
            make_workbook(path, rows, declared_rows=declared)
            size_mib = path.stat().st_size / 1024 / 1024
            for method in methods:
                if method == "assessor_cold" and rows > 100:
                    continue  # the one-time cost shows at 100 rows
                ro_reps = 1 if method == "openpyxl_ro" and rows >= 100_000 else reps
                cwd = args.baseline if method == "baseline" else ROOT
                entry = measure(method, path, ro_reps, cwd)
                entry.update(case=label, rows=rows, file_mib=round(size_mib, 2))
                results.append(entry)
                print(
                    f"{label:40s} {method:12s} median {entry['median_s']:.4f}s "
                    f"peak {entry['peak_rss_mib']:.1f} MiB",
                    file=sys.stderr,
                )
    table = _table(results)
    print(table)
    print(_ratios(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (RESULTS / "bench_intake.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2, sort_keys=True) + "\n"
    )
    (RESULTS / "bench_intake.md").write_text(table + "\n")
    return 0


def _ratios(results: list[dict[str, Any]]) -> str:
    """One line per case: each reader's median as a multiple of raw calamine's, same run."""
    lines = []
    for case in dict.fromkeys(r["case"] for r in results):
        methods = {r["method"]: r["median_s"] for r in results if r["case"] == case}
        cal = methods["calamine"]
        parts = [
            f"{name} {methods[name]:.4f}s = {methods[name] / cal:.2f}x"
            for name in ("assessor", "baseline")
            if name in methods
        ]
        lines.append(f"{case}: calamine {cal:.4f}s; " + "; ".join(parts))
    return "\n".join(lines)


def _table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| case | method | reps | median (s) | min | max | peak RSS (MiB) | after imports "
        "| x calamine | x openpyxl ro |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_case: dict[str, dict[str, dict[str, Any]]] = {}
    for r in results:
        by_case.setdefault(r["case"], {})[r["method"]] = r
    for case, methods in by_case.items():
        cal = methods["calamine"]["median_s"]
        ro = methods["openpyxl_ro"]["median_s"] if "openpyxl_ro" in methods else float("nan")
        for name, r in methods.items():
            lines.append(
                f"| {case} | {name} | {r['reps']} | {r['median_s']:.4f} | {r['min_s']:.4f} | "
                f"{r['max_s']:.4f} | {r['peak_rss_mib']:.1f} | {r['base_rss_mib']:.1f} | "
                f"{r['median_s'] / cal:.2f} | {r['median_s'] / ro:.3f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
