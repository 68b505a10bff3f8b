"""What the web app does besides HTTP: validate and decode images, run the landmarker, annotate, keep captures.

Blocking work (decoding, inference, encoding, disk) runs in threads so the event loop never waits on it:
decoding/encoding in a small shared pool, inference in one thread per model (so calls on one model are
serialised in arrival order, and never more than one ONNX Runtime run per model uses the cores at once).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np

from ..api import HandLandmarker
from ..errors import ImageReadError, ImageTooLargeError
from ..geometry import NormRect
from ..io.atomic import atomic_write_bytes
from ..io.images import decode_image, encode_jpeg
from ..pipeline import MODELS
from ..results import HandLandmarkerResult
from .config import WebConfig
from .errors import ApiError, payload_too_large, unprocessable, unsupported_media_type

log = logging.getLogger("handpose.web")
T = TypeVar("T")
THOROUGH_INTERVAL = 10  # tracked streams with "find small hands": frames between thorough searches

CAPTURE_NAME = re.compile(
    r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})\.jpg"
)
"""Capture file names (matched whole, ``fullmatch``): the tutorial's ``str(uuid.uuid1()) + ".jpg"`` (8-4-4-4-12
lowercase hex digits with dashes; what the server writes) or the older ``uuid4().hex + ".jpg"`` (32 hex digits).
Nothing else a client sends is ever joined to the capture folder."""

# uuid1's node field is normally the host's MAC address; capture names are shown to every web client, so a
# random node id (multicast bit set, as RFC 4122 section 4.5 asks for ids not taken from a network card) keeps
# the tutorial's name format without publishing the MAC.
_CAPTURE_NODE = int.from_bytes(os.urandom(6), "big") | (1 << 40)


def new_capture_name() -> str:
    """A fresh capture name: ``str(uuid.uuid1()) + ".jpg"`` like the tutorial's (with a random node id)."""
    return f"{uuid.uuid1(node=_CAPTURE_NODE)}.jpg"


# Formats accepted over HTTP and the WebSocket, by their first bytes, with their media types. Only formats
# whose header gives the image size (checked against max_pixels before decoding) are accepted: TIFF, whose
# size can hide anywhere in the file, is not (a small compressed TIFF can decode to gigabytes).
_MAGIC: tuple[tuple[str, bytes], ...] = (
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/bmp", b"BM"),
)
_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-ms-bmp": "image/bmp"}
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/bmp"})
GENERIC_TYPES = frozenset({"", "application/octet-stream"})


def sniff_image_type(data: bytes) -> str | None:
    """The media type named by an image's first bytes (JPEG, PNG, WebP, BMP), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for media_type, magic in _MAGIC:
        if data.startswith(magic):
            return media_type
    return None


def normalize_media_type(content_type: str | None) -> str:
    """``"Image/JPG; charset=x"`` → ``"image/jpeg"``; None → ``""``."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return _TYPE_ALIASES.get(base, base)


def check_image_bytes(data: bytes, declared: str | None, name: str) -> str:
    """Check the bytes of an uploaded image before decoding: not empty, a known format, the declared type.

    Returns the sniffed media type; raises :class:`ApiError` 422 (empty) or 415 (not an image, or not the
    type it was declared as). ``declared`` of ``""`` or ``application/octet-stream`` means "any image".
    """
    if not data:
        raise unprocessable(f"{name}: empty body (0 bytes)")
    sniffed = sniff_image_type(data[:16])
    if sniffed is None:
        raise unsupported_media_type(
            f"{name}: not a JPEG, PNG, WebP or BMP image (unrecognised first bytes {data[:8].hex()})"
        )
    declared_type = normalize_media_type(declared)
    if declared_type not in GENERIC_TYPES and declared_type != sniffed:
        raise unsupported_media_type(f"{name}: declared as {declared_type} but the data is {sniffed}")
    return sniffed


@dataclass
class StreamTracking:
    """Tracking state of one WebSocket stream (``WebConfig.palm_interval``): ROIs from its last frame."""

    interval: int
    tracked: list[NormRect] = field(default_factory=list)
    since_palm: int = 0  # frames since the palm detector last ran
    key: tuple[str, int] | None = None  # (model, max_hands) the ROIs belong to
    since_thorough: int | None = None  # frames since the last thorough search (thorough streams)


class Engine:
    """Landmarkers (one per model, created on first use), worker threads, and the capture folder."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.save_dir = Path(config.save_dir)
        self.save_dir.mkdir(parents=True, exist_ok=True)
        self._landmarkers: dict[str, HandLandmarker] = {}
        self._searches: dict[str, Any] = {}  # model -> handpose.thorough.ThoroughSearch, on first use
        self._model_locks = {m: threading.Lock() for m in MODELS}
        self._create_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(config.workers, thread_name_prefix="handpose-web")
        self._inference = {m: ThreadPoolExecutor(1, thread_name_prefix=f"handpose-{m}") for m in MODELS}
        self.connections = 0  # open WebSocket connections (changed on the event loop only)
        self.requests = 0  # REST image requests in progress (idem)
        self.started = time.time()

    # -- models ---------------------------------------------------------------------------------------------

    def landmarker(self, model: str) -> HandLandmarker:
        """The app's landmarker for ``model`` ('full' or 'lite'), loaded on first use."""
        if model not in MODELS:
            raise ApiError(422, "invalid_request", f"model must be one of {', '.join(MODELS)}, got {model!r}")
        with self._create_lock:
            if model not in self._landmarkers:
                c = self.config
                log.info("loading the %s model", model)
                self._landmarkers[model] = HandLandmarker(
                    model=model,
                    max_hands=c.max_hands,
                    min_detection_confidence=c.min_detection_confidence,
                    min_presence_confidence=c.min_presence_confidence,
                    threads=c.threads,
                    device=c.device,
                )
            return self._landmarkers[model]

    @property
    def loaded_models(self) -> list[str]:
        return sorted(self._landmarkers)

    def thorough_search(self, model: str):  # type: ignore[no-untyped-def]
        """The thorough search (handpose.thorough) on the landmarker of ``model``, created on first use."""
        from ..thorough import ThoroughSearch

        landmarker = self.landmarker(model)
        with self._create_lock:
            if model not in self._searches:
                self._searches[model] = ThoroughSearch(landmarker.pipeline)
            return self._searches[model]

    def detect(
        self,
        rgb: np.ndarray,
        model: str,
        max_hands: int,
        tracking: StreamTracking | None = None,
        thorough: bool = False,
    ) -> HandLandmarkerResult:
        """Hands in one RGB image, as :meth:`HandLandmarker.detect` with ``max_hands`` for this call (blocking).

        Runs the landmarker's pipeline directly so that one loaded model serves every ``max_hands``. With
        ``tracking`` (a WebSocket stream when ``palm_interval`` is set), hands are tracked from its previous
        frame and the palm detector runs at most every ``palm_interval`` frames while a hand is tracked.
        ``thorough``: the opt-in search for small, far and many hands (handpose.thorough); on a tracked stream it
        runs every :data:`THOROUGH_INTERVAL` frames and tracking follows the hands it finds.
        """
        landmarker = self.landmarker(model)
        c = self.config
        search = self.thorough_search(model) if thorough else None
        conf = {
            "max_hands": max_hands,
            "min_detection_confidence": c.min_detection_confidence,
            "min_presence_confidence": c.min_presence_confidence,
        }
        if search is not None and tracking is None:
            with self._model_locks[model]:
                out = search.detect([rgb], **conf)[0]
            height, width = rgb.shape[:2]
            return HandLandmarkerResult(tuple(out.hands), width, height, out.palm_detector_ran)
        with self._model_locks[model]:
            kw: dict[str, Any] = {}
            if tracking is not None:
                if tracking.key != (model, max_hands):  # the stream changed its settings: start over
                    tracking.key, tracking.tracked, tracking.since_palm = (model, max_hands), [], 0
                kw = {
                    "tracked": [tracking.tracked],
                    "palm_allowed": [tracking.since_palm + 1 >= tracking.interval],
                }
            out = landmarker.pipeline.process_batch(
                [rgb],
                max_hands=max_hands,
                min_detection_confidence=c.min_detection_confidence,
                min_presence_confidence=c.min_presence_confidence,
                **kw,
            )[0]
            if tracking is not None:
                tracking.since_palm = 0 if out.palm_detector_ran else tracking.since_palm + 1
                if search is not None:
                    since = tracking.since_thorough
                    due = since is None or since + 1 >= THOROUGH_INTERVAL
                    tracking.since_thorough = 0 if due or since is None else since + 1
                    if due:
                        out = search.augment(rgb, out, **conf)
                tracking.tracked = out.next_rects
        height, width = rgb.shape[:2]
        return HandLandmarkerResult(tuple(out.hands), width, height, out.palm_detector_ran)

    # -- blocking helpers -----------------------------------------------------------------------------------

    def decode(self, data: bytes, declared: str | None, name: str) -> np.ndarray:
        """Validate (magic bytes, declared type, pixel count) and decode to RGB uint8; ApiError when bad."""
        check_image_bytes(data, declared, name)
        try:
            return decode_image(data, name, max_pixels=self.config.max_pixels)
        except ImageTooLargeError as exc:
            raise payload_too_large(str(exc)) from exc
        except ImageReadError as exc:
            raise unprocessable(str(exc)) from exc

    def annotated_jpeg(self, rgb: np.ndarray, result: HandLandmarkerResult) -> bytes:
        """The image with the hands drawn on it (:func:`handpose.drawing.annotate`), as JPEG bytes."""
        from ..drawing import annotate

        bgr = annotate(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), result)
        return encode_jpeg(bgr, quality=self.config.jpeg_quality, name="annotated image")

    def save_capture(self, rgb: np.ndarray, result: HandLandmarkerResult) -> str:
        """Save the annotated image as ``<uuid1>.jpg`` in the capture folder (atomically); its name."""
        name = new_capture_name()
        atomic_write_bytes(self.save_dir / name, self.annotated_jpeg(rgb, result))
        log.info("saved capture %s (%d hand(s))", name, len(result.hands))
        return name

    def list_captures(self) -> tuple[list[dict[str, Any]], int]:
        """Captures in the folder, newest first, at most ``gallery_limit``; and how many there are in all."""
        entries = []
        try:
            with os.scandir(self.save_dir) as it:
                for entry in it:
                    if CAPTURE_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        entries.append((st.st_mtime, entry.name, st.st_size))
        except FileNotFoundError:
            return [], 0
        entries.sort(reverse=True)
        shown = [
            {"name": n, "url": f"/v1/captures/{n}", "bytes": size, "created": mtime}
            for mtime, n, size in entries[: self.config.gallery_limit]
        ]
        return shown, len(entries)

    def capture_path(self, name: str) -> Path:
        """The file of capture ``name``; 422 unless the name is a server-generated one, 404 if it is gone."""
        if not CAPTURE_NAME.fullmatch(name):
            raise ApiError(
                422,
                "invalid_name",
                "capture names are a UUID followed by .jpg (8-4-4-4-12 or 32 lowercase hex digits)",
            )
        path = self.save_dir / name
        if not path.is_file() or path.is_symlink():
            raise ApiError(404, "not_found", f"no capture named {name}")
        return path

    # -- async wrappers -------------------------------------------------------------------------------------

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking function in the shared worker pool."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def decode_async(self, data: bytes, declared: str | None, name: str) -> np.ndarray:
        return await self.run(self.decode, data, declared, name)

    async def detect_async(
        self,
        rgb: np.ndarray,
        model: str,
        max_hands: int,
        tracking: StreamTracking | None = None,
        thorough: bool = False,
    ) -> tuple[HandLandmarkerResult, float]:
        """Hands in ``rgb`` on the model's inference thread; also the inference time in ms."""
        if model not in MODELS:
            raise ApiError(422, "invalid_request", f"model must be one of {', '.join(MODELS)}, got {model!r}")

        def timed() -> tuple[HandLandmarkerResult, float]:
            t0 = time.perf_counter()
            result = self.detect(rgb, model, max_hands, tracking, thorough)
            return result, (time.perf_counter() - t0) * 1000.0

        try:
            return await asyncio.get_running_loop().run_in_executor(self._inference[model], timed)
        except ImageReadError as exc:  # the pipeline refuses the image (e.g. a shape it cannot handle)
            raise unprocessable(str(exc)) from exc

    def close(self) -> None:
        """Stop the worker threads and release the models."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for ex in self._inference.values():
            ex.shutdown(wait=False, cancel_futures=True)
        for landmarker in self._landmarkers.values():
            landmarker.close()
        self._landmarkers.clear()
