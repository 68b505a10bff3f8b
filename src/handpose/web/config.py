"""Settings of the web app (limits, defaults) and the loopback check. No FastAPI import here."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from pathlib import Path

from ..pipeline import MODELS

log = logging.getLogger("handpose.web")

MiB = 1024 * 1024


@dataclass
class WebConfig:
    """Everything :func:`handpose.web.create_app` needs; the ``handpose serve`` flags map onto these fields.

    Limits (each breach is a 4xx JSON error or a WebSocket error message, never a 500):

    - ``max_upload_bytes``: request body of ``POST /v1/detect`` / ``/v1/captures`` (413 above it).
    - ``max_pixels``: decoded image width × height (413 above it; checked from the header before decoding).
    - ``max_frame_bytes``: one WebSocket frame (error message above it; uvicorn drops far larger messages).
    - ``max_fps``: frames processed per second per WebSocket connection; extra frames are dropped (newest wins).
    - ``max_connections``: concurrent WebSocket connections (close code 1013 above it).
    - ``max_requests``: concurrent REST image requests, queued ones included (429 above it).
    - ``workers``: threads for decoding, inference and encoding (inference itself is serialised per model).
    - ``palm_interval``: None (default) processes each WebSocket frame on its own, as an image; N tracks hands
      from frame to frame on each stream, the palm detector running at most every N frames while a hand is
      tracked (cheaper per frame; a new hand can take up to N-1 frames to appear).
    - ``allowed_hosts``: host names accepted in the ``Host`` header (None: any); ``handpose serve`` on a
      loopback address allows 127.0.0.1, localhost and ::1 only (stops DNS rebinding).
    """

    save_dir: Path | str = "handpose-captures"
    model: str = "full"
    max_hands: int = 2
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    threads: int = 0
    device: str = "cpu"
    max_upload_bytes: int = 20 * MiB
    max_pixels: int = 50_000_000
    max_frame_bytes: int = 2 * MiB
    max_fps: float = 30.0
    max_connections: int = 16
    max_requests: int = 64
    max_hands_limit: int = 10
    workers: int = 4
    jpeg_quality: int = 90
    gallery_limit: int = 200
    allowed_hosts: tuple[str, ...] | None = None
    palm_interval: int | None = None

    def __post_init__(self) -> None:
        self.save_dir = Path(self.save_dir)
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        positive = (
            "max_hands",
            "max_upload_bytes",
            "max_pixels",
            "max_frame_bytes",
            "max_fps",
            "max_connections",
            "max_requests",
            "max_hands_limit",
            "workers",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.max_hands > self.max_hands_limit:
            raise ValueError(f"max_hands must be <= {self.max_hands_limit}, got {self.max_hands}")
        if self.palm_interval is not None and (
            not isinstance(self.palm_interval, int)
            or isinstance(self.palm_interval, bool)
            or self.palm_interval < 1
        ):
            raise ValueError(f"palm_interval must be None or an integer >= 1, got {self.palm_interval!r}")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f"jpeg_quality must be in 1..100, got {self.jpeg_quality}")


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (127.0.0.0/8, ::1, 'localhost')."""
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_if_exposed(host: str) -> bool:
    """Log a warning when the server is bound to a non-loopback address; returns True if it warned."""
    if is_loopback_host(host):
        return False
    log.warning(
        "binding to %s: the web app is reachable from other machines; it has no authentication, and "
        "anyone who can reach it can use the camera page, upload images and read the captures",
        host,
    )
    return True
