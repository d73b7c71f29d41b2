"""What every request passes through: the body-size limit, security headers, the origin check.

Plain ASGI (no framework import): a body past the limit is refused with 413 before anything
parses it, and every response gets nosniff, a strict CSP, a Referrer-Policy and no-store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from assessor.app.web.pages import Problem, Reply, problem_reply
from assessor.app.web.scripts import SCRIPT_SOURCES
from assessor.app.web.settings import size_label

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

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send, status: int) -> None:
        if status == 413:
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
        try:
            whole = await self._read(receive)
        except _ClientGone:
            return
        if whole is None:
            await self._refuse(send, 413)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None past the limit (what was read is dropped)."""
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                return None
            chunks.append(body)
            if not message.get("more_body", False):
                return b"".join(chunks)
