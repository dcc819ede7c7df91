"""``xinyong serve``: run the portal, console and API with Uvicorn."""

from __future__ import annotations

import typer

from xinyong.core import logs
from xinyong.core.config import get_settings


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default XINYONG_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, min=1, max=65535, help="Port (default XINYONG_PORT, 8000)."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (PostgreSQL only; SQLite uses one)."),
) -> None:
    """Serve the platform (portal, console and API) until interrupted."""
    import uvicorn

    settings = get_settings()
    settings.check_production()
    if settings.is_sqlite and workers > 1:
        typer.echo("SQLite is embedded: serving with one worker", err=True)
        workers = 1
    bind_host = host or settings.host
    bind_port = port or settings.port
    typer.echo(f"xinyong serving {settings.platform_name} on http://{bind_host}:{bind_port}")
    uvicorn.run(
        "xinyong.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=logs.log_config(settings.log_format, settings.log_level),
        access_log=settings.log_format != "json",  # JSON: the platform's own access line carries the request id
        proxy_headers=True,
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
    )
