"""Recognition speed: 10,000 distinct cells read once each, and the CLI's start-up.

Cells are built from every catalog alias with words around them (so no cache helps). Each
repetition rebuilds the index ("cold", the one-time cost a run pays) and then reads the cells
again with it built ("warm": the per-text cache is emptied, the index's small per-word memos,
such as editions read after a name or near misses of three words, are kept, as they are in a
run). The baseline, measured in the same run, is the cheapest honest pass over the same cells:
normalize_text (which passes printable ASCII straight through) and a regex word split. The CLI's
start-up (`assessor match`, read without typer, and the same through typer) is timed against a
bare `python -c pass` in fresh processes taking turns, wall and CPU. Prints medians, ratios and
differences;
asserts nothing.

    .venv/bin/python bench/bench_recognize.py            # 10,000 cells, 5 repetitions
    .venv/bin/python bench/bench_recognize.py --quick    # 2,000 cells, 3 repetitions
    .venv/bin/python bench/bench_recognize.py --baseline /tmp/old   # also time another checkout
    .venv/bin/python bench/bench_recognize.py --startup  # the CLI's start-up only, 21 runs

With --baseline, the warm reading is also timed in fresh processes, this checkout and the
other one (`git archive main | tar -x -C /tmp/old`) taking turns over the same cells, so both
see the same load; each child reports wall and CPU seconds (CPU time is the steadier figure
on a shared machine).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from assessor.catalog.load import load_catalog
from assessor.domain.models import Catalog
from assessor.domain.text import normalize_text
from assessor.recognize import index as recognize_index
from assessor.recognize import match as recognize

_BEFORE = ("", "Current ", "EMEA - ", "Zertifizierung nach ", "Do you hold a ", "no ")
_AFTER = ("", " certificate", " report? (Yes/No)", " - cloud controls", " 2024", " (tbc)")
_WORDS = re.compile(r"\w+")


def cells(catalog: Catalog, count: int) -> list[str]:
    """`count` distinct cells: aliases with words before and after, numbered past the first pass."""
    names = list(
        dict.fromkeys(a for fw in catalog.frameworks for a in (fw.short_name, *fw.aliases))
    )
    out: dict[str, None] = {}
    for n, (before, after, name) in enumerate(
        itertools.cycle(itertools.product(_BEFORE, _AFTER, names))
    ):
        if len(out) >= count:
            break
        rounds = n // (len(_BEFORE) * len(_AFTER) * len(names))
        out[f"{before}{name}{after}" + (f" unit {rounds}" if rounds else "")] = None
    return list(out)


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _baseline(texts: list[str]) -> None:
    for text in texts:
        _WORDS.findall(normalize_text(text).casefold())


def _recognize(texts: list[str], catalog: Catalog) -> None:
    for text in texts:
        recognize.recognize_cell(text, catalog)


def _cold(texts: list[str], catalog: Catalog) -> None:
    recognize_index._CACHE.clear()
    _recognize(texts, catalog)


def _warm(texts: list[str], catalog: Catalog) -> None:
    recognize_index.index(catalog).cache.clear()
    _recognize(texts, catalog)


def _process(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one fresh process run in this checkout."""
    here = Path(__file__).resolve().parent.parent
    start = time.perf_counter()
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=here,
        env={**os.environ, "PYTHONPATH": str(here), **(env or {})},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return wall, usage.ru_utime + usage.ru_stime


STARTS = {
    "python -c pass": ["-c", "pass"],
    "assessor match 'SOC 2'": ["-m", "assessor", "match", "SOC 2"],
    "assessor match 'SOC 2' --format json": ["-m", "assessor", "match", "SOC 2", "--format=json"],
    "assessor match 'HIPPAA' (a typo)": ["-m", "assessor", "match", "HIPPAA"],
    "the same through typer (app.cli)": ["-m", "assessor.app.cli", "match", "SOC 2"],
    "'SOC 2', nothing kept (ASSESSOR_NO_CACHE)": ["-m", "assessor", "match", "SOC 2"],
}
_NO_CACHE = {"'SOC 2', nothing kept (ASSESSOR_NO_CACHE)": {"ASSESSOR_NO_CACHE": "1"}}


def startup(reps: int) -> None:
    """The CLI's start-up against a bare interpreter, in fresh processes taking turns (so all
    see the same load): medians, and the difference to bare python (issue 11: within 0.2 s).
    A lookup reads the index an earlier run kept; the last line is a first start, with none."""
    _process([sys.executable, "-m", "assessor", "match", "SOC 2"])  # the catalog cache, filled
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in STARTS}
    for _ in range(reps):
        for name, args in STARTS.items():
            runs[name].append(_process([sys.executable, *args], _NO_CACHE.get(name)))
    med = {
        name: (statistics.median(w for w, _ in rs), statistics.median(c for _, c in rs))
        for name, rs in runs.items()
    }
    bare_wall, bare_cpu = med["python -c pass"]
    print(f"CLI start-up, {reps} runs each in turns (median seconds; + is over bare python)")
    for name, (wall, cpu) in med.items():
        print(
            f"  {name:42} wall {wall:6.3f} (+{wall - bare_wall:6.3f}, x{wall / bare_wall:5.1f})"
            f"  cpu {cpu:6.3f} (+{cpu - bare_cpu:6.3f})"
        )
    print(f"  load average {os.getloadavg()[0]:.2f} (wall figures stretch on a busy machine)")


# A child: read the cells warm in a fresh process, print wall and CPU seconds as JSON.
_CHILD = r"""
import json, sys, time
from assessor.catalog.load import load_catalog
from assessor.recognize import index as recognize_index
from assessor.recognize import match as recognize
texts = json.loads(sys.stdin.read())
catalog = load_catalog()
for text in texts[:50]:
    recognize.recognize_cell(text, catalog)
recognize_index.index(catalog).cache.clear()
wall, cpu = time.perf_counter(), time.process_time()
for text in texts:
    recognize.recognize_cell(text, catalog)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}))
"""


def _child(cwd: Path, texts: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )
    found: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def _against(baseline: Path, texts: list[str], reps: int) -> None:
    """This checkout and the baseline in turns, fresh processes: medians and the ratio."""
    here = Path(__file__).resolve().parent.parent
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "this checkout": []}
    for _ in range(reps):
        runs["baseline"].append(_child(baseline, texts))
        runs["this checkout"].append(_child(here, texts))
    print(f"recognize_cell warm, fresh processes in turns, {reps} each (median seconds)")
    med = {
        name: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu")}
        for name, rs in runs.items()
    }
    for name, m in med.items():
        print(f"  {name:32} wall {m['wall']:7.3f} s  cpu {m['cpu']:7.3f} s")
    ratio = med["baseline"]["cpu"] / med["this checkout"]["cpu"]
    print(f"  speed-up (baseline / this, cpu)  x{ratio:6.2f}")


def main() -> None:
    """Print the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--baseline", type=Path, help="another checkout's root, timed in turns")
    parser.add_argument("--startup", action="store_true", help="time the CLI's start-up only")
    parser.add_argument("--startup-reps", type=int, help="start-up runs (default: 3 x reps)")
    opts = parser.parse_args()
    if opts.startup:
        startup(opts.startup_reps or 21)
        return
    count, reps = (2_000, 3) if opts.quick else (10_000, 5)
    catalog = load_catalog()
    texts = cells(catalog, count)
    assert len(set(texts)) == len(texts)
    rows = {
        "baseline (normalize + split)": [_timed(lambda: _baseline(texts)) for _ in range(reps)],
        "recognize_cell, index cold": [_timed(lambda: _cold(texts, catalog)) for _ in range(reps)],
        "recognize_cell, index warm": [_timed(lambda: _warm(texts, catalog)) for _ in range(reps)],
    }
    if opts.baseline is not None:
        _against(opts.baseline, texts, reps)
    base = statistics.median(rows["baseline (normalize + split)"])
    print(f"{count} distinct cells, {reps} repetitions (median seconds, ratio to baseline)")
    for name, times in rows.items():
        med = statistics.median(times)
        print(f"  {name:32} {med:8.3f} s  x{med / base:7.1f}")
    startup(opts.startup_reps or 3 * reps)


if __name__ == "__main__":
    main()
