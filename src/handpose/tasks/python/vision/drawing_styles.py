"""Mirror of ``mediapipe.tasks.python.vision.drawing_styles``: re-exports :mod:`handpose.solutions.drawing_styles`."""

from __future__ import annotations

from ....solutions.drawing_styles import *  # noqa: F403 - a re-export by design
from ....solutions.drawing_styles import (  # noqa: F401 - the names Tasks code uses
    get_default_hand_connections_style,
    get_default_hand_landmarks_style,
)
