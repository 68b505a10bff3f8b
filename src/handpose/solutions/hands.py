"""MediaPipe's legacy ``mediapipe.solutions.hands`` API (0.10.21) on handpose.

Code written for MediaPipe runs after changing only its import::

    import handpose as mp
    mp_hands = mp.solutions.hands
    with mp_hands.Hands(static_image_mode=True, max_num_hands=2) as hands:
        results = hands.process(rgb_image)          # RGB uint8, shape (H, W, 3)
        for hand in results.multi_hand_landmarks or []:
            tip = hand.landmark[mp_hands.HandLandmark.INDEX_FINGER_TIP]   # tip.x, tip.y normalized, tip.z

``process`` returns the three fields MediaPipe's returns, each ``None`` when no hand was found:
``multi_hand_landmarks`` (list of ``NormalizedLandmarkList``, x/y normalized to the image, z relative to the
wrist), ``multi_hand_world_landmarks`` (list of ``LandmarkList``, metres) and ``multi_handedness`` (list of
``ClassificationList``). These are real protobuf messages of MediaPipe's types
(:mod:`handpose.framework.formats`): ``print``, ``text_format``, ``json_format.MessageToDict``,
``SerializeToString`` and ``HasField`` give what they give on MediaPipe. Handedness labels are MediaPipe's
legacy ones, which assume a mirrored (selfie) image: see docs/compat.md. One difference: MediaPipe's
``process`` returns the namedtuple *class* with the fields set as class attributes; handpose returns an
instance, so ``results.multi_hand_landmarks`` and ``results._fields`` read the same, and it also unpacks.

How the options map onto the pipeline (as MediaPipe's hand_landmark_tracking_cpu graph does):
``model_complexity`` 0 → 'lite' models, 1 → 'full'; ``min_detection_confidence`` → palm detector score
threshold; ``min_tracking_confidence`` → hand-presence threshold of the landmark model;
``static_image_mode=True`` → every image independent (palm detector each time); ``False`` → tracking, the palm
detector runs only while fewer than ``max_num_hands`` hands are tracked.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import numpy as np

from ..api import HandLandmarker, HandLandmarkerOptions, RunningMode
from ..framework.formats.classification_pb2 import Classification, ClassificationList
from ..framework.formats.landmark_pb2 import (
    Landmark,
    LandmarkList,
    NormalizedLandmark,
    NormalizedLandmarkList,
)
from ..results import Hand, HandLandmark, HandLandmarkerResult
from .hands_connections import (
    HAND_CONNECTIONS,
    HAND_INDEX_FINGER_CONNECTIONS,
    HAND_MIDDLE_FINGER_CONNECTIONS,
    HAND_PALM_CONNECTIONS,
    HAND_PINKY_FINGER_CONNECTIONS,
    HAND_RING_FINGER_CONNECTIONS,
    HAND_THUMB_CONNECTIONS,
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


class SolutionOutputs(NamedTuple):
    """What :meth:`Hands.process` returns; each field is None when no hand was found (as MediaPipe)."""

    multi_hand_landmarks: list[NormalizedLandmarkList] | None
    multi_hand_world_landmarks: list[LandmarkList] | None
    multi_handedness: list[ClassificationList] | None


def hand_to_messages(hand: Hand) -> tuple[NormalizedLandmarkList, LandmarkList, ClassificationList]:
    """A handpose :class:`~handpose.results.Hand` as MediaPipe's three messages (legacy handedness labels).

    x, y, z are set on every landmark, visibility and presence never (as MediaPipe's hand graph does).
    """
    landmarks = NormalizedLandmarkList()
    for x, y, z in hand.landmarks.tolist():
        landmarks.landmark.add(x=x, y=y, z=z)
    world = LandmarkList()
    for x, y, z in hand.world_landmarks.tolist():
        world.landmark.add(x=x, y=y, z=z)
    handedness = ClassificationList()
    handedness.classification.add(
        index=hand.handedness_index, score=float(hand.handedness_score), label=hand.handedness
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
