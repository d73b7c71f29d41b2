"""Recognition speed: 10,000 distinct cells read once each, and the CLI's start-up.

Cells are built from every catalog alias with words around them (so no cache helps). Each
repetition rebuilds the index ("cold", the one-time cost a run pays) and then reads the cells
again with it built ("warm"). The baseline, measured in the same run, is the cheapest honest
pass over the same cells: normalize_text and a regex word split. The CLI is timed against a
bare `python -c pass` in fresh processes. Prints medians and ratios; asserts nothing.

    .venv/bin/python bench/bench_recognize.py            # 10,000 cells, 5 repetitions
    .venv/bin/python bench/bench_recognize.py --quick    # 2,000 cells, 3 repetitions
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

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


def _process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    """Print the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    count, reps = (2_000, 3) if opts.quick else (10_000, 5)
    catalog = load_catalog()
    texts = cells(catalog, count)
    assert len(set(texts)) == len(texts)
    rows = {
        "baseline (normalize + split)": [_timed(lambda: _baseline(texts)) for _ in range(reps)],
        "recognize_cell, index cold": [_timed(lambda: _cold(texts, catalog)) for _ in range(reps)],
        "recognize_cell, index warm": [_timed(lambda: _warm(texts, catalog)) for _ in range(reps)],
    }
    base = statistics.median(rows["baseline (normalize + split)"])
    print(f"{count} distinct cells, {reps} repetitions (median seconds, ratio to baseline)")
    for name, times in rows.items():
        med = statistics.median(times)
        print(f"  {name:32} {med:8.3f} s  x{med / base:7.1f}")
    bare = [_process([sys.executable, "-c", "pass"]) for _ in range(reps)]
    cli = [_process([sys.executable, "-m", "assessor", "match", "SOC 2"]) for _ in range(reps)]
    print(f"CLI start-up, {reps} runs (median seconds)")
    print(f"  python -c pass                   {statistics.median(bare):8.3f} s")
    print(f"  python -m assessor match 'SOC 2' {statistics.median(cli):8.3f} s")
    extra = statistics.median(cli) - statistics.median(bare)
    print(f"  difference                       {extra:8.3f} s")


if __name__ == "__main__":
    main()
