"""Running the app under uvicorn: in this process (:func:`serve`) or as a child process (:class:`ServerProcess`,
used by the browser and load tests and by ``benchmarks/web_load.py``)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import MissingExtraError
from .config import WebConfig, warn_if_exposed

log = logging.getLogger("handpose.web")


def open_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port); OSError when it cannot bind."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(
    config: WebConfig,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
    on_listening: Callable[[str], None] | None = None,
) -> None:
    """Serve the app until interrupted (Ctrl+C / SIGTERM). Warns when ``host`` is not a loopback address.

    ``on_listening(url)`` is called once the socket is bound (before the models load).
    """
    try:
        import uvicorn
    except ModuleNotFoundError as exc:
        raise MissingExtraError("uvicorn", "web") from exc
    from .app import create_app

    warn_if_exposed(host)
    sock = open_socket(host, port)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    app = create_app(config)
    uv_config = uvicorn.Config(
        app,
        log_level=log_level,
        ws_max_size=2 * config.max_frame_bytes + 65536,  # the app answers frames up to this with an error
        timeout_graceful_shutdown=5,
    )
    if on_listening is not None:
        on_listening(f"http://{shown_host}:{bound_port}/")
    server = uvicorn.Server(uv_config)
    try:
        with _hangup_shuts_down(server):
            server.run(sockets=[sock])
    finally:
        sock.close()


@contextlib.contextmanager
def _hangup_shuts_down(server: Any) -> Iterator[None]:
    """SIGHUP stops uvicorn gracefully, as SIGINT and SIGTERM do (uvicorn handles only those two), and is then
    raised again for the caller's handler (:func:`handpose.shutdown.stop_on_signals`: exit 129)."""
    hup = getattr(signal, "SIGHUP", None)
    if hup is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    hung_up: list[int] = []

    def handle(signum: int, frame: Any) -> None:
        hung_up.append(signum)
        server.handle_exit(signum, frame)  # uvicorn's graceful stop; it re-raises SIGHUP into handle()

    previous = signal.signal(hup, handle)
    try:
        yield
    finally:
        signal.signal(hup, previous)
    if hung_up:
        signal.raise_signal(hup)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def process_rss_bytes(pid: int) -> int | None:
    """Resident memory of process ``pid`` in bytes (Linux /proc); None where unavailable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class ServerProcess:
    """``handpose serve`` in a child process on a free loopback port; a context manager.

    >>> with ServerProcess("--save-dir", "shots", "--model", "lite") as server:   # doctest: +SKIP
    ...     print(server.url, server.rss_bytes())
    """

    def __init__(
        self,
        *serve_args: str,
        host: str = "127.0.0.1",
        port: int | None = None,
        log_path: str | Path | None = None,
        startup_timeout: float = 120.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.serve_args: Sequence[str] = serve_args
        self.log_path = Path(log_path) if log_path else None
        self.startup_timeout = startup_timeout
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/v1/stream"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("server not started")
        return self.process.pid

    def rss_bytes(self) -> int | None:
        return process_rss_bytes(self.pid)

    def health(self, timeout: float = 5.0) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/v1/health", timeout=timeout) as response:
            return json.loads(response.read())

    def log_text(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def start(self) -> ServerProcess:
        cmd = [sys.executable, "-m", "handpose.web", "--host", self.host, "--port", str(self.port)]
        cmd += list(self.serve_args)
        env = {**os.environ, **(self.env or {})}
        self._log = open(self.log_path, "wb") if self.log_path else None  # noqa: SIM115 - closed in stop()
        out = self._log if self._log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_text()[-2000:]
                self.stop()
                raise RuntimeError(f"handpose serve exited with {self.process.returncode}:\n{tail}")
            with contextlib.suppress(OSError, ValueError):
                if self.health(timeout=2.0).get("status") == "ok":
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"handpose serve did not answer on {self.url} within {self.startup_timeout} s")

    def stop(self) -> int | None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s); its exit code."""
        code = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                code = self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                code = self.process.wait(timeout=10)
        elif self.process is not None:
            code = self.process.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
