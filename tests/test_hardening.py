"""Issue 15: the server and the batch attacked and overloaded (items 3-13; the load test is in
test_load.py). Fast tests: every server behaviour here runs against the ASGI app or a real
uvicorn on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from intake_fixtures import PLAIN_ROW, XML_HEAD, catalog, raw_xlsx, requirements_xlsx, sheet_xml
from typer.testing import CliRunner

from assessor.app.cli import app as cli_app
from assessor.app.web import app as web_app
from assessor.app.web import server, uploads
from assessor.app.web.middleware import BodyLimitMiddleware, HostAllowMiddleware
from assessor.app.web.settings import host_allow_list, normal_host
from assessor.domain.errors import InputError, OutputError
from assessor.intake import workbook as intake
from assessor.intake.prolog import check_head
from assessor.run import batch, scale, summary
from assessor.run.outdir import LOCK_NAME, OutputLock, check_out_path
from assessor.run.tasks import InputFile, ReadSummary
from assessor.run.terminal import escape
from assessor.run.worker import Cancelled, Limits, TimedOut, WorkerPool

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def batch_options(out: Path | str, **overrides: Any) -> Any:
    from assessor.run.options import BatchOptions

    values: dict[str, Any] = {
        "out": out,
        "formats": "json,xlsx",
        "organization": "",
        "as_of": "2026-11-29",
        "pdf_variant": None,
        "fail_on": None,
        "workers": 1,
        "overwrite": False,
        "merge_units": False,
    }
    values.update(overrides)
    return BatchOptions.from_cli(**values)


def good_workbook(path: Path, unit: str = "Retail", frameworks: tuple[str, ...] = ()) -> Path:
    rows = [[unit, fw, None, None, None, None, None, None] for fw in frameworks or ("ISO 27001",)]
    path.parent.mkdir(parents=True, exist_ok=True)
    return requirements_xlsx(path, rows)


# ---------------------------------------------------------------------------
# 3. One deadline per request; work cancelled when the caller goes


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _pool(**kwargs: Any) -> WorkerPool:
    import multiprocessing

    return WorkerPool(
        1, context=multiprocessing.get_context("fork"), limits=Limits(60, None), **kwargs
    )


def test_a_pool_deadline_bounds_all_jobs_together_not_each() -> None:
    pool = _pool(deadline=time.monotonic() + 1.0)
    outcomes: list[object] = []
    started = time.monotonic()
    try:
        pool.run([0.6, 0.6, 0.6], _sleep, lambda _t, o: outcomes.append(o))
    finally:
        pool.close()
    assert time.monotonic() - started < 3.0
    assert sum(isinstance(o, TimedOut) for o in outcomes) >= 1
    assert len(outcomes) == 3


def test_stop_kills_the_busy_worker_at_once() -> None:
    gone = threading.Event()
    pool = _pool(stop=gone.is_set)
    threading.Timer(0.5, gone.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        pool.run([30.0], _sleep, lambda _t, _o: None)
    assert time.monotonic() - started < 2.0
    assert not any(w.process.is_alive() for w in pool.workers if w.job is not None)
    pool.close()


# ---------------------------------------------------------------------------
# 4 and scale: caps on frameworks per cell, requirements per unit, document rows


def test_a_cell_naming_thousands_of_frameworks_is_refused_naming_the_cell(
    tmp_path: Path,
) -> None:
    cell = "/".join(f"x{i}" for i in range(5518))
    path = requirements_xlsx(tmp_path / "amp.xlsx", [["Retail", cell, None]])
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        intake.read_workbook(path, catalog())
    assert time.monotonic() - started < 30
    assert err.value.message.startswith("amp.xlsx: Requirements!B2: the cell names")
    assert "at most 50" in err.value.message


def test_fifty_frameworks_in_a_cell_are_still_read(tmp_path: Path) -> None:
    cell = "/".join(f"Internal standard {i}" for i in range(50))
    path = requirements_xlsx(tmp_path / "ok.xlsx", [["Retail", cell, None]])
    result = intake.read_workbook(path, catalog())
    assert len(result.requirements) == 50


def test_requirements_per_unit_are_capped(tmp_path: Path) -> None:
    from assessor.intake.caps import check_caps

    rows: list[Any] = [
        {
            "source": {"file": "f", "sheet": "S", "row": r, "column": "B"},
            "business_unit": "Retail",
            "text": f"x{r}",
            "cell_text": f"x{r}",
        }
        for r in range(2, 13)
    ]
    with pytest.raises(InputError, match=r"f: S!B12: business unit 'Retail' has more than 10"):
        check_caps("f", rows, per_unit=10)


def test_a_unit_too_big_for_a_pdf_is_refused_at_once_naming_the_format_that_works() -> None:
    from assessor.domain.models import BusinessUnit

    inputs = [InputFile(0, Path("big.xlsx"))]
    summaries = {
        0: ReadSummary(
            "big.xlsx",
            "0" * 64,
            (BusinessUnit(name="Huge"), BusinessUnit(name="Small")),
            rows={"Huge": 20_000, "Small": 10},
        )
    }
    refused, failures = scale.oversize_units(inputs, summaries, ("pdf", "json"))
    assert refused == {0: {"Huge"}}
    ((_, failure),) = failures
    assert "big.xlsx: business unit 'Huge' has 20,000 rows" in failure.message
    assert "at most 2,000" in failure.message
    assert failure.hint is not None and "--format json" in failure.hint
    assert scale.oversize_units(inputs, summaries, ("json", "xlsx")) == ({}, [])


def test_batch_refuses_the_oversize_unit_and_writes_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scale, "MAX_DOCUMENT_ROWS", 2)
    monkeypatch.setattr(scale.oversize_units, "__kwdefaults__", {"limit": 2, "hint": None})
    folder = tmp_path / "in"
    good_workbook(folder / "big.xlsx", "Big", ("ISO 27001", "SOC 2", "PCI DSS"))
    good_workbook(folder / "small.xlsx", "Small", ("ISO 27001",))
    out = tmp_path / "out"
    code = summary.run_cli([folder], batch_options(out, formats="html,json"))
    assert code == batch.EXIT_SOME_FAILED
    names = sorted(p.name for p in out.iterdir())
    assert "small.html" in names and not any(n.startswith("big") for n in names)
    data = json.loads((out / "manifest.json").read_text())
    (big,) = [i for i in data["inputs"] if i["path"].endswith("big.xlsx")]
    assert "holds at most 2 per unit" in big["error"]


# ---------------------------------------------------------------------------
# 5. Host allow-list


def test_host_names_are_normalised() -> None:
    assert normal_host("Example.COM.:8000") == "example.com"
    assert normal_host("[::1]:8000") == "::1"
    assert normal_host("::1") == "::1"
    assert host_allow_list("0.0.0.0") == frozenset({"localhost", "127.0.0.1", "::1"})
    assert "10.0.0.5" in host_allow_list("10.0.0.5")
    assert "reports.example.org" in host_allow_list("0.0.0.0", ["Reports.Example.org"])


def test_a_foreign_host_gets_421_for_pages_uploads_and_the_template(tmp_path: Path) -> None:
    client = TestClient(web_app.create_app(tmp_root=tmp_path), base_url="http://evil.example")
    headers = {"origin": "http://evil.example"}
    with client:
        for response in (
            client.get("/"),
            client.get("/template.xlsx"),
            client.post("/assess", headers=headers, files={"workbooks": ("a.xlsx", b"x", XLSX)}),
        ):
            assert response.status_code == 421
            assert "evil.example" in response.text and "--allow-host" in response.text
    local = TestClient(web_app.create_app(tmp_root=tmp_path), base_url="http://localhost:8000")
    with local:
        assert local.get("/").status_code == 200
    assert list(tmp_path.iterdir()) == []


def test_allow_host_option_reaches_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    result = CliRunner().invoke(
        cli_app, ["serve", "--port", "8125", "--allow-host", "reports.example.org"]
    )
    assert result.exit_code == 0, result.output
    app, kwargs = calls[0]
    assert kwargs["limit_concurrency"] is None  # uvicorn's limit resets uploads
    assert kwargs["http"] is server.GuardedH11Protocol
    assert "reports.example.org" in app.state.web.settings.allowed_hosts
    assert "127.0.0.1" in app.state.web.settings.allowed_hosts


# ---------------------------------------------------------------------------
# 1 and 2 at the ASGI level: admission and paced bodies


async def _call(app: Any, body_chunks: list[tuple[float, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    chunks = list(body_chunks)

    async def receive() -> dict[str, Any]:
        if not chunks:
            await asyncio.sleep(3600)
        delay, data = chunks.pop(0)
        await asyncio.sleep(delay)
        return {"type": "http.request", "body": data, "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/assess", "headers": []}
    await app(scope, receive, send)
    return sent


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_body_slower_than_the_minimum_rate_gets_408() -> None:
    app = BodyLimitMiddleware(_ok, max_bytes=1000, idle=5, grace=0.2, min_rate=1000)
    sent = asyncio.run(_call(app, [(0.0, b"a"), (0.3, b"b"), (0.3, b"c")]))
    assert sent[0]["status"] == 408


def test_a_body_that_pauses_too_long_gets_408() -> None:
    app = BodyLimitMiddleware(_ok, max_bytes=1000, idle=0.2, grace=10, min_rate=1)
    sent = asyncio.run(_call(app, [(0.0, b"a"), (0.5, b"b")]))
    assert sent[0]["status"] == 408


def test_past_the_admitted_requests_the_answer_is_503_with_retry_after_after_the_body() -> None:
    release = asyncio.Event()

    async def hold(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = BodyLimitMiddleware(hold, max_bytes=1000, admitted=1)

    async def scenario() -> tuple[list[Any], list[Any]]:
        first = asyncio.create_task(_call(app, [(0.0, b"x")]))
        await asyncio.sleep(0.1)
        second = await _call(app, [(0.0, b"y" * 10), (0.01, b"z")])  # read whole, then 503
        release.set()
        return await first, second

    first, second = asyncio.run(scenario())
    assert first[0]["status"] == 200
    assert second[0]["status"] == 503
    assert (b"retry-after", b"30") in second[0]["headers"]
    assert app.buffered == 0 and app.active == 0


def test_bodies_past_the_memory_budget_get_503_not_buffered() -> None:
    app = BodyLimitMiddleware(_ok, max_bytes=100, admitted=1)
    app.buffered = 95  # another upload holds nearly all of the budget (100 bytes)
    sent = asyncio.run(_call(app, [(0.0, b"x" * 10)]))
    assert sent[0]["status"] == 503
    assert app.buffered == 95


def _serve_in_thread(tmp_path: Path, **kwargs: Any) -> tuple[int, Any, threading.Thread]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = web_app.create_app(tmp_root=tmp_path, **kwargs)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=server.GuardedH11Protocol,
        log_level="error",
        lifespan="off",
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return port, uv, thread


def test_headers_sent_too_slowly_are_dropped_while_others_are_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server.GuardedH11Protocol, "header_timeout", 0.5)
    port, uv, thread = _serve_in_thread(tmp_path)
    try:
        slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(20)]
        for s in slow:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as normal:
            normal.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            assert normal.recv(100).startswith(b"HTTP/1.1 200")
        time.sleep(1.0)
        for s in slow:
            assert s.recv(100) == b""  # closed by the server
            s.close()
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


# ---------------------------------------------------------------------------
# 6. Workers die with the server; stale upload folders removed at the next start


def test_upload_folders_of_a_dead_server_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from assessor.app.web import uploads\n"
        "with uploads.private_folder(Path(sys.argv[1])) as f:\n"
        "    (f / 'upload-01.xlsx').write_bytes(b'secret'); print(f, flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    dead = Path(proc.stdout.readline().strip())
    with uploads.private_folder(tmp_path) as live:
        assert uploads.sweep(tmp_path) == []  # both owners alive
        proc.kill()  # SIGKILL: no cleanup runs
        proc.wait(timeout=10)
        assert dead.exists()
        assert uploads.sweep(tmp_path) == [dead]
        assert not dead.exists() and live.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_pool_workers_die_when_their_owner_is_killed(tmp_path: Path) -> None:
    code = (
        "import multiprocessing, os, sys, time\n"
        "from assessor.run.worker import WorkerPool, Limits\n"
        "def job(x):\n"
        "    print(os.getpid(), flush=True); time.sleep(120)\n"
        "if __name__ == '__main__':\n"
        "    ctx = multiprocessing.get_context(sys.argv[1])\n"
        "    WorkerPool(1, context=ctx, limits=Limits(None, None)).run([1], job, print)\n"
    )
    script = tmp_path / "owner.py"
    script.write_text(code)
    for method in ("fork", "forkserver"):
        proc = subprocess.Popen(
            [sys.executable, str(script), method],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert proc.stdout is not None
        worker = int(proc.stdout.readline())
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(worker):
            time.sleep(0.05)
        assert not _alive(worker), method


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


# ---------------------------------------------------------------------------
# 7. A DOCTYPE after a processing instruction


@pytest.mark.parametrize(
    "prolog",
    [
        b'<?pi <x ?><!DOCTYPE r [<!ENTITY e "x">]>',
        b"<?a?><!-- <b --><?c <d?>\n<!DOCTYPE r>",
    ],
)
def test_a_doctype_after_a_processing_instruction_is_caught_by_the_precheck(
    tmp_path: Path, prolog: bytes
) -> None:
    with pytest.raises(InputError, match="DOCTYPE or entity"):
        check_head(XML_HEAD + prolog + b"<worksheet/>", "xl/worksheets/sheet1.xml", "f.xlsx")
    path = tmp_path / "pi.xlsx"
    path.write_bytes(raw_xlsx(sheet=sheet_xml(PLAIN_ROW, prolog)))
    with pytest.raises(InputError, match=r"pi\.xlsx: XML part 'xl/worksheets/sheet1\.xml'"):
        intake.read_workbook(path, catalog())


def test_ordinary_prologs_still_pass() -> None:
    check_head(XML_HEAD + b"<?mso-application progid='Excel'?><!-- c --><r/>", "p", "f.xlsx")


# ---------------------------------------------------------------------------
# 8. Two batches into one --out


def test_a_second_run_into_a_claimed_folder_is_refused_naming_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    inputs = good_workbook(tmp_path / "in" / "a.xlsx")
    with OutputLock(out):
        assert (out / LOCK_NAME).exists()
        with pytest.raises(OutputError, match=r"another assessor run .*pid \d+"):
            summary.run_cli([inputs], batch_options(out))
        assert not (out / "manifest.json").exists()
    assert not out.exists()  # the lock is gone with its run, and the folder it made
    assert summary.run_cli([inputs], batch_options(out)) == batch.EXIT_OK
    assert not (out / LOCK_NAME).exists()


def test_two_processes_racing_into_one_folder_one_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for i in range(3):
        good_workbook(folder / f"u{i}.xlsx", f"Unit {i}")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "assessor", "assess", str(folder), "--out", str(out)]
    cmd += ["--format", "json", "--as-of", "2026-11-29", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2)
    # overlapping runs: the lock refuses the second; on a busy machine the first may already
    # have finished, and the second is refused because the folder holds its reports
    assert (
        "another assessor run is writing into this folder" in refused
        or "already holds reports" in refused
    ), refused
    data = json.loads((out / "manifest.json").read_text())
    listed = {o["path"] for i in data["inputs"] for o in i["outputs"]}
    assert listed | {"manifest.json"} | {p.name for p in out.glob("portfolio*")} == {
        p.name for p in out.iterdir()
    }


# ---------------------------------------------------------------------------
# 9. A full disk: exit 2 only when nothing was written


def test_a_full_disk_after_a_written_unit_exits_1_keeps_and_lists_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    good_workbook(folder / "a.xlsx", "Alpha")
    good_workbook(folder / "b.xlsx", "Beta")
    real_write = os.write
    out = tmp_path / "out"
    from assessor.run import files

    real_stage = files._stage
    calls = {"n": 0}

    def stage(path: Path, data: bytes) -> str:
        calls["n"] += 1
        if calls["n"] == 3:  # Alpha's json and xlsx went in; Beta's json hits a full disk
            raise OSError(28, "No space left on device")
        return real_stage(path, data)

    monkeypatch.setattr(files, "_stage", stage)
    del real_write
    result = batch.run([folder], batch_options(out))
    assert result.exit_code == batch.EXIT_SOME_FAILED
    assert result.stopped is not None and "No space left" in result.stopped
    assert "beta.json" in result.stopped
    names = sorted(p.name for p in out.iterdir())
    assert names == ["alpha.json", "alpha.xlsx", "manifest.json"]  # Beta: none of its set
    data = json.loads((out / "manifest.json").read_text())
    assert data["status"] == "stopped"
    assert {o["path"] for i in data["inputs"] for o in i["outputs"]} == {
        "alpha.json",
        "alpha.xlsx",
    }


def test_a_full_disk_before_anything_was_written_is_exit_2_with_nothing_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessor.run import files

    def stage(path: Path, data: bytes) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "_stage", stage)
    inputs = good_workbook(tmp_path / "in" / "a.xlsx")
    out = tmp_path / "out"
    with pytest.raises(OutputError, match=r"retail\.json: cannot write: No space left"):
        batch.run([inputs], batch_options(out))
    assert not out.exists()


# ---------------------------------------------------------------------------
# 10. A FIFO or a device as input


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(InputError, match=r"pipe.xlsx: is not a regular file \(a named pipe"):
        intake.read_workbook(fifo, catalog())
    assert time.monotonic() - started < 5


def test_a_device_is_refused_unread() -> None:
    with pytest.raises(InputError, match="zero: is not a regular file"):
        intake.read_workbook(Path("/dev/zero"), catalog(), display_name="zero")


def test_the_batch_names_a_fifo_input_and_goes_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    good = good_workbook(tmp_path / "in" / "a.xlsx")
    result = batch.run([fifo, good], batch_options(tmp_path / "out"))
    assert result.exit_code == batch.EXIT_SOME_FAILED
    assert any("pipe.xlsx: not a regular file" in p for p in result.problems)


def test_bytes_read_are_capped_whatever_the_size_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessor.intake.limits import Limits as IntakeLimits

    path = tmp_path / "grows.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"x" * 5000)
    real_fstat = os.fstat

    def lying_fstat(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, *st[1:6], 0, *st[7:10]))  # size 0, like a device

    monkeypatch.setattr(os, "fstat", lying_fstat)
    with pytest.raises(InputError, match=r"grew past the limit"):
        intake.read_workbook(path, catalog(), limits=IntakeLimits(max_file_bytes=1000))


# ---------------------------------------------------------------------------
# 11. --out edge cases


def test_out_that_is_a_symlink_loop_is_refused_without_a_traceback(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    inputs = good_workbook(tmp_path / "in" / "a.xlsx")
    result = CliRunner().invoke(cli_app, ["assess", str(inputs), "--out", str(loop)])
    assert result.exit_code == 2, result.output
    assert "is a symbolic link loop" in result.output
    assert "Traceback" not in result.output


def test_out_that_is_a_dangling_symlink_says_so(tmp_path: Path) -> None:
    link = tmp_path / "dangling"
    os.symlink(tmp_path / "nowhere", link)
    with pytest.raises(OutputError, match=r"is a symbolic link to .*nowhere, which does not exist"):
        check_out_path(link)


def test_out_empty_is_refused(tmp_path: Path) -> None:
    inputs = good_workbook(tmp_path / "in" / "a.xlsx")
    result = CliRunner().invoke(cli_app, ["assess", str(inputs), "--out", ""])
    assert result.exit_code == 2
    assert "--out is empty" in result.output


def test_out_that_links_to_a_folder_says_where_reports_go(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    os.symlink(real, link)
    inputs = good_workbook(tmp_path / "in" / "a.xlsx")
    result = batch.run([inputs], batch_options(link))
    assert result.exit_code == batch.EXIT_OK
    assert result.out_note is not None and f"reports go to {real}" in result.out_note
    assert (real / "retail.json").is_file()


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        check_out_path(afile)


# ---------------------------------------------------------------------------
# 12. Names printed escaped


def test_escape_spells_out_controls_and_bidi() -> None:
    assert escape("a\nerror: forged") == "a\\nerror: forged"
    assert escape("\x1b[31mred") == "\\x1b[31mred"
    assert escape("evil\u202exslx.exe") == "evil\\u202exslx.exe"
    assert escape("Zürich 中文 plain") == "Zürich 中文 plain"


def test_a_file_name_cannot_forge_lines_or_reach_the_terminal_raw(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x\nerror: forged\x1b[31m.xlsx").write_bytes(b"not a workbook")
    good_workbook(folder / "good.xlsx")
    out = str(tmp_path / "o")
    args = ["assess", str(folder), "--out", out, "--format", "json", "--as-of", "2026-11-29"]
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", *args, "--workers", "1"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "\x1b" not in proc.stderr + proc.stdout
    assert not any(line.startswith("error: forged") for line in proc.stderr.splitlines())
    assert "x\\nerror: forged\\x1b[31m.xlsx" in proc.stderr


# ---------------------------------------------------------------------------
# 13. Signals in the first moments


def _handles_sigterm(pid: int) -> bool:
    """Whether the process has its own SIGTERM handler yet (/proc's SigCgt mask)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    except FileNotFoundError:
        pass
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15])
def test_an_early_signal_exits_130_without_a_traceback(
    tmp_path: Path, sig: signal.Signals, delay: float
) -> None:
    """From the first line of assessor's own code (before which only the interpreter's start
    runs, 50-160 ms on a loaded machine), SIGINT and SIGTERM exit 130 quietly."""
    inputs = good_workbook(tmp_path / "in" / "a.xlsx")
    proc = subprocess.Popen(
        [sys.executable, "-m", "assessor", "assess", str(inputs), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not _handles_sigterm(proc.pid) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    time.sleep(delay)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal")  # pragma: no cover
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err or err == ""
    out = tmp_path / "o"
    assert not out.exists() or not list(out.glob("*.part"))


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("a", "b")
    return buffer.getvalue()


def test_host_middleware_lets_a_request_without_host_through() -> None:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])

    mw = HostAllowMiddleware(inner, allowed=frozenset({"localhost"}))
    asyncio.run(mw({"type": "http", "path": "/", "headers": []}, None, None))  # type: ignore[arg-type]
    assert seen == ["/"]
