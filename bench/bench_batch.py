"""Batch speed: the pool against a single-process loop, the CLI once per unit, and WeasyPrint alone.

Everything is measured in one run on the same generated inputs, so the ratios hold even on a
noisy machine. Medians over the repetitions stated in the output; results go to bench/results/.

    .venv/bin/python bench/bench_batch.py            # full: 50 units, scaling to 200, 2,000 rows
    .venv/bin/python bench/bench_batch.py --quick    # smaller, for a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
AS_OF = "2026-11-29"
FORMATS = "pdf,json"
# A realistic mix: covered, partial, gap and unrecognized entries, several frameworks per cell.
FRAMEWORKS = (
    "ISO/IEC 27001",
    "SOC 2 Type 2",
    "PCI DSS 4.0",
    "NIST CSF",
    "ISO 27018",
    "HIPAA / HITRUST",
    "SOX",
    "GDPR",
    "ISO 22301",
    "FedRAMP Moderate",
    "CSA STAR",
    "ISO 9001",
    "SOC 1 Type II",
    "Contoso internal baseline",
    "ISO 27017",
)


def make_workbook(path: Path, unit: str, rows: int) -> None:
    """A template-shaped workbook for one unit, written with assessor's own xlsx helpers."""
    from assessor.render import xlsxio

    wb = xlsxio.new_workbook()
    xlsxio.write_table(
        wb,
        "Requirements",
        ("Business unit", "Framework", "Scope / notes"),
        [(unit, FRAMEWORKS[i % len(FRAMEWORKS)], f"scope note {i}") for i in range(rows)],
    )
    xlsxio.write_table(
        wb,
        "Business units",
        ("Business unit", "Owner", "Audit period start", "Audit period end"),
        [(unit, "Owner", date(2023, 7, 1), date(2024, 6, 30))],
    )
    path.write_bytes(xlsxio.workbook_bytes(wb))


def make_inputs(folder: Path, units: int, rows: int) -> list[Path]:
    """`units` workbooks of one unit each, `rows` requirements per unit."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(units):
        path = folder / f"unit-{i:03d}.xlsx"
        make_workbook(path, f"Business unit {i:03d}", rows)
        paths.append(path)
    return paths


def cli(args: Sequence[str]) -> None:
    """Run `python -m assessor ...` as a fresh process; fail loudly on a non-zero exit."""
    done = subprocess.run(
        [PYTHON, "-m", "assessor", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"assessor {' '.join(args)} -> {done.returncode}\n{done.stderr[-2000:]}")


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def repeat(action: Callable[[], None], reps: int, reset: Callable[[], None]) -> list[float]:
    times = []
    for _ in range(reps):
        reset()
        times.append(timed(action))
    return times


def batch_cli(inputs: Path, out: Path, workers: int) -> Callable[[], None]:
    return lambda: cli(
        [
            "assess",
            str(inputs),
            "--out",
            str(out),
            "--format",
            FORMATS,
            "--as-of",
            AS_OF,
            "--org",
            "Bench Org",
            "--workers",
            str(workers),
        ]
    )


def per_unit_cli(paths: Sequence[Path], out: Path) -> Callable[[], None]:
    def run() -> None:
        for i, path in enumerate(paths):
            cli(
                [
                    "assess",
                    str(path),
                    "--out",
                    str(out / f"u{i:03d}"),
                    "--format",
                    FORMATS,
                    "--as-of",
                    AS_OF,
                    "--org",
                    "Bench Org",
                    "--workers",
                    "1",
                ]
            )

    return run


# ---------------------------------------------------------------------------
# The floor: WeasyPrint alone on the exact HTML the batch renders

_BASE_URL = ""


def _init_floor(base_url: str) -> None:
    global _BASE_URL
    _BASE_URL = base_url
    import weasyprint  # noqa: F401  (imported once per worker, as the batch does)


def _weasy(html: str) -> int:
    import weasyprint

    return len(weasyprint.HTML(string=html, base_url=_BASE_URL).write_pdf())


def batch_html(inputs: Path, out: Path) -> list[str]:
    """The unit and portfolio HTML a batch run turns into PDFs (rendered once, not timed)."""
    if out.exists():
        shutil.rmtree(out)
    cli(["assess", str(inputs), "--out", str(out), "--format", "html,json", "--as-of", AS_OF,
         "--org", "Bench Org", "--workers", "2"])  # fmt: skip
    return [p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html"))]


def floor(htmls: Sequence[str], workers: int) -> Callable[[], None]:
    from assessor.catalog.resources import templates_dir

    base = templates_dir().resolve().as_uri() + "/"

    def run() -> None:
        if workers == 1:
            _init_floor(base)
            for html in htmls:
                _weasy(html)
            return
        with ProcessPoolExecutor(workers, initializer=_init_floor, initargs=(base,)) as pool:
            list(pool.map(_weasy, htmls))

    return run


# ---------------------------------------------------------------------------


def summary(times: Sequence[float]) -> dict[str, Any]:
    return {
        "reps": len(times),
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 units, no 200/2,000 runs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--units", type=int, default=None)
    parser.add_argument(
        "--only",
        choices=("paired", "compare", "scaling", "length"),
        action="append",
        help="run only these sections (repeatable; default all)",
    )
    parser.add_argument("--reps", type=int, default=None, help="repetitions of the pool and floor")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the paired comparison")
    parser.add_argument(
        "--skip-cli", action="store_true", help="paired: leave out the per-unit CLI"
    )
    args = parser.parse_args(argv)
    units = args.units or (10 if args.quick else 50)
    workers = args.workers
    reps_main = args.reps or (1 if args.quick else 3)
    sections = set(args.only or ("paired", "scaling", "length"))
    if args.quick:
        sections = {"compare"}
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg(),
        },
        "formats": FORMATS,
        "workers": workers,
        "units": units,
        "rows_per_unit": 15,
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        inputs = tmp / "in"
        paths = make_inputs(inputs, units, 15)
        out = tmp / "out"

        def reset() -> None:
            shutil.rmtree(out, ignore_errors=True)

        print(f"{units} units x 15 requirements, formats {FORMATS}, {workers} workers", flush=True)
        if "paired" in sections:
            results["paired"] = paired(
                inputs, paths, out, tmp, workers, args.rounds, reset, skip_cli=args.skip_cli
            )
        if "compare" in sections:
            results["fifty"] = compare(inputs, paths, out, tmp, workers, reps_main, reset)
        if "scaling" in sections:
            results["scaling_units"] = scaling(tmp, out, workers, reset)
        if "length" in sections:
            results["report_length"] = length(tmp, out, reset)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = RESULTS / f"bench_batch-{stamp}.json"
    target.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"written {target}")
    return 0


def compare(
    inputs: Path,
    paths: Sequence[Path],
    out: Path,
    tmp: Path,
    workers: int,
    reps_main: int,
    reset: Callable[[], None],
) -> dict[str, Any]:
    """Pool vs single-process loop vs CLI per unit vs WeasyPrint alone, same inputs."""
    rows: dict[str, dict[str, Any]] = {}
    rows["batch_pool"] = summary(repeat(batch_cli(inputs, out, workers), reps_main, reset))
    print("  batch (pool):", rows["batch_pool"], flush=True)
    rows["batch_loop"] = summary(repeat(batch_cli(inputs, out, 1), 1, reset))
    print("  single-process loop:", rows["batch_loop"], flush=True)
    rows["cli_per_unit"] = summary(repeat(per_unit_cli(paths, out), 1, reset))
    print("  CLI once per unit:", rows["cli_per_unit"], flush=True)
    htmls = batch_html(inputs, tmp / "html")
    rows["floor_weasy_pool"] = summary(repeat(floor(htmls, workers), reps_main, reset))
    print("  floor, WeasyPrint alone (pool):", rows["floor_weasy_pool"], flush=True)
    rows["floor_weasy_serial"] = summary(repeat(floor(htmls, 1), 1, reset))
    print("  floor, WeasyPrint alone (1 process):", rows["floor_weasy_serial"], flush=True)
    med = {k: v["median_s"] for k, v in rows.items()}
    ratios = {
        "pool_speedup_vs_loop": round(med["batch_loop"] / med["batch_pool"], 2),
        "pool_speedup_vs_cli_per_unit": round(med["cli_per_unit"] / med["batch_pool"], 2),
        "pool_over_floor_pool": round(med["batch_pool"] / med["floor_weasy_pool"], 3),
        "loop_over_floor_serial": round(med["batch_loop"] / med["floor_weasy_serial"], 3),
    }
    return {"modes": rows, "ratios": ratios, "pdfs": len(htmls)}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def paired(
    inputs: Path,
    paths: Sequence[Path],
    out: Path,
    tmp: Path,
    workers: int,
    rounds: int,
    reset: Callable[[], None],
    *,
    skip_cli: bool = False,
) -> dict[str, Any]:
    """Every mode once per round, order rotated; ratios taken within a round.

    The machine is shared, so its load drifts over minutes; timing the modes back to back,
    round after round, lets the drift hit them alike, and the per-round ratios cancel it.
    """
    htmls = batch_html(inputs, tmp / "html")
    modes: dict[str, Callable[[], None]] = {
        "batch_pool": batch_cli(inputs, out, workers),
        "batch_loop": batch_cli(inputs, out, 1),
        "cli_per_unit": per_unit_cli(paths, out),
        "floor_weasy_pool": floor(htmls, workers),
    }
    if skip_cli:
        del modes["cli_per_unit"]
    names = list(modes)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    load: list[tuple[float, float, float]] = []
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            reset()
            before = _cpu()
            start_self = time.process_time()
            wall[name].append(timed(modes[name]))
            cpu[name].append(_cpu() - before + time.process_time() - start_self)
            load.append(os.getloadavg())
            print(f"  round {r + 1} {name}: {wall[name][-1]:.1f}s wall", flush=True)

    def ratio(top: str, bottom: str) -> list[float]:
        return [t / b for t, b in zip(wall[top], wall[bottom], strict=True)]

    per_round = {
        "pool_speedup_vs_loop": ratio("batch_loop", "batch_pool"),
        **(
            {}
            if skip_cli
            else {"pool_speedup_vs_cli_per_unit": ratio("cli_per_unit", "batch_pool")}
        ),
        "pool_over_floor_pool": ratio("batch_pool", "floor_weasy_pool"),
    }
    result = {
        "rounds": rounds,
        "pdfs": len(htmls),
        "wall": {n: summary(v) for n, v in wall.items()},
        "cpu_s_median": {n: round(statistics.median(v), 1) for n, v in cpu.items()},
        "ratios_median_of_rounds": {
            k: round(statistics.median(v), 3) for k, v in per_round.items()
        },
        "ratios_each_round": {k: [round(x, 3) for x in v] for k, v in per_round.items()},
        "load_avg_after_each_mode": load,
    }
    print("  paired:", json.dumps(result["ratios_median_of_rounds"]), flush=True)
    return result


def scaling(tmp: Path, out: Path, workers: int, reset: Callable[[], None]) -> dict[str, Any]:
    """Batch wall time for 1, 10, 50 and 200 units (fewer repetitions for the big ones)."""
    result: dict[str, Any] = {}
    for n, reps in ((1, 3), (10, 2), (50, 1), (200, 1)):
        folder = tmp / f"scale-{n}"
        make_inputs(folder, n, 15)
        row = summary(repeat(batch_cli(folder, out, workers), reps, reset))
        row["s_per_unit"] = round(row["median_s"] / n, 3)
        result[str(n)] = row
        shutil.rmtree(folder)
        print(f"  scaling {n} units:", row, flush=True)
    return result


def length(tmp: Path, out: Path, reset: Callable[[], None]) -> dict[str, Any]:
    """One unit with 15, 200 and 2,000 requirements (one run each for the long ones)."""
    result: dict[str, Any] = {}
    for rows_n, reps in ((15, 3), (200, 1), (2000, 1)):
        folder = tmp / f"len-{rows_n}"
        make_inputs(folder, 1, rows_n)
        times = []
        for _ in range(reps):
            reset()
            times.append(timed(batch_cli(folder, out, 1)))
        row = summary(times)
        pdf = next(out.glob("*.pdf"))
        row["pdf_kib"] = round(pdf.stat().st_size / 1024, 1)
        row["pages"] = _pages(pdf)
        if row["pages"]:
            row["ms_per_page"] = round(1000 * row["median_s"] / row["pages"])
        result[str(rows_n)] = row
        shutil.rmtree(folder)
        print(f"  report length {rows_n} requirements:", row, flush=True)
    return result


def _pages(pdf: Path) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(str(pdf)).pages)


if __name__ == "__main__":
    sys.exit(main())
