"""Real SPARQL servers on 127.0.0.1 for the remote-store tests, and a fault-injecting proxy.

- ``OxigraphServer``: ``oxigraph serve`` from the PyPI package ``oxigraph`` (the test extra).
- ``VirtuosoServer``: Debian's ``virtuoso-opensource`` (``virtuoso-t``) with a private
  ``virtuoso.ini`` in a temporary folder: its own database files and free ports; digest
  authentication (user ``dba``) on ``/sparql-auth`` and ``/sparql-graph-crud-auth``.
- ``FaultProxy``: a real HTTP server in front of a real server that answers the first N
  requests of one method with an error status and forwards everything else.

Each binds free ports, so tests running in parallel do not collide; fixtures stop the
servers after use. Use them with ``pytest_plugins = ["servers"]`` in a test module.
"""

from __future__ import annotations

import configparser
import contextlib
import ctypes
import http.client
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from atlas_kg.remote import RemoteConfig, RemoteStore, config_from_url
from bench.common import oxigraph_command

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the test process dies (Linux), so that
    a killed test run leaves no server behind."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: nothing to do
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Poll ``url`` until the server answers 200; fail with its log if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}:\n{log.read_text()[-2000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server not ready after {timeout} s:\n{log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen | None, log: Path | None = None) -> None:
    if process is None:
        return
    if process.poll() is not None:
        if process.returncode not in (0, -15) and log is not None:
            # It died under a test (Virtuoso 7.2 has segfaulted here once): say so.
            raise RuntimeError(
                f"the server had exited with {process.returncode}:\n{log.read_text()[-2000:]}"
            )
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def fast_retries(config: RemoteConfig, **changes: object) -> RemoteConfig:
    """A config that retries quickly, so fault tests take no time waiting."""
    return replace(config, **{"retries": 2, "backoff": 0.01, "timeout": 30.0, **changes})


class OxigraphServer:
    """``oxigraph serve`` on a free port, its database in ``location`` (kept across restarts)."""

    ASK = "/query?query=ASK%7B%7D"

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = location.parent / f"{location.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> RemoteConfig:
        return fast_retries(config_from_url(self.url))

    def store(self, **changes: object) -> RemoteStore:
        return RemoteStore(replace(self.config(), **changes))

    def start(self) -> OxigraphServer:
        binary = oxigraph_command()
        if binary is None:
            pytest.skip("the `oxigraph` server binary is absent: pip install oxigraph (test extra)")
        for attempt in range(3):
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [
                        binary,
                        "serve",
                        "--location",
                        str(self.location),
                        "--bind",
                        f"127.0.0.1:{self.port}",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent,
                )
            try:
                _wait_ready(self.url + self.ASK, self.process, self.log, timeout=30)
                return self
            except RuntimeError:
                _stop(self.process)
                if attempt == 2:
                    raise
                self.port = free_port()  # taken meanwhile by another process: try another
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        _stop(process, self.log)


class VirtuosoServer:
    """Virtuoso Open Source with a private ini: database in ``workdir``, free ports."""

    def __init__(
        self, workdir: Path, result_rows: int = 1_000_000, sorted_rows: int = 10_000
    ) -> None:
        self.workdir = workdir
        self.result_rows = result_rows
        """``ResultSetMaxRows``: where Virtuoso cuts a SELECT's answer, silently."""
        self.sorted_rows = sorted_rows
        """``MaxSortedTopRows`` (its default): ORDER BY with OFFSET + LIMIT beyond it fails."""
        self.sql_port = free_port()
        self.http_port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = workdir / "virtuoso.out"

    @staticmethod
    def missing() -> str | None:
        """Why Virtuoso cannot run here, or None."""
        if shutil.which("virtuoso-t") is None:
            return "virtuoso-t is absent: apt-get install virtuoso-opensource (Debian)"
        if not VIRTUOSO_INI.exists():
            return f"{VIRTUOSO_INI} is absent (Debian's virtuoso-opensource-7 package)"
        return None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def url(self) -> str:
        """The authenticated endpoint: queries and writes with digest auth."""
        return self.root + "/sparql-auth"

    def config(self, user: str = VIRTUOSO_USER, password: str = VIRTUOSO_PASSWORD) -> RemoteConfig:
        return fast_retries(
            config_from_url(self.url).with_credentials(user, password), auth="digest"
        )

    def store(self, **changes: object) -> RemoteStore:
        return RemoteStore(replace(self.config(), **changes))

    def _ini(self) -> Path:
        ini = configparser.ConfigParser(
            strict=False, interpolation=None, inline_comment_prefixes=(";",)
        )
        ini.optionxform = str  # type: ignore[assignment,method-assign]
        ini.read(VIRTUOSO_INI)
        d = self.workdir
        ini["Database"].update(
            DatabaseFile=str(d / "virtuoso.db"),
            ErrorLogFile=str(d / "virtuoso.log"),
            LockFile=str(d / "virtuoso.lck"),
            TransactionFile=str(d / "virtuoso.trx"),
            xa_persistent_file=str(d / "virtuoso.pxa"),
        )
        ini["TempDatabase"].update(
            DatabaseFile=str(d / "virtuoso-temp.db"), TransactionFile=str(d / "virtuoso-temp.trx")
        )
        ini["Parameters"]["ServerPort"] = f"127.0.0.1:{self.sql_port}"
        ini["Parameters"]["MaxSortedTopRows"] = str(self.sorted_rows)
        ini["HTTPServer"]["ServerPort"] = f"127.0.0.1:{self.http_port}"
        # The packaged defaults cut results at 10,000 rows and refuse queries whose
        # *estimated* cost is high (the estimate is far off on the named queries).
        ini["SPARQL"].update(
            ResultSetMaxRows=str(self.result_rows),
            MaxQueryCostEstimationTime="0",
            MaxQueryExecutionTime="0",
        )
        path = d / "virtuoso.ini"
        with open(path, "w") as fh:
            ini.write(fh)
        return path

    def start(self) -> VirtuosoServer:
        reason = self.missing()
        if reason:
            pytest.skip(reason)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                ["virtuoso-t", "-f", "-c", str(self._ini())],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        _wait_ready(self.root + "/sparql?query=ASK%7B%7D", self.process, self.log, timeout=180)
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        _stop(process, self.log)


class FaultProxy:
    """A real HTTP proxy on 127.0.0.1: answers the first ``failures`` requests whose
    method is ``method`` with ``status``, waits ``delay`` seconds before forwarding the
    others of that method, and forwards every other request to ``upstream``."""

    def __init__(
        self,
        upstream: str,
        *,
        method: str = "PUT",
        failures: int = 0,
        status: int = 500,
        delay: float = 0.0,
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.method, self.failures, self.status, self.delay = method, failures, status, delay
        self.injected = 0
        self.forwarded: Counter[str] = Counter()
        """Requests forwarded, per method."""
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy._lock:
                    fail = self.command == proxy.method and proxy.injected < proxy.failures
                    if fail:
                        proxy.injected += 1
                    else:
                        proxy.forwarded[self.command] += 1
                if fail:
                    message = f"injected failure {proxy.injected} of {proxy.failures}".encode()
                    self.send_response(proxy.status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)
                    return
                if self.command == proxy.method and proxy.delay:
                    time.sleep(proxy.delay)
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")
                }
                conn = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                finally:
                    conn.close()
                self.send_response(response.status, response.reason)
                for k, v in response.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    """An empty Oxigraph server for one test."""
    server = OxigraphServer(tmp_path / "oxigraph-db").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One Virtuoso per test session (per xdist worker; it takes seconds to start): tests
    share it, so each one clears it first or compares counts before and after. Mark them
    ``xdist_group("virtuoso")`` so that one worker runs them all."""
    reason = VirtuosoServer.missing()
    if reason:
        pytest.skip(reason)
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fault_proxy() -> Iterator[list[FaultProxy]]:
    """Proxies started by the test (``fault_proxy.append(FaultProxy(...).start())``),
    stopped after it."""
    proxies: list[FaultProxy] = []
    try:
        yield proxies
    finally:
        for proxy in proxies:
            proxy.stop()
