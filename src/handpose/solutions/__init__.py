"""MediaPipe-style legacy API: ``handpose.solutions.hands``, ``.drawing_utils``, ``.drawing_styles``.

``import handpose as mp`` then ``mp.solutions.drawing_utils.draw_landmarks(...)`` works as with MediaPipe.
Submodules not imported here load on first attribute access.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from . import drawing_styles, drawing_utils

__all__ = ["drawing_styles", "drawing_utils"]


def __getattr__(name: str) -> Any:
    # `mp.solutions.hands` without an explicit `import handpose.solutions.hands`, as MediaPipe allows.
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        return import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
