"""The local web app: ``handpose serve`` (FastAPI + uvicorn, extra ``[web]``).

- ``/``: the browser webcam with landmarks drawn live over the video, Capture, gallery, image upload.
- ``/v1/stream``: WebSocket, JPEG frames in, JSON results out (newest frame wins, frames/s capped).
- ``POST /v1/detect``, ``POST /v1/captures``, ``GET /v1/captures``, ``GET /v1/captures/{name}``,
  ``GET /v1/health``; OpenAPI schema at ``/openapi.json``, an offline docs page at ``/docs``.

The ``handpose serve`` command line is :mod:`handpose.cli.serve`; everything needing FastAPI is imported
on first use, so ``import handpose.web`` works without the extra.

>>> from handpose.web import create_app, WebConfig          # doctest: +SKIP
>>> app = create_app(WebConfig(save_dir="captures"))        # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["WebConfig", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        return import_module(".app", __name__).create_app
    if name == "WebConfig":
        return import_module(".config", __name__).WebConfig
    raise AttributeError(f"module 'handpose.web' has no attribute {name!r}")
