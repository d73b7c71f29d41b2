"""Limits of one upload-page instance, and the state its request handlers share."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assessor.app.web.progress import JobBoard
from assessor.app.web.store import ResultStore
from assessor.domain.models import Catalog
from assessor.render import registry
from assessor.run.worker import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT, MIB, Limits

DEFAULT_MAX_UPLOAD_BYTES = 20 * MIB
DEFAULT_MAX_FILES = 10
DEFAULT_WORKERS = 2
DEFAULT_RENDER_TIMEOUT = DEFAULT_TIME_LIMIT
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ANY_HOST = "*"

# Slow clients: a request's line and headers must arrive within HEADER_TIMEOUT; its body may
# pause at most BODY_IDLE between chunks and, after BODY_GRACE, must keep up MIN_BODY_RATE on
# average (so a 20 MB upload may take about ten minutes, a byte every few seconds is dropped).
HEADER_TIMEOUT = 10.0
BODY_IDLE = 10.0
BODY_GRACE = 10.0
MIN_BODY_RATE = 32 * 1024  # bytes per second
RETRY_AFTER = 30  # seconds, on every 503


def host_allow_list(bound: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host names the server answers: localhost, the bound address, and any given."""
    names = set(LOCAL_HOSTS)
    if bound not in ("0.0.0.0", "::", ""):
        names.add(bound)
    names.update(extra)
    return frozenset(normal_host(name) for name in names if name.strip())


def normal_host(value: str) -> str:
    """`Example.COM.:8000` -> `example.com`; `[::1]:8000` -> `::1`; `*` stays."""
    host = value.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


@dataclass(frozen=True)
class WebSettings:
    """Limits of one app instance."""

    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_files: int = DEFAULT_MAX_FILES
    workers: int = DEFAULT_WORKERS
    render_timeout: float = DEFAULT_RENDER_TIMEOUT  # seconds per job, as in the batch
    queue_wait: float = 10.0  # seconds a request waits for a free worker before 503
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB  # per worker process (None: no cap)
    store_ttl: float = 3600.0  # seconds results stay downloadable
    store_max_bytes: int = 256 * MIB
    store_max_entries: int = 100
    max_text_field: int = 200  # characters kept of the organization name
    allowed_hosts: frozenset[str] = LOCAL_HOSTS  # Host header names answered (DNS rebinding)
    max_waiting: int | None = None  # uploads admitted beyond the workers (None: 4 per worker)

    @property
    def admitted(self) -> int:
        """Uploads in progress at once (receiving, waiting or running); more get 503 at once."""
        waiting = self.max_waiting if self.max_waiting is not None else 4 * self.workers
        return self.workers + waiting

    progress_after: float | None = 1.5  # seconds a POST waits before the progress page (None: all)

    @property
    def limits(self) -> Limits:
        """The per-job limits, in the worker core's terms."""
        return Limits(seconds=self.render_timeout, memory_mb=self.memory_limit_mb)


@dataclass
class WebState:
    """Everything the request handlers share: settings, store, worker slots, the catalog."""

    settings: WebSettings
    today: Callable[[], date]
    tmp_root: Path | None
    store: ResultStore
    slots: threading.BoundedSemaphore
    catalog_loader: Callable[[], Catalog]
    queue: deque[object] = field(default_factory=deque)  # uploads waiting for a slot, in order
    board: JobBoard = field(default_factory=lambda: JobBoard(keep=3600.0))
    _catalog: Catalog | None = None
    _catalog_lock: threading.Lock = field(default_factory=threading.Lock)

    def catalog(self) -> Catalog:
        """The catalog, loaded once on first use (raises CatalogError)."""
        with self._catalog_lock:
            if self._catalog is None:
                self._catalog = self.catalog_loader()
            return self._catalog


def web_formats() -> tuple[str, ...]:
    """The formats offered for download (the registry's web formats)."""
    return tuple(fmt.name for fmt in registry.web_formats())


def duration_label(seconds: float) -> str:
    """How long results stay: `1 hour`, `30 minutes`, `2 hours`."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return f"{hours} hour{'' if hours == 1 else 's'}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def size_label(size: int) -> str:
    """A byte count for people: `20 MB`, `512 KB`."""
    if size >= MIB:
        return f"{size / MIB:.3g} MB"
    return f"{size / 1024:.3g} KB"
