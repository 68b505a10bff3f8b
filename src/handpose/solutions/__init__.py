"""MediaPipe-style legacy API: ``handpose.solutions.hands``, ``.drawing_utils``, ``.drawing_styles``,
``.hands_connections``.

``import handpose as mp`` then ``mp.solutions.drawing_utils.draw_landmarks(...)`` works as with MediaPipe.
Submodules not imported here load on first attribute access. MediaPipe's other solutions (pose, face mesh, ...)
are not part of handpose: asking for one raises an AttributeError that says so.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from . import drawing_styles, drawing_utils

__all__ = ["drawing_styles", "drawing_utils", "hands", "hands_connections"]

# mediapipe.solutions modules (0.10.21) outside Hands.
NOT_COVERED = frozenset(
    {
        "download_utils",
        "face_detection",
        "face_mesh",
        "face_mesh_connections",
        "holistic",
        "objectron",
        "pose",
        "pose_connections",
        "selfie_segmentation",
    }
)


def hands_only_error(name: str) -> AttributeError:
    """The error for a MediaPipe module that handpose does not cover."""
    return AttributeError(
        f"handpose covers MediaPipe Hands only (solutions.hands, drawing_utils, drawing_styles, "
        f"hands_connections); {name} is not part of it."
    )


def __getattr__(name: str) -> Any:
    # `mp.solutions.hands` without an explicit `import handpose.solutions.hands`, as MediaPipe allows.
    if name.startswith("_"):
        raise AttributeError(name)
    if name in NOT_COVERED:
        raise hands_only_error(f"mediapipe.solutions.{name}")
    try:
        return import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
