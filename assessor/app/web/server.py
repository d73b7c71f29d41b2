"""`assessor serve`: the upload page under uvicorn (owns uvicorn)."""

from __future__ import annotations

import sys

from assessor.app.web.app import create_app
from assessor.app.web.settings import LOCAL_HOSTS
from assessor.domain.errors import UsageError
from assessor.run.worker import MIB


def serve(*, host: str, port: int, max_upload_mb: int, workers: int) -> None:
    """Run the upload page with uvicorn; warn when it is reachable beyond this machine."""
    import uvicorn

    if max_upload_mb < 1:
        raise UsageError(f"--max-upload-mb {max_upload_mb}: must be at least 1")
    if workers < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: must be between 1 and 65535")
    app = create_app(max_upload_bytes=max_upload_mb * MIB, workers=workers)
    if host not in LOCAL_HOSTS:
        print(
            f"warning: binding to {host}: the upload page has no login, so anyone who can reach "
            "this address can upload workbooks and download the reports. Put it behind an "
            "authenticating reverse proxy with its own body-size limit.",
            file=sys.stderr,
        )
    shown = f"[{host}]" if ":" in host else host
    print(f"assessor: serving the upload page on http://{shown}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        proxy_headers=False,
        limit_concurrency=max(16, workers * 8),
        timeout_keep_alive=5,
    )
