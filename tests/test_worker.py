"""The execution core: every way a job ends is a typed outcome, and only that job is affected."""

from __future__ import annotations

import multiprocessing
import os
import time

from assessor.domain.errors import InputError
from assessor.run.worker import (
    Crashed,
    Done,
    Failed,
    Limits,
    Outcome,
    OutOfMemory,
    TimedOut,
    WorkerPool,
    as_failure,
)


def job(kind: str) -> str:
    """A job that ends the way its name says."""
    if kind == "slow":
        time.sleep(30)
    if kind == "die":
        os._exit(7)
    if kind == "input":
        raise InputError("a.xlsx: no requirements table", hint="add one")
    if kind == "memory":
        raise MemoryError
    return kind.upper()


def test_each_job_gets_its_own_outcome_and_the_pool_carries_on() -> None:
    pool = WorkerPool(
        2, context=multiprocessing.get_context("fork"), limits=Limits(seconds=2, memory_mb=None)
    )
    got: dict[str, Outcome[str]] = {}
    try:
        pool.run(["ok", "slow", "die", "input", "memory", "after"], job, got.__setitem__)
    finally:
        pool.close()
    assert got["ok"] == Done("OK") and got["after"] == Done("AFTER")
    assert got["slow"] == TimedOut()
    assert got["die"] == Crashed(7)
    assert got["memory"] == OutOfMemory()
    failed = got["input"]
    assert isinstance(failed, Failed) and failed.kind == "InputError"
    assert failed.error_lines() == ["a.xlsx: no requirements table", "hint: add one"]
    assert pool.workers == []


def test_one_wording_for_limits_and_deaths() -> None:
    limits = Limits(seconds=5, memory_mb=64)
    assert "took longer than 5 s" in as_failure(TimedOut(), "a.xlsx", limits).message
    assert "more than 64 MB of memory" in as_failure(OutOfMemory(), "a.xlsx", limits).message
    killed = as_failure(Crashed(-9), "a.xlsx", limits).message
    assert "worker process died (signal 9)" in killed and "64 MB memory cap" in killed
