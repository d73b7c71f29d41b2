"""What every request passes through: the Host allow-list, admission, the body-size limit and
rate, security headers, the origin check.

Plain ASGI (no framework import, anyio for timeouts): a request naming a host the server does
not answer is refused (DNS rebinding); an upload past the admitted number (or past the memory
budget for bodies) gets 503 with Retry-After once its body is read (so the client sees the
answer, not a reset);
a body past the limit is refused with 413 before anything parses it, and one arriving too
slowly with 408; every response gets nosniff, a strict CSP, a Referrer-Policy and no-store.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import anyio

from assessor.app.web.pages import Problem, Reply, busy_reply, problem_reply
from assessor.app.web.scripts import SCRIPT_SOURCES
from assessor.app.web.settings import (
    ANY_HOST,
    BODY_GRACE,
    BODY_IDLE,
    MIN_BODY_RATE,
    normal_host,
    size_label,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    f"default-src 'none'; script-src {SCRIPT_SOURCES}; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CSP.encode()),
    # same-origin, not no-referrer: under no-referrer Chromium posts forms with `Origin: null`,
    # which the CSRF check must refuse; same-origin still sends nothing to other sites.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


def same_origin(headers: Mapping[str, str]) -> bool:
    """False when a browser says the form was posted from another site (CSRF defence)."""
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser form post (curl, scripts): nothing to forge
    host = headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


async def send_reply(reply: Reply, send: Send, *, close: bool = False) -> None:
    """Send a reply as raw ASGI messages."""
    headers = [
        (b"content-type", reply.media_type.encode()),
        (b"content-length", str(len(reply.body)).encode()),
        *((name.encode(), value.encode()) for name, value in reply.headers),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


class _ClientGone(Exception):
    """The client disconnected before its body was complete."""


class _TooSlow(Exception):
    """The body paused too long, or fell below the minimum rate."""


def header(scope: Scope, name: bytes) -> str | None:
    """One request header's value (latin-1), or None."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class HostAllowMiddleware:
    """Answers only requests whose Host names this server (localhost, the bound address, and
    the names given with --allow-host): a page on another site that rebinds its own DNS name to
    127.0.0.1 sends its own name as Host and is refused with 421."""

    def __init__(self, app: ASGIApp, *, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = frozenset(normal_host(name) for name in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or ANY_HOST in self.allowed:
            await self.app(scope, receive, send)
            return
        value = header(scope, b"host")
        if value is None or normal_host(value) in self.allowed:  # HTTP/1.0 without Host
            await self.app(scope, receive, send)
            return
        shown = value.encode("ascii", "backslashreplace").decode("ascii")[:100]
        problem = Problem(
            421,
            (
                f"This server does not answer for the host name {shown!r}.",
                "hint: open it as http://localhost:PORT/, or ask the operator to add the name "
                "with --allow-host",
            ),
        )
        await send_reply(problem_reply(problem), send, close=True)


class SecurityHeadersMiddleware:
    """Adds nosniff, a strict CSP, Referrer-Policy and no-store to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS} | {b"cache-control"}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                headers.extend(SECURITY_HEADERS)
                cache = b"public, max-age=3600" if path.startswith("/static/") else b"no-store"
                headers.append((b"cache-control", cache))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Reads the whole request body, refusing it with 413 past the limit, before anything parses it.

    The declared Content-Length is checked first (nothing is read when it is too large); a body
    without one is counted chunk by chunk. Only a body within the limit is replayed to the app, so
    the multipart parser never sees (or spools to disk) a byte of an oversized upload.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        admitted: int | None = None,
        idle: float = BODY_IDLE,
        grace: float = BODY_GRACE,
        min_rate: float = MIN_BODY_RATE,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.admitted = admitted  # requests past their body at once (None: no limit)
        self.active = 0
        # Bytes of bodies held in memory at once: as many full uploads as may be admitted.
        self.budget = max_bytes * (admitted if admitted is not None else 1_000_000)
        self.buffered = 0
        self.idle = idle
        self.grace = grace
        self.min_rate = min_rate

    async def _refuse(self, send: Send, status: int) -> None:
        if status == 408:
            problem = Problem(
                408,
                (
                    "The upload arrived too slowly and was dropped; nothing was stored.",
                    f"hint: the server needs at least {size_label(int(self.min_rate))} a second",
                ),
            )
        elif status == 413:
            problem = Problem(
                413,
                (
                    f"The upload is larger than the limit of {size_label(self.max_bytes)}; "
                    "nothing was stored.",
                    "hint: upload fewer or smaller workbooks at a time, or ask the operator to "
                    "raise --max-upload-mb",
                ),
            )
        else:
            problem = Problem(400, ("The request's Content-Length header is not a number.",))
        await send_reply(problem_reply(problem), send, close=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                if not value.strip().isdigit():
                    await self._refuse(send, 400)
                    return
                declared = int(value)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send, 413)
            return
        held = _Held()
        try:
            await self._receive_and_run(scope, receive, send, held)
        finally:
            self.buffered -= held.bytes

    async def _receive_and_run(
        self, scope: Scope, receive: Receive, send: Send, held: _Held
    ) -> None:
        """Read the body (paced), then admit the request or answer 503 with Retry-After.

        A slow body holds no admission, so slow clients cannot lock others out; a request
        that would take the server past its memory budget for bodies, or past the admitted
        number of requests, is answered 503 once its body is read (never a reset).
        """
        try:
            whole = await self._read(receive, held)
        except _ClientGone:
            return
        except _TooSlow:
            await self._refuse(send, 408)
            return
        if whole is _OVER_LIMIT:
            await self._refuse(send, 413)
            return
        if whole is _OVER_BUDGET or (self.admitted is not None and self.active >= self.admitted):
            await send_reply(busy_reply(), send)
            return
        assert isinstance(whole, bytes)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        self.active += 1
        try:
            await self.app(scope, replay, send)
        finally:
            self.active -= 1

    async def _read(self, receive: Receive, held: _Held) -> bytes | object:
        """The whole body; or _OVER_LIMIT past the size limit, _OVER_BUDGET when holding it
        would pass the memory budget (then the rest is read and dropped).

        Raises _TooSlow when the body pauses longer than `idle`, or when, after `grace`
        seconds, fewer than `min_rate` bytes a second have arrived on average.
        """
        chunks: list[bytes] = []
        total = 0
        keep = True
        start = time.monotonic()
        while True:
            elapsed = time.monotonic() - start
            wait = min(self.idle, self.grace + total / self.min_rate - elapsed)
            if wait <= 0:
                raise _TooSlow
            message: Message | None = None
            with anyio.move_on_after(wait):
                message = await receive()
            if message is None:
                raise _TooSlow
            if message["type"] == "http.disconnect":
                raise _ClientGone
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                return _OVER_LIMIT
            if keep and self.buffered + len(body) > self.budget:
                keep = False  # drop what this request holds; read the rest to answer 503
                chunks.clear()
                self.buffered -= held.bytes
                held.bytes = 0
            if keep:
                chunks.append(body)
                held.bytes += len(body)
                self.buffered += len(body)
            if not message.get("more_body", False):
                return b"".join(chunks) if keep else _OVER_BUDGET


class _Held:
    """Bytes of one request's body held in memory (counted against the budget)."""

    bytes: int = 0


_OVER_LIMIT = object()
_OVER_BUDGET = object()
