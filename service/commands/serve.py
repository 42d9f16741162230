"""``redlens serve``: run the API (uvicorn) on the configured database and models."""

from __future__ import annotations

import os
import shutil
import socket
from typing import Annotated, Any

import typer

APP_FACTORY = "service.main:create_app"


def tcp_listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket created with ``IPPROTO_TCP``.

    uvicorn's multi-worker supervisor binds its socket with protocol 0; accepted connections
    inherit it and asyncio then never sets ``TCP_NODELAY`` on them, so on Linux every keep-alive
    request after the first waits ~40 ms for the client's delayed ACK (uvicorn issue #3149).
    Binding the socket here, with the protocol named, avoids that.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise typer.BadParameter(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def serve(
    host: Annotated[
        str, typer.Option(help="interface to listen on (127.0.0.1: this machine only)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="server processes")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the API and docs (http://HOST:PORT/docs). Settings come from REDLENS_* variables."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from service.config import get_settings
    from service.metrics import MULTIPROC_ENV

    settings = get_settings()
    typer.echo(f"RedLens API on http://{host}:{port} (docs: /docs), {workers} worker(s)", err=True)
    options: dict[str, Any] = {"factory": True, "host": host, "port": port, "log_level": log_level}
    if workers == 1:
        uvicorn.run(APP_FACTORY, proxy_headers=False, **options)
        return
    if not os.environ.get(MULTIPROC_ENV):
        # Each worker is a process: Prometheus samples go to files that /metrics sums up.
        folder = settings.data_dir / "prometheus"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[MULTIPROC_ENV] = str(folder)
    config = uvicorn.Config(APP_FACTORY, workers=workers, proxy_headers=False, **options)
    sock = tcp_listener(host, port)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
