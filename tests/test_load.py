"""The load test of issue 15 against a real `assessor serve` on 127.0.0.1 (bench/bench_load.py).

Marked `load` and skipped unless selected (`pytest -m load`, or `make bench`, which runs the
script itself): it starts servers and takes about a minute on two cores.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.load

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_load.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures() -> dict[str, dict[str, object]]:
    result: dict[str, dict[str, object]] = _bench().run(uploads=50, slow=50, heavy_rows=1500)
    print(result)
    return result


def test_fifty_simultaneous_uploads_are_all_answered_without_a_reset(
    figures: dict[str, dict[str, object]],
) -> None:
    burst = figures["burst"]
    assert burst["answered"] == 50, burst
    assert burst["resets"] == 0 and burst["other"] == {}, burst
    assert burst["busy_503_without_retry_after"] == 0, burst
    assert isinstance(burst["served"], int) and burst["served"] >= 1, burst


def test_fifty_slow_connections_do_not_block_a_normal_upload(
    figures: dict[str, dict[str, object]],
) -> None:
    slow = figures["slow"]
    assert slow["normal_status"] == 303, slow
    assert slow["page_status"] == 200, slow
    assert slow["dropped"] == 50, slow
    assert isinstance(slow["longest_open"], float) and slow["longest_open"] < 15, slow


def test_a_disconnected_request_frees_its_slot_within_five_seconds(
    figures: dict[str, dict[str, object]],
) -> None:
    abandoned = figures["abandoned"]
    assert abandoned["second_status"] == 303, abandoned
    freed = abandoned["slot_freed_within"]
    assert isinstance(freed, float) and freed < 5.0, abandoned
    gone = abandoned["worker_gone_after"]
    assert isinstance(gone, float) and gone < 5.0, abandoned  # its worker was killed
