"""The ``/v1/stream`` WebSocket: JPEG frames in, JSON results out, newest frame wins.

Protocol (all server messages are JSON text with a ``type``):

- client → server, binary: one image (JPEG; PNG/WebP/BMP also accepted), at most ``max_frame_bytes``.
  Frames are numbered 1, 2, ... in the order received; results and errors carry that ``frame`` number.
- client → server, text: JSON control messages ``{"type": "config", "model": "lite", "max_hands": 1}``
  and ``{"type": "ping"}``; ``"thorough": true`` in a config message turns on the search for small hands.
- server → client: ``ready`` (limits and settings, on connect; ``palm_interval`` when ``handpose serve
  --palm-interval N`` makes each stream track hands from frame to frame), ``result`` (``frame``, ``width``,
  ``height``, ``hands`` as in ``handpose detect --json``, ``timing`` in ms, ``dropped`` so far), ``config``
  (the settings now in force), ``pong``, and ``error`` (``error`` code, ``detail``, ``frame`` or null).

At most one frame waits per connection: a frame arriving while another waits replaces it (``dropped``
counts those), and frames are processed at most ``max_fps`` times a second. A bad frame or message gets an
``error`` message and the connection stays open. Too many connections: an ``error`` then close code 1013.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from .engine import Engine, StreamTracking
from .errors import ApiError

log = logging.getLogger("handpose.web")

CLOSE_TRY_AGAIN_LATER = 1013


class StreamSession:
    """One WebSocket connection: a receive loop filling a one-frame mailbox, a processing loop emptying it."""

    def __init__(self, websocket: Any, engine: Engine) -> None:
        self.ws = websocket
        self.engine = engine
        cfg = engine.config
        self.model = cfg.model
        self.max_hands = cfg.max_hands
        self.thorough = False  # "find small hands" (handpose.thorough), set by a config message
        self.received = 0
        self.dropped = 0
        self.processed = 0
        self._pending: tuple[int, bytes] | None = None
        self._wake = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._open = True
        self.tracking = StreamTracking(cfg.palm_interval) if cfg.palm_interval else None

    async def send(self, message: dict[str, Any]) -> None:
        if not self._open:
            return
        async with self._send_lock:
            try:
                await self.ws.send_text(json.dumps(message))
            except Exception:  # the client went away; the receive loop sees the disconnect
                self._open = False

    async def error(self, err: ApiError, frame: int | None = None) -> None:
        await self.send({"type": "error", **err.to_dict(), "frame": frame})

    def settings(self) -> dict[str, Any]:
        cfg = self.engine.config
        return {
            "model": self.model,
            "max_hands": self.max_hands,
            **({"thorough": True} if self.thorough else {}),
            "max_fps": cfg.max_fps,
            "max_frame_bytes": cfg.max_frame_bytes,
            **({"palm_interval": cfg.palm_interval} if cfg.palm_interval else {}),
        }

    async def run(self) -> None:
        await self.send({"type": "ready", **self.settings()})
        worker = asyncio.create_task(self._process_loop())
        try:
            await self._receive_loop()
        finally:
            self._open = False
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    # -- receiving ------------------------------------------------------------------------------------------

    async def _receive_loop(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data is not None:
                await self._on_frame(data)
                continue
            await self._on_text(message.get("text") or "")

    async def _on_frame(self, data: bytes) -> None:
        self.received += 1
        limit = self.engine.config.max_frame_bytes
        if len(data) > limit:
            err = ApiError(
                413, "frame_too_large", f"frame of {len(data)} bytes is over the {limit}-byte limit"
            )
            await self.error(err, self.received)
            return
        if self._pending is not None:
            self.dropped += 1
        self._pending = (self.received, data)
        self._wake.set()

    async def _on_text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.error(
                ApiError(
                    400,
                    "bad_message",
                    "text messages must be JSON objects with a 'type' (config or ping); "
                    "send frames as binary messages",
                )
            )
            return
        kind = message["type"]
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "config":
            try:
                self._configure(message)
            except ApiError as err:
                await self.error(err)
                return
            await self.send({"type": "config", **self.settings()})
        else:
            await self.error(ApiError(400, "bad_message", f"unknown message type {kind[:40]!r}"))

    def _configure(self, message: dict[str, Any]) -> None:
        model = message.get("model", self.model)
        max_hands = message.get("max_hands", self.max_hands)
        if model not in ("full", "lite"):
            raise ApiError(422, "invalid_request", f"model must be 'full' or 'lite', got {str(model)[:40]!r}")
        limit = self.engine.config.max_hands_limit
        if not isinstance(max_hands, int) or isinstance(max_hands, bool) or not 1 <= max_hands <= limit:
            raise ApiError(422, "invalid_request", f"max_hands must be an integer in 1..{limit}")
        thorough = message.get("thorough", self.thorough)
        if not isinstance(thorough, bool):
            raise ApiError(422, "invalid_request", "thorough must be true or false")
        self.model, self.max_hands, self.thorough = model, max_hands, thorough

    # -- processing -----------------------------------------------------------------------------------------

    async def _process_loop(self) -> None:
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.engine.config.max_fps
        next_start = 0.0
        while True:
            await self._wake.wait()
            delay = next_start - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)  # frames arriving meanwhile replace the waiting one
            self._wake.clear()
            if self._pending is None:
                continue
            frame, data = self._pending
            self._pending = None
            next_start = loop.time() + interval
            await self._process(frame, data)

    async def _process(self, frame: int, data: bytes) -> None:
        t0 = time.perf_counter()
        try:
            rgb = await self.engine.decode_async(data, None, f"frame {frame}")
            t1 = time.perf_counter()
            result, inference_ms = await self.engine.detect_async(
                rgb, self.model, self.max_hands, self.tracking, self.thorough
            )
        except ApiError as err:
            await self.error(err, frame)
            return
        except Exception:
            log.exception("frame %d failed", frame)
            await self.error(ApiError(500, "internal_error", "processing this frame failed"), frame)
            return
        self.processed += 1
        await self.send(
            {
                "type": "result",
                "frame": frame,
                "model": self.model,
                **result.to_dict(digits=5),
                "timing": {
                    "decode_ms": round((t1 - t0) * 1000.0, 2),
                    "inference_ms": round(inference_ms, 2),
                    "server_ms": round((time.perf_counter() - t0) * 1000.0, 2),
                },
                "received": self.received,
                "processed": self.processed,
                "dropped": self.dropped,
            }
        )


async def handle_stream(websocket: Any, engine: Engine) -> None:
    """Serve one WebSocket connection (refusing it with 1013 when ``max_connections`` are open)."""
    if engine.connections >= engine.config.max_connections:
        await websocket.accept()
        limit = engine.config.max_connections
        err = ApiError(
            429, "too_many_connections", f"{limit} connections are open, the limit; try again later"
        )
        await websocket.send_text(json.dumps({"type": "error", **err.to_dict(), "frame": None}))
        await websocket.close(code=CLOSE_TRY_AGAIN_LATER, reason="too many connections")
        return
    engine.connections += 1
    try:
        await websocket.accept()
        await StreamSession(websocket, engine).run()
    finally:
        engine.connections -= 1
