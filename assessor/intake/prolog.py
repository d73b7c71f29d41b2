"""The XML prolog rule every part must pass: UTF-8, no DOCTYPE, no entity declarations."""

from __future__ import annotations

import re

from assessor.intake.limits import fail

HEAD_LIMIT = 64 * 1024  # the XML prolog (before the root element) must fit in this

_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def check_head(head: bytes, name: str, display: str) -> None:
    """The prolog must be UTF-8 and declare no DTD: Excel never writes one."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:200]:
        raise fail(display, f"XML part {name!r} is not UTF-8 (not produced by Excel) — rejected")
    root = root_start(head)
    prolog = head if root < 0 else head[:root]
    upper = prolog.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise fail(
            display,
            f"XML part {name!r} contains a DOCTYPE or entity declarations (not produced by "
            "Excel) — rejected",
        )
    match = _ENCODING.search(prolog)
    if match and match.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise fail(
            display,
            f"XML part {name!r} declares encoding {match.group(1).decode('ascii')!r} "
            "(not produced by Excel) — rejected",
        )
    if root < 0 and len(head) >= HEAD_LIMIT:
        raise fail(
            display, f"XML part {name!r} has an oversized prolog (not produced by Excel) — rejected"
        )


_ROOT_START = re.compile(rb"<[A-Za-z_]")


def root_start(head: bytes) -> int:
    """Offset of the root element's start tag, skipping declarations, comments and PIs.

    Comments (`<!-- -->`) and processing instructions (`<?pi ... ?>`, the XML declaration
    among them) are skipped whole, so a `<name` written inside one is not taken for the root
    and a DOCTYPE after it stays in the prolog the caller checks.
    """
    pos = 0
    while True:
        match = _ROOT_START.search(head, pos)
        if match is None:
            return -1
        skipped = _enclosing(head, pos, match.start())
        if skipped is None:
            return match.start()
        if skipped < 0:
            return -1  # a comment or PI that does not end inside the head
        pos = skipped


def _enclosing(head: bytes, pos: int, at: int) -> int | None:
    """If `at` lies inside a comment or PI opened at or after `pos`, where it ends (-1 if it
    does not end in `head`); None when `at` is outside every one."""
    while True:
        comment = head.find(b"<!--", pos, at)
        pi = head.find(b"<?", pos, at)
        starts = [
            (start, closer) for start, closer in ((comment, b"-->"), (pi, b"?>")) if start >= 0
        ]
        if not starts:
            return None
        start, closer = min(starts)
        end = head.find(closer, start + (4 if closer == b"-->" else 2))
        if end < 0:
            return -1
        end += len(closer)
        if end > at:
            return end
        pos = end
