"""Mirror of ``mediapipe.tasks.python.vision.drawing_utils``: re-exports :mod:`handpose.solutions.drawing_utils`,
which draws both the legacy landmark lists and the Tasks API's plain lists of landmarks."""

from __future__ import annotations

from ....solutions.drawing_utils import *  # noqa: F403 - a re-export by design
from ....solutions.drawing_utils import DrawingSpec, draw_landmarks  # noqa: F401 - the names Tasks code uses
