"""`assessor serve`: the upload page under uvicorn (owns uvicorn).

uvicorn has no deadline for a request's line and headers, so a client sending a byte every few
seconds would hold its connection for ever; `GuardedH11Protocol` closes a connection whose
headers are not complete within HEADER_TIMEOUT (bodies are paced by the body middleware).
uvicorn's own `limit_concurrency` is not used: past it uvicorn answers 503 without reading the
body, and a client still sending its upload sees a reset instead; the app's admission limit
answers 503 with Retry-After after reading the body instead.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from assessor.app.web.app import create_app
from assessor.app.web.settings import ANY_HOST, HEADER_TIMEOUT, LOCAL_HOSTS, host_allow_list
from assessor.domain.errors import UsageError
from assessor.run.worker import MIB


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's line and headers."""

    header_timeout: float = HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_timer is not None and not self._awaiting_headers():
            self._header_timer.cancel()
            self._header_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()  # the next request on this connection gets its own

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)

    def _awaiting_headers(self) -> bool:
        import h11

        return bool(self.conn.their_state is h11.IDLE)

    def _arm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._awaiting_headers() and not self.transport.is_closing():
            self.transport.close()


def serve(
    *,
    host: str,
    port: int,
    max_upload_mb: int,
    workers: int,
    allow_hosts: Sequence[str] = (),
) -> None:
    """Run the upload page with uvicorn; warn when it is reachable beyond this machine."""
    import uvicorn

    if max_upload_mb < 1:
        raise UsageError(f"--max-upload-mb {max_upload_mb}: must be at least 1")
    if workers < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: must be between 1 and 65535")
    allowed = host_allow_list(host, allow_hosts)
    app = create_app(max_upload_bytes=max_upload_mb * MIB, workers=workers, allowed_hosts=allowed)
    if host not in LOCAL_HOSTS:
        print(
            f"warning: binding to {host}: the upload page has no login, so anyone who can reach "
            "this address can upload workbooks and download the reports. Put it behind an "
            "authenticating reverse proxy with its own body-size limit.",
            file=sys.stderr,
        )
    if ANY_HOST in allowed:
        print(
            "warning: --allow-host '*': any Host header is answered, so a web page can reach "
            "this server through DNS rebinding",
            file=sys.stderr,
        )
    shown = f"[{host}]" if ":" in host else host
    print(f"assessor: serving the upload page on http://{shown}:{port}/ (Ctrl+C to stop)")
    print(f"assessor: answering for host names {', '.join(sorted(allowed))}")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        proxy_headers=False,
        http=GuardedH11Protocol,
        limit_concurrency=None,
        backlog=2048,
        timeout_keep_alive=5,
    )
