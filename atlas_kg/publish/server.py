"""Running the site: ``serve`` (uvicorn, what ``atlas-kg serve`` calls) and ``ServerProcess``
(``atlas-kg serve`` in a subprocess on a free loopback port, for tests and benchmarks).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from ..errors import StoreError
from ..store import open_store
from .config import PublishConfig

__all__ = ["GET_URL_LIMIT", "ServerProcess", "free_port", "serve"]

GET_URL_LIMIT = 256 * 1024
"""Largest request head uvicorn reads (a GET query string); longer requests get 400."""


def serve(store_path: str | Path, config: PublishConfig, *, host: str = "127.0.0.1",
          port: int = 8000, log_level: str = "warning",
          announce: Callable[[str], None] | None = None) -> None:  # fmt: skip
    """Serve the store at ``store_path`` (opened read-only) until interrupted.

    ``announce`` receives a line saying where, once the store is open.
    """
    import uvicorn

    from .app import create_app

    store = open_store(store_path, read_only=True)
    if announce is not None:
        announce(
            f"Serving {store_path} on http://{host}:{port}/ (SPARQL at /sparql); Ctrl-C stops."
        )
    try:
        app = create_app(store, config)
        root_path = config.prefix.rstrip("/")
        uvicorn.run(
            app,
            host=host,
            port=port,
            http="h11",
            h11_max_incomplete_event_size=GET_URL_LIMIT,
            root_path=root_path,
            log_level=log_level,
            timeout_graceful_shutdown=5,
        )
    finally:
        store.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ServerProcess:
    """``atlas-kg serve`` over a store, in a subprocess on 127.0.0.1; a context manager.

    >>> # with ServerProcess("atlas.oxigraph", timeout=2) as server: server.url → http://127.0.0.1:PORT/
    """

    def __init__(self, store_path: str | Path, *, port: int | None = None, base: str | None = None,
                 public_url: str | None = None, timeout: float | None = None,
                 max_results: int | None = None, workers: int | None = None,
                 extra_args: list[str] | None = None, start_timeout: float = 60.0) -> None:  # fmt: skip
        self.store_path = str(store_path)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        args = ["--host", "127.0.0.1", "--port", str(self.port)]
        for flag, value in (("--base", base), ("--public-url", public_url), ("--timeout", timeout),
                            ("--max-results", max_results), ("--workers", workers)):  # fmt: skip
            if value is not None:
                args += [flag, str(value)]
        self.args = args + list(extra_args or [])
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = b""

    def start(self) -> ServerProcess:
        cmd = [sys.executable, "-m", "atlas_kg", "--store", self.store_path, "serve", *self.args]
        # The server's output goes to a file: a pipe nobody reads could fill and block it.
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(
            cmd, stdout=self._output, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StoreError(
                    f"atlas-kg serve exited with {self.proc.returncode}: {self.output()}"
                )
            try:
                # uvicorn accepts connections once the app has started (data read, workers up).
                with urllib.request.urlopen(
                    self.url + "static/publish/site.css", timeout=5
                ) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.1)
        self.stop()
        raise StoreError(
            f"atlas-kg serve did not answer on {self.url} within {self.start_timeout:.0f} s"
        )

    def stop(self) -> None:
        """Stop the server and its SPARQL workers (its process group)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log = self.output().encode()
        self._output.close()

    def output(self) -> str:
        """What the server printed so far."""
        self._output.flush()
        self._output.seek(0)
        return self._output.read().decode(errors="replace")

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()
