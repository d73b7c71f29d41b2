"""Generated results in memory (never on disk) under random tokens, with a TTL and size caps."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class Download:
    """One generated file held in memory for download."""

    name: str
    data: bytes
    media_type: str


@dataclass
class StoredResult:
    """The results page and files of one upload, kept in memory under a random token."""

    page: str
    files: dict[str, Download]
    created: float
    size: int
    render: Callable[[Iterable[tuple[str, str]]], str] | None = None  # the page, filtered

    def view(self, params: Iterable[tuple[str, str]]) -> str:
        """The page for these query parameters (the stored page when it cannot filter)."""
        return self.render(params) if self.render is not None else self.page


class ResultStore:
    """Generated results in memory (never on disk), dropped after a TTL or past a size cap."""

    def __init__(
        self,
        *,
        ttl: float,
        max_bytes: int,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max_bytes = max_bytes
        self._max_entries = max_entries
        self._clock = clock
        self._items: OrderedDict[str, StoredResult] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_token() -> str:
        """A random, unguessable token naming one stored result."""
        return secrets.token_urlsafe(24)

    def put(
        self,
        token: str,
        page: str,
        files: dict[str, Download],
        render: Callable[[Iterable[tuple[str, str]]], str] | None = None,
    ) -> None:
        """Store a result; evict expired, then the oldest, to stay within the caps."""
        size = len(page.encode()) + sum(len(d.data) for d in files.values())
        with self._lock:
            self._items[token] = StoredResult(
                page=page, files=files, created=self._clock(), size=size, render=render
            )
            self._evict()

    def get(self, token: str) -> StoredResult | None:
        """The stored result for a token, or None when unknown or expired."""
        with self._lock:
            self._evict()
            return self._items.get(token)

    def total_bytes(self) -> int:
        """Bytes held now (for tests and monitoring)."""
        with self._lock:
            return sum(item.size for item in self._items.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _evict(self) -> None:
        now = self._clock()
        for token in [t for t, item in self._items.items() if now - item.created > self._ttl]:
            del self._items[token]
        while len(self._items) > 1 and (
            len(self._items) > self._max_entries
            or sum(item.size for item in self._items.values()) > self._max_bytes
        ):
            self._items.popitem(last=False)
