"""MediaPipe's legacy ``mediapipe.solutions.hands`` API (0.10.21) on handpose.

Code written for MediaPipe runs after changing only its import::

    import handpose as mp
    mp_hands = mp.solutions.hands
    with mp_hands.Hands(static_image_mode=True, max_num_hands=2) as hands:
        results = hands.process(rgb_image)          # RGB uint8, shape (H, W, 3)
        for hand in results.multi_hand_landmarks or []:
            tip = hand.landmark[mp_hands.HandLandmark.INDEX_FINGER_TIP]   # tip.x, tip.y normalized, tip.z

``process`` returns the three fields MediaPipe's returns, each ``None`` when no hand was found:
``multi_hand_landmarks`` (list of :class:`NormalizedLandmarkList`, x/y normalized to the image, z relative to the
wrist), ``multi_hand_world_landmarks`` (list of :class:`LandmarkList`, metres) and ``multi_handedness`` (list of
:class:`ClassificationList`). Handedness labels are MediaPipe's legacy ones, which assume a mirrored (selfie)
image: see docs/compat.md.

How the options map onto the pipeline (as MediaPipe's hand_landmark_tracking_cpu graph does):
``model_complexity`` 0 → 'lite' models, 1 → 'full'; ``min_detection_confidence`` → palm detector score
threshold; ``min_tracking_confidence`` → hand-presence threshold of the landmark model;
``static_image_mode=True`` → every image independent (palm detector each time); ``False`` → tracking, the palm
detector runs only while fewer than ``max_num_hands`` hands are tracked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np

from ..api import HandLandmarker, HandLandmarkerOptions, RunningMode
from ..results import (
    HAND_CONNECTIONS,
    HAND_INDEX_FINGER_CONNECTIONS,
    HAND_MIDDLE_FINGER_CONNECTIONS,
    HAND_PALM_CONNECTIONS,
    HAND_PINKY_FINGER_CONNECTIONS,
    HAND_RING_FINGER_CONNECTIONS,
    HAND_THUMB_CONNECTIONS,
    Hand,
    HandLandmark,
    HandLandmarkerResult,
)

log = logging.getLogger(__name__)

__all__ = [
    "HAND_CONNECTIONS",
    "HAND_INDEX_FINGER_CONNECTIONS",
    "HAND_MIDDLE_FINGER_CONNECTIONS",
    "HAND_PALM_CONNECTIONS",
    "HAND_PINKY_FINGER_CONNECTIONS",
    "HAND_RING_FINGER_CONNECTIONS",
    "HAND_THUMB_CONNECTIONS",
    "Classification",
    "ClassificationList",
    "HandLandmark",
    "Hands",
    "Landmark",
    "LandmarkList",
    "NormalizedLandmark",
    "NormalizedLandmarkList",
    "SolutionOutputs",
]

RGB_CHANNELS = 3
# SolutionBase.process advances a simulated clock by 33333 us per call (a 30 fps video).
_FRAME_INTERVAL_MS = 1000.0 / 30.0
_MODELS = {0: "lite", 1: "full"}


def _short_float(value: float) -> str:
    """A float32 value the way protobuf's text format prints it (shortest %g that round-trips)."""
    f32 = np.float32(value)
    for precision in range(6, 10):
        text = f"{float(f32):.{precision}g}"
        if np.float32(text) == f32:
            return text
    return repr(float(f32))


class _Repeated(list):
    """A list with protobuf's ``add(**fields)`` for repeated message fields."""

    def __init__(self, item_type: type, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._item_type = item_type

    def add(self, **fields: Any) -> Any:
        item = self._item_type(**fields)
        self.append(item)
        return item


class _Point:
    """Shared base of the landmark messages: x, y, z always set; visibility and presence optional.

    MediaPipe's hand landmarks leave ``visibility`` and ``presence`` unset: reading them gives 0.0 and
    ``HasField`` says False, so ``drawing_utils`` draws every landmark.
    """

    __slots__ = ("_presence", "_visibility", "x", "y", "z")
    _NAME = "Point"

    def __init__(
        self,
        x: float = 0.0,
        y: float = 0.0,
        z: float = 0.0,
        visibility: float | None = None,
        presence: float | None = None,
    ) -> None:
        self.x, self.y, self.z = float(x), float(y), float(z)
        self._visibility = None if visibility is None else float(visibility)
        self._presence = None if presence is None else float(presence)

    @property
    def visibility(self) -> float:
        return 0.0 if self._visibility is None else self._visibility

    @visibility.setter
    def visibility(self, value: float) -> None:
        self._visibility = float(value)

    @property
    def presence(self) -> float:
        return 0.0 if self._presence is None else self._presence

    @presence.setter
    def presence(self, value: float) -> None:
        self._presence = float(value)

    def HasField(self, name: str) -> bool:
        """Whether the optional field ``name`` is set (protobuf semantics)."""
        if name in ("x", "y", "z"):
            return True
        if name in ("visibility", "presence"):
            return getattr(self, f"_{name}") is not None
        raise ValueError(f'Protocol message {self._NAME} has no "{name}" field.')

    def _fields(self) -> list[tuple[str, float]]:
        out = [("x", self.x), ("y", self.y), ("z", self.z)]
        out += [
            (n, v)
            for n, v in (("visibility", self._visibility), ("presence", self._presence))
            if v is not None
        ]
        return out

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, like protobuf messages

    def __str__(self) -> str:
        return "".join(f"{name}: {_short_float(value)}\n" for name, value in self._fields())

    def __repr__(self) -> str:
        return self.__str__()


class NormalizedLandmark(_Point):
    """One landmark: x, y normalized by image width/height, z relative to the wrist (about x's scale)."""

    __slots__ = ()
    _NAME = "mediapipe.NormalizedLandmark"


class Landmark(_Point):
    """One world landmark, metres, origin at the hand's approximate geometric centre."""

    __slots__ = ()
    _NAME = "mediapipe.Landmark"


class _PointList:
    _ITEM: type[_Point] = _Point

    def __init__(self, landmark: Iterable[_Point] = ()) -> None:
        self.landmark = _Repeated(self._ITEM, landmark)

    def __len__(self) -> int:
        return len(self.landmark)

    def __iter__(self) -> Iterator[_Point]:
        return iter(self.landmark)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and list(self.landmark) == list(other.landmark)  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return "".join("landmark {\n" + _indent(str(p)) + "}\n" for p in self.landmark)

    def __repr__(self) -> str:
        return self.__str__()

    def to_numpy(self) -> np.ndarray:
        """The landmarks as a (N, 3) float32 array of x, y, z (a handpose extra, not in MediaPipe)."""
        return np.array([[p.x, p.y, p.z] for p in self.landmark], dtype=np.float32).reshape(-1, 3)


class NormalizedLandmarkList(_PointList):
    """``.landmark[i]`` is a :class:`NormalizedLandmark` (index with :class:`HandLandmark`)."""

    _ITEM = NormalizedLandmark


class LandmarkList(_PointList):
    """``.landmark[i]`` is a world :class:`Landmark` (metres)."""

    _ITEM = Landmark


class Classification:
    """One class: ``index`` (0 Left, 1 Right), ``score``, ``label`` ('Left' or 'Right')."""

    __slots__ = ("display_name", "index", "label", "score")

    def __init__(self, index: int = 0, score: float = 0.0, label: str = "", display_name: str = "") -> None:
        self.index, self.score, self.label, self.display_name = int(index), float(score), label, display_name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Classification) and (
            self.index,
            self.score,
            self.label,
            self.display_name,
        ) == (
            other.index,
            other.score,
            other.label,
            other.display_name,
        )

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        text = f"index: {self.index}\nscore: {_short_float(self.score)}\n"
        text += f'label: "{self.label}"\n' if self.label else ""
        return text + (f'display_name: "{self.display_name}"\n' if self.display_name else "")

    def __repr__(self) -> str:
        return self.__str__()


class ClassificationList:
    """``.classification[0]`` is the hand's :class:`Classification` (handedness)."""

    def __init__(self, classification: Iterable[Classification] = ()) -> None:
        self.classification = _Repeated(Classification, classification)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClassificationList) and list(self.classification) == list(
            other.classification
        )

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return "".join("classification {\n" + _indent(str(c)) + "}\n" for c in self.classification)

    def __repr__(self) -> str:
        return self.__str__()


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.splitlines())


class SolutionOutputs(NamedTuple):
    """What :meth:`Hands.process` returns; each field is None when no hand was found (as MediaPipe)."""

    multi_hand_landmarks: list[NormalizedLandmarkList] | None
    multi_hand_world_landmarks: list[LandmarkList] | None
    multi_handedness: list[ClassificationList] | None


def hand_to_messages(hand: Hand) -> tuple[NormalizedLandmarkList, LandmarkList, ClassificationList]:
    """A handpose :class:`~handpose.results.Hand` as MediaPipe's three messages (legacy handedness labels)."""
    landmarks = NormalizedLandmarkList(NormalizedLandmark(*map(float, p)) for p in hand.landmarks)
    world = LandmarkList(Landmark(*map(float, p)) for p in hand.world_landmarks)
    handedness = ClassificationList(
        [
            Classification(
                index=hand.handedness_index, score=float(hand.handedness_score), label=hand.handedness
            )
        ]
    )
    return landmarks, world, handedness


def result_to_outputs(result: HandLandmarkerResult) -> SolutionOutputs:
    """Convert a handpose result into the legacy ``SolutionOutputs`` (None fields when there is no hand)."""
    if not result.hands:
        return SolutionOutputs(None, None, None)
    messages = [hand_to_messages(h) for h in result.hands]
    return SolutionOutputs([m[0] for m in messages], [m[1] for m in messages], [m[2] for m in messages])


def check_rgb_image(image: Any) -> np.ndarray:
    """Validate ``process``'s input like MediaPipe: an RGB uint8 ndarray of shape (H, W, 3).

    Returns a C-contiguous view or copy (read-only arrays are fine: handpose never writes to the input).
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"Input image must be a numpy.ndarray with RGB data, got {type(image).__name__}.")
    if image.ndim != 3 or image.shape[2] != RGB_CHANNELS:
        raise ValueError(
            f"Input image must contain three channel rgb data; got an array of shape {image.shape}."
        )
    if image.dtype != np.uint8:
        raise TypeError(
            f"Input image must be uint8 RGB data, got dtype {image.dtype} "
            "(MediaPipe: cannot cast array data to uint8); convert with np.clip(image, 0, 255).astype(np.uint8)."
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"Input image is empty: shape {image.shape}.")
    return np.ascontiguousarray(image)


class Hands:
    """MediaPipe Hands: hand landmarks and handedness of each hand in RGB images or video frames.

    Handedness assumes a mirrored (selfie) image, as MediaPipe's: flip a normal photo with
    ``cv2.flip(image, 1)`` first for labels that match the real hands.

    ``threads`` and ``device`` are handpose extras (ONNX Runtime threads, 'cpu' / 'cuda' / 'auto').
    """

    def __init__(
        self,
        static_image_mode: bool = False,
        max_num_hands: int = 2,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        *,
        threads: int = 0,
        device: str = "cpu",
    ) -> None:
        if isinstance(model_complexity, bool) or model_complexity not in _MODELS:
            raise ValueError(f"model_complexity must be 0 or 1, got {model_complexity!r}")
        if (
            isinstance(max_num_hands, bool)
            or not isinstance(max_num_hands, int | np.integer)
            or max_num_hands < 1
        ):
            raise ValueError(f"max_num_hands must be an integer >= 1, got {max_num_hands!r}")
        for name, value in (
            ("min_detection_confidence", min_detection_confidence),
            ("min_tracking_confidence", min_tracking_confidence),
        ):
            if not isinstance(value, int | float | np.floating) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be a number in [0.0, 1.0], got {value!r}")
        self.static_image_mode = bool(static_image_mode)
        self._landmarker: HandLandmarker | None = HandLandmarker(
            HandLandmarkerOptions(
                model=_MODELS[int(model_complexity)],
                max_hands=int(max_num_hands),
                min_detection_confidence=float(min_detection_confidence),
                min_presence_confidence=float(min_tracking_confidence),
                running_mode=RunningMode.IMAGE if self.static_image_mode else RunningMode.VIDEO,
                threads=threads,
                device=device,
            )
        )
        self._frames = 0

    def process(self, image: np.ndarray) -> SolutionOutputs:
        """Find hands in one RGB uint8 image (H, W, 3). In video mode, call with the frames in order.

        Raises:
            ValueError: the image is not three-channel, or this object was closed.
            TypeError: the image is not a uint8 numpy array.
        """
        if self._landmarker is None:
            raise ValueError("Hands.process() called after close(); create a new Hands object.")
        rgb = check_rgb_image(image)
        if self.static_image_mode:
            result = self._landmarker.detect(rgb)
        else:
            self._frames += 1
            result = self._landmarker.detect_for_video(rgb, round(self._frames * _FRAME_INTERVAL_MS))
        return result_to_outputs(result)

    def reset(self) -> None:
        """Forget tracked hands (start of a new video), as MediaPipe's ``reset()``."""
        if self._landmarker is not None:
            self._landmarker.reset()
        self._frames = 0

    def close(self) -> None:
        """Release the models. Closing twice is allowed (MediaPipe raises ValueError the second time)."""
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> Hands:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
