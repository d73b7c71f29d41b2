"""The upload server under load and slow clients, on loopback only; prints and saves the figures.

Starts `assessor serve` on 127.0.0.1 (a free port) and measures three things:

1. burst: N uploads sent at the same moment: each must get its result (303 to the results page)
   or 503 with Retry-After; resets and anything else are counted as failures;
2. slow: M slow connections (half dribbling their headers, half their body, a byte every 2 s)
   while one normal upload goes through; how long they stayed open;
3. disconnect: with one worker, an upload whose render takes long is abandoned by its client;
   how soon a second upload gets the slot.

    .venv/bin/python bench/bench_load.py            # 50 uploads, 50 slow connections
    .venv/bin/python bench/bench_load.py --quick    # 20 and 20

Bounded: every socket has a timeout, every phase a deadline; the server is stopped at the end.
Never sends anything to an address other than 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"  # loopback only
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------
# Inputs


def workbook_bytes(unit: str, rows: int) -> bytes:
    """A template-shaped workbook with `rows` distinct requirements for one unit."""
    from assessor.render import xlsxio

    names = ("ISO/IEC 27001", "SOC 2 Type 2", "PCI DSS 4.0", "ISO 27018", "HIPAA", "GDPR")
    wb = xlsxio.new_workbook()
    xlsxio.write_table(
        wb,
        "Requirements",
        ("Business unit", "Framework", "Version", "Scope / notes"),
        [(unit, names[i % len(names)], f"v{i}", f"scope note {i}") for i in range(rows)],
    )
    xlsxio.write_table(
        wb,
        "Business units",
        ("Business unit", "Owner", "Audit period start", "Audit period end"),
        [(unit, "Owner", date(2023, 7, 1), date(2024, 6, 30))],
    )
    return xlsxio.workbook_bytes(wb)


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="workbooks"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def workers_of(server_pid: int) -> list[int]:
    """The worker processes under a server: children of its fork server (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    forkservers = []
    for pid, ppid in parents.items():
        if ppid == server_pid:
            with suppress(OSError):
                if b"forkserver" in (Path("/proc") / str(pid) / "cmdline").read_bytes():
                    forkservers.append(pid)
    return [pid for pid, ppid in parents.items() if ppid in forkservers]


@contextmanager
def server(workers: int, log: Path) -> Iterator[tuple[int, int]]:
    """`assessor serve` on a free loopback port, until the block ends."""
    port = free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assessor",
                "serve",
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with suppress(OSError):
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                conn.request("GET", "/")
                if conn.getresponse().status == 200:
                    break
            time.sleep(0.3)
        else:
            raise RuntimeError(f"the server did not start; see {log}")
        yield port, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class Answer:
    status: int | None
    retry_after: str | None = None
    error: str | None = None
    seconds: float = 0.0


def upload(port: int, body: bytes, ctype: str, *, timeout: float = 180) -> Answer:
    """POST one upload; the answer, or the error seen (reset, closed, timeout)."""
    start = time.monotonic()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("POST", "/assess", body=body, headers={"Content-Type": ctype})
        response = conn.getresponse()
        response.read()
        return Answer(
            response.status, response.getheader("retry-after"), None, time.monotonic() - start
        )
    except ConnectionResetError:
        return Answer(None, error="reset", seconds=time.monotonic() - start)
    except BrokenPipeError:
        return Answer(None, error="reset", seconds=time.monotonic() - start)
    except http.client.RemoteDisconnected:
        return Answer(None, error="closed", seconds=time.monotonic() - start)
    except TimeoutError:
        return Answer(None, error="timeout", seconds=time.monotonic() - start)
    except OSError as err:
        return Answer(None, error=type(err).__name__, seconds=time.monotonic() - start)
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# 1. The burst


@dataclass
class Burst:
    requests: int
    served: int = 0
    busy_503: int = 0
    busy_503_without_retry_after: int = 0
    resets: int = 0
    other: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def answered(self) -> int:
        return self.served + self.busy_503


def burst(port: int, count: int) -> Burst:
    body, ctype = multipart("burst.xlsx", workbook_bytes("Burst unit", 3))
    answers: list[Answer | None] = [None] * count
    gate = threading.Barrier(count)

    def one(i: int) -> None:
        gate.wait()
        answers[i] = upload(port, body, ctype)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    result = Burst(requests=count, seconds=round(time.monotonic() - start, 1))
    other: Counter[str] = Counter()
    for answer in answers:
        if answer is None:
            other["no answer"] += 1
        elif answer.status == 303:
            result.served += 1
        elif answer.status == 503:
            result.busy_503 += 1
            if not answer.retry_after:
                result.busy_503_without_retry_after += 1
        elif answer.error == "reset":
            result.resets += 1
        else:
            other[str(answer.status or answer.error)] += 1
    result.other = dict(other)
    return result


# ---------------------------------------------------------------------------
# 2. Slow clients


@dataclass
class Slow:
    connections: int
    normal_status: int | None = None
    normal_seconds: float = 0.0
    page_status: int | None = None
    dropped: int = 0
    longest_open: float = 0.0
    header_slow_open: float = 0.0
    body_slow_open: float = 0.0


def slow_clients(port: int, count: int, *, gap: float = 2.0, limit: float = 60.0) -> Slow:
    """`count` slow connections; one normal upload and one page while they dribble."""
    result = Slow(connections=count)
    opened: list[tuple[str, float]] = []
    lock = threading.Lock()

    def dribble(kind: str) -> None:
        start = time.monotonic()
        s = socket.create_connection((HOST, port), timeout=limit)
        try:
            if kind == "header":
                s.sendall(b"POST /assess HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                payload = b"X-Slow: " + b"a" * 10_000
            else:
                s.sendall(
                    b"POST /assess HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    b"multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n"
                )
                payload = b"b" * 100_000
            s.settimeout(gap)
            for byte in payload:
                if time.monotonic() - start > limit:
                    break
                try:
                    s.sendall(bytes([byte]))
                except OSError:
                    break  # dropped by the server
                try:
                    if s.recv(4096) == b"":
                        break  # closed by the server
                    break  # an answer (408): the server is done with it
                except TimeoutError:
                    continue
                except OSError:
                    break
        finally:
            s.close()
            with lock:
                opened.append((kind, time.monotonic() - start))

    kinds = ["header" if i % 2 == 0 else "body" for i in range(count)]
    threads = [threading.Thread(target=dribble, args=(k,)) for k in kinds]
    for t in threads:
        t.start()
    time.sleep(1.0)  # every slow connection is open
    body, ctype = multipart("normal.xlsx", workbook_bytes("Normal unit", 3))
    answer = upload(port, body, ctype, timeout=120)
    result.normal_status, result.normal_seconds = answer.status, round(answer.seconds, 1)
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", "/")
        result.page_status = conn.getresponse().status
    except OSError:
        result.page_status = None
    finally:
        conn.close()
    for t in threads:
        t.join(timeout=limit + 10)
    result.dropped = sum(1 for _, seconds in opened if seconds < limit - 1)
    result.longest_open = round(max((s for _, s in opened), default=0.0), 1)
    result.header_slow_open = round(max((s for k, s in opened if k == "header"), default=0.0), 1)
    result.body_slow_open = round(max((s for k, s in opened if k == "body"), default=0.0), 1)
    return result


# ---------------------------------------------------------------------------
# 3. An abandoned request


@dataclass
class Abandoned:
    alone_seconds: float = 0.0
    after_disconnect_seconds: float = 0.0
    second_status: int | None = None
    slot_freed_within: float = 0.0
    worker_gone_after: float | None = None  # seconds from the disconnect to its worker's end


def abandoned(port: int, server_pid: int, heavy_rows: int) -> Abandoned:
    """One worker: a heavy upload abandoned after 3 s; how soon a small one is served."""
    result = Abandoned()
    small, ctype_small = multipart("small.xlsx", workbook_bytes("Small unit", 3))
    result.alone_seconds = round(upload(port, small, ctype_small).seconds, 1)
    heavy, ctype_heavy = multipart("heavy.xlsx", workbook_bytes("Heavy unit", heavy_rows))
    s = socket.create_connection((HOST, port), timeout=30)
    s.sendall(
        f"POST /assess HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {ctype_heavy}\r\n"
        f"Content-Length: {len(heavy)}\r\n\r\n".encode()
        + heavy
    )
    time.sleep(3.0)  # its worker is rendering
    busy = set(workers_of(server_pid))
    s.close()  # the client goes away
    closed = time.monotonic()
    while busy and time.monotonic() - closed < 30:
        if not busy & set(workers_of(server_pid)):
            result.worker_gone_after = round(time.monotonic() - closed, 2)
            break
        time.sleep(0.05)
    answer = upload(port, small, ctype_small, timeout=120)
    result.second_status = answer.status
    result.after_disconnect_seconds = round(answer.seconds, 1)
    result.slot_freed_within = round(max(0.0, answer.seconds - result.alone_seconds), 1)
    return result


# ---------------------------------------------------------------------------


def run(uploads: int, slow: int, heavy_rows: int) -> dict[str, object]:
    log = Path(tempfile.gettempdir()) / "assessor-bench-load.log"
    log.write_bytes(b"")
    figures: dict[str, object] = {}
    with server(workers=2, log=log) as (port, _):
        b = burst(port, uploads)
        figures["burst"] = {**asdict(b), "answered": b.answered}
        figures["slow"] = asdict(slow_clients(port, slow))
    with server(workers=1, log=log) as (port, pid):
        figures["abandoned"] = asdict(abandoned(port, pid, heavy_rows))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 uploads, 20 slow connections")
    args = parser.parse_args()
    uploads, slow = (20, 20) if args.quick else (50, 50)
    figures = run(uploads, slow, heavy_rows=1500)
    text = json.dumps(figures, indent=2)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
