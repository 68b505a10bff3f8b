"""Result and image types of the Tasks-style API, shaped like ``mediapipe.tasks.python`` 0.10.21's.

Coordinates as MediaPipe's: :class:`NormalizedLandmark` x, y normalized by the image width/height, z relative
to the wrist in about x's scale; :class:`Landmark` in metres, origin at the hand's approximate centre.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..results import Hand
from ..results import HandLandmarkerResult as _CoreResult

# MediaPipe Tasks' labels are the legacy labels swapped (google/mediapipe commit ed0c8d8, "Swap left and
# right hand labels", first released in 0.10.5): the model's class-0 output is "Right" in Tasks and "Left"
# in the legacy solution; the index stays the same. See docs/compat.md.
TASKS_LABEL = {"Left": "Right", "Right": "Left"}


@dataclass
class Category:
    """One classification: ``index`` (model class), ``score``, ``display_name``, ``category_name``."""

    index: int | None = None
    score: float | None = None
    display_name: str | None = None
    category_name: str | None = None


@dataclass
class NormalizedLandmark:
    """A landmark in normalized image coordinates. ``visibility``/``presence`` are 0.0 for hands, as in MediaPipe."""

    x: float | None = None
    y: float | None = None
    z: float | None = None
    visibility: float | None = None
    presence: float | None = None
    name: str | None = None  # MediaPipe >= 1.2; None for hand landmarks


@dataclass
class Landmark:
    """A world landmark in metres."""

    x: float | None = None
    y: float | None = None
    z: float | None = None
    visibility: float | None = None
    presence: float | None = None
    name: str | None = None  # MediaPipe >= 1.2; None for hand landmarks


@dataclass
class HandLandmarkerResult:
    """Per hand (same order in the three lists): handedness categories, 21 image landmarks, 21 world landmarks.

    Empty lists (never None) when no hand was found, as MediaPipe Tasks.
    """

    handedness: list[list[Category]] = field(default_factory=list)
    hand_landmarks: list[list[NormalizedLandmark]] = field(default_factory=list)
    hand_world_landmarks: list[list[Landmark]] = field(default_factory=list)


def hand_categories(hand: Hand) -> list[Category]:
    """The Tasks handedness of a handpose hand: label swapped from the legacy one, same index and score."""
    label = TASKS_LABEL[hand.handedness]
    return [
        Category(
            index=hand.handedness_index,
            score=float(hand.handedness_score),
            display_name=label,
            category_name=label,
        )
    ]


def to_tasks_result(result: _CoreResult) -> HandLandmarkerResult:
    """Convert a :class:`handpose.HandLandmarkerResult` into the Tasks result shape."""
    out = HandLandmarkerResult()
    for hand in result.hands:
        out.handedness.append(hand_categories(hand))
        out.hand_landmarks.append(
            [NormalizedLandmark(float(x), float(y), float(z), 0.0, 0.0) for x, y, z in hand.landmarks]
        )
        out.hand_world_landmarks.append(
            [Landmark(float(x), float(y), float(z), 0.0, 0.0) for x, y, z in hand.world_landmarks]
        )
    return out


class ImageFormat(enum.IntEnum):
    """MediaPipe's ``ImageFormat`` members and values; :class:`Image` holds SRGB, SRGBA and GRAY8 data (the
    8-bit formats a hand landmarker takes), the others raise ``ValueError``."""

    UNKNOWN = 0
    SRGB = 1
    SRGBA = 2
    GRAY8 = 3
    GRAY16 = 4
    SRGB48 = 7
    SRGBA64 = 8
    VEC32F1 = 9
    SBGRA = 11
    VEC32F2 = 12
    VEC32F4 = 13


_CHANNELS = {ImageFormat.SRGB: 3, ImageFormat.SRGBA: 4, ImageFormat.GRAY8: 1}


class Image:
    """A minimal ``mediapipe.Image``: ``Image(image_format=ImageFormat.SRGB, data=rgb_uint8_array)``.

    The data is copied and kept read-only; :meth:`numpy_view` returns it (H, W, C), or (H, W) for GRAY8.
    """

    def __init__(self, image_format: ImageFormat, data: np.ndarray) -> None:
        fmt = ImageFormat(image_format)
        if fmt not in _CHANNELS:
            raise ValueError(f"unsupported image_format {fmt.name}; use SRGB, SRGBA or GRAY8")
        if not isinstance(data, np.ndarray):
            raise TypeError(f"Image data must be a numpy.ndarray, got {type(data).__name__}")
        if data.dtype != np.uint8:
            raise TypeError(f"Image data must be uint8, got dtype {data.dtype}")
        channels = 1 if data.ndim == 2 else (data.shape[2] if data.ndim == 3 else -1)
        if channels != _CHANNELS[fmt] or 0 in data.shape:
            raise ValueError(
                f"Image data of shape {data.shape} does not match image_format {fmt.name} "
                f"({_CHANNELS[fmt]} channel(s) expected)"
            )
        self._format = fmt
        self._data = np.array(data, copy=True, order="C")
        self._data.setflags(write=False)

    @classmethod
    def create_from_file(cls, file_name: str | Path) -> Image:
        """Decode an image file into an SRGB image (raises :class:`~handpose.errors.ImageReadError`)."""
        from ..io.images import load_image

        return cls(ImageFormat.SRGB, load_image(file_name))

    @property
    def image_format(self) -> ImageFormat:
        return self._format

    @property
    def width(self) -> int:
        return int(self._data.shape[1])

    @property
    def height(self) -> int:
        return int(self._data.shape[0])

    @property
    def channels(self) -> int:
        return _CHANNELS[self._format]

    def numpy_view(self) -> np.ndarray:
        """The pixels as a read-only array."""
        return self._data

    def __getitem__(self, key: Any) -> Any:
        """Pixel access as MediaPipe's ``image[y, x]`` / ``image[y, x, c]``."""
        return self._data[key]

    @property
    def step(self) -> int:
        """Bytes per row."""
        return int(self._data.strides[0])

    def uses_gpu(self) -> bool:
        """Always False: handpose images live in CPU memory."""
        return False

    def is_contiguous(self) -> bool:
        """Whether the rows are stored without gaps (always, handpose copies the data)."""
        return bool(self._data.flags.c_contiguous)

    def is_empty(self) -> bool:
        """Whether the image has no pixels (never: empty data is refused)."""
        return self._data.size == 0

    def is_aligned(self, alignment_boundary: int) -> bool:
        """Whether the pixel buffer starts at a multiple of ``alignment_boundary`` bytes."""
        if alignment_boundary <= 0 or alignment_boundary & (alignment_boundary - 1):
            raise ValueError(f"alignment_boundary must be a power of 2, got {alignment_boundary}")
        return self._data.ctypes.data % alignment_boundary == 0

    def __repr__(self) -> str:
        return f"Image(image_format={self._format.name}, width={self.width}, height={self.height})"


def image_to_rgb(image: Any) -> np.ndarray:
    """RGB uint8 (H, W, 3) pixels of a Tasks input: an :class:`Image`, anything with ``numpy_view()``
    (e.g. a real ``mediapipe.Image``) or a numpy array (RGB, RGBA or grayscale uint8)."""
    view = image.numpy_view() if hasattr(image, "numpy_view") else image
    if not isinstance(view, np.ndarray):
        raise TypeError(f"expected a handpose.tasks.Image or an RGB numpy array, got {type(image).__name__}")
    if view.dtype != np.uint8:
        raise TypeError(f"image data must be uint8, got dtype {view.dtype}")
    if view.ndim == 3 and view.shape[2] == 1:
        view = view[:, :, 0]
    if view.ndim == 2:
        view = np.repeat(view[:, :, None], 3, axis=2)
    elif view.ndim != 3 or view.shape[2] not in (3, 4):
        raise ValueError(f"image must be RGB, RGBA or grayscale; got an array of shape {view.shape}")
    if 0 in view.shape:
        raise ValueError(f"image is empty: shape {view.shape}")
    return np.ascontiguousarray(view[:, :, :3])
