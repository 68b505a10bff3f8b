"""``mediapipe.python.solutions`` on handpose: the *same module objects* as :mod:`handpose.solutions`.

``from handpose.python.solutions import hands`` and ``import handpose.python.solutions.hands`` give
``handpose.solutions.hands`` itself (likewise ``drawing_utils``, ``drawing_styles``, ``hands_connections``):
each is registered in ``sys.modules`` under both names, so there is one copy of each module and its state.
"""

from __future__ import annotations

import sys
from typing import Any

from ...solutions import (
    NOT_COVERED,
    drawing_styles,
    drawing_utils,
    hands,
    hands_connections,
    hands_only_error,
)

__all__ = ["drawing_styles", "drawing_utils", "hands", "hands_connections"]

for _module in (drawing_styles, drawing_utils, hands, hands_connections):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module


def __getattr__(name: str) -> Any:
    if name in NOT_COVERED:
        raise hands_only_error(f"mediapipe.python.solutions.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
