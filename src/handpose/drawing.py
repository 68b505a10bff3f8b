"""Drawing hand landmarks on images, apart from inference: :func:`annotate`, MediaPipe's default hand style.

Coordinates: landmarks are normalized (x by image width, y by image height; 0..1 inside the image). They
become pixels as MediaPipe's ``drawing_utils`` does: ``min(floor(x * width), width - 1)`` for x in [0, 1]
(likewise y), plain ``floor`` outside, where OpenCV clips what falls off the image.

Colours are in the channel order of the image drawn on: the defaults follow ``bgr`` (True: OpenCV's BGR);
colours passed in are used as given.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import cv2
import numpy as np

from .results import (
    HAND_INDEX_FINGER_CONNECTIONS,
    HAND_MIDDLE_FINGER_CONNECTIONS,
    HAND_PALM_CONNECTIONS,
    HAND_PINKY_FINGER_CONNECTIONS,
    HAND_RING_FINGER_CONNECTIONS,
    HAND_THUMB_CONNECTIONS,
    Hand,
    HandLandmarkerResult,
)

logger = logging.getLogger(__name__)

Color = tuple[int, int, int]

# MediaPipe's default hand style: mediapipe/python/solutions/drawing_styles.py (0.10.21), colours in BGR.
MP_RED: Color = (48, 48, 255)
MP_GREEN: Color = (48, 255, 48)
MP_BLUE: Color = (192, 101, 21)
MP_YELLOW: Color = (0, 204, 255)
MP_GRAY: Color = (128, 128, 128)
MP_PURPLE: Color = (128, 64, 128)
MP_PEACH: Color = (180, 229, 255)
MP_WHITE: Color = (224, 224, 224)  # also drawing_utils.WHITE_COLOR, the border drawn under every landmark dot
HAND_LANDMARK_RADIUS = 5  # _RADIUS; the dots are filled (_THICKNESS_DOT = -1)
HAND_PALM_THICKNESS = 3  # _THICKNESS_WRIST_MCP
HAND_FINGER_THICKNESS = 2  # _THICKNESS_FINGER

# drawing_styles._HAND_LANDMARK_STYLE: landmark groups (palm, thumb, index, middle, ring, pinky), colour.
HAND_LANDMARK_GROUP_COLORS: tuple[tuple[tuple[int, ...], Color], ...] = (
    ((0, 1, 5, 9, 13, 17), MP_RED),
    ((2, 3, 4), MP_PEACH),
    ((6, 7, 8), MP_PURPLE),
    ((10, 11, 12), MP_YELLOW),
    ((14, 15, 16), MP_GREEN),
    ((18, 19, 20), MP_BLUE),
)
# drawing_styles._HAND_CONNECTION_STYLE: connection groups, their colour and line thickness.
HAND_CONNECTION_GROUP_STYLES: tuple[tuple[frozenset[tuple[int, int]], Color, int], ...] = (
    (HAND_PALM_CONNECTIONS, MP_GRAY, HAND_PALM_THICKNESS),
    (HAND_THUMB_CONNECTIONS, MP_PEACH, HAND_FINGER_THICKNESS),
    (HAND_INDEX_FINGER_CONNECTIONS, MP_PURPLE, HAND_FINGER_THICKNESS),
    (HAND_MIDDLE_FINGER_CONNECTIONS, MP_YELLOW, HAND_FINGER_THICKNESS),
    (HAND_RING_FINGER_CONNECTIONS, MP_GREEN, HAND_FINGER_THICKNESS),
    (HAND_PINKY_FINGER_CONNECTIONS, MP_BLUE, HAND_FINGER_THICKNESS),
)

# The order in which MediaPipe draws its HAND_CONNECTIONS: iteration order of the frozenset built in
# mediapipe/python/solutions/hands_connections.py (recorded with mediapipe 0.10.21 on CPython 3.11). Where
# lines of different colours cross, the later one wins, so this order is part of being pixel-identical.
HAND_CONNECTIONS_DRAW_ORDER: tuple[tuple[int, int], ...] = (
    (3, 4), (0, 5), (17, 18), (0, 17), (13, 14), (13, 17), (18, 19), (5, 6), (5, 9), (14, 15), (0, 1),
    (9, 10), (1, 2), (9, 13), (10, 11), (19, 20), (6, 7), (15, 16), (2, 3), (11, 12), (7, 8),
)  # fmt: skip

_HAND_LANDMARK_COLORS: dict[int, Color] = {i: c for group, c in HAND_LANDMARK_GROUP_COLORS for i in group}
_HAND_CONNECTION_STYLES: dict[tuple[int, int], tuple[Color, int]] = {
    pair: (color, thick) for group, color, thick in HAND_CONNECTION_GROUP_STYLES for pair in group
}
_STYLE_REFERENCE_SIDE = 480  # MediaPipe's sizes are kept up to this short side, then grow in proportion
_MAX_ABS_PIXEL = 1 << 30  # landmarks further out than this are not drawn (keeps OpenCV in int range)
_TEXT_COLOR: Color = (255, 255, 255)
_TEXT_OUTLINE: Color = (0, 0, 0)


def landmark_border_radius(radius: int) -> int:
    """Radius of the white border MediaPipe draws under a landmark dot of ``radius`` (drawing_utils)."""
    return max(radius + 1, int(radius * 1.2))


def style_scale(width: int, height: int) -> float:
    """Size factor for lines, dots, text: 1 (MediaPipe's sizes) up to a 480 px short side, then growing."""
    return max(1.0, min(width, height) / _STYLE_REFERENCE_SIDE)


def _scaled(value: int, scale: float) -> int:
    return max(1, math.floor(value * scale + 0.5))


def landmarks_to_pixels(landmarks: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalized (N, >=2) landmarks → (N, 2) int64 pixel x, y and an (N,) mask of those that can be drawn.

    In [0, 1] this is MediaPipe's ``_normalized_to_pixel_coordinates`` (floor, then at most width-1/height-1,
    in float64 arithmetic); outside it is plain floor. Non-finite landmarks are masked out.
    """
    xy = np.asarray(landmarks, dtype=np.float64)[:, :2]
    size = np.array([width, height], dtype=np.float64)
    finite = np.isfinite(xy).all(axis=1)
    px = np.floor(np.where(np.isfinite(xy), xy, 0.0) * size)
    inside = (xy >= 0.0) & (xy <= 1.0 + 1e-9)
    px = np.where(inside, np.minimum(px, size - 1), px)
    drawable = finite & (np.abs(px) < _MAX_ABS_PIXEL).all(axis=1)
    return np.where(drawable[:, None], px, 0).astype(np.int64), drawable


def _check_image(image: object, copy: bool) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"annotate expects a numpy array (H×W×3 uint8), got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f"annotate expects an H×W×3 uint8 image, got shape {image.shape} dtype {image.dtype}"
        )
    if not copy and not (image.flags.c_contiguous and image.flags.writeable):
        raise ValueError("annotate(copy=False) draws in place and needs a writable C-contiguous array")
    return image


def _channel_order(color: Color, bgr: bool) -> Color:
    return color if bgr else (color[2], color[1], color[0])


def _draw_label(image: np.ndarray, text: str, anchor: tuple[int, int], gap: int, scale: float) -> None:
    """Draw ``text`` centred under ``anchor``, or above it if there is no room; kept inside the image."""
    height, width = image.shape[:2]
    font = cv2.FONT_HERSHEY_SIMPLEX
    font_scale = 0.6 * scale
    thickness = _scaled(1, scale)
    outline = thickness + _scaled(2, scale)
    (text_w, text_h), baseline = cv2.getTextSize(text, font, font_scale, outline)
    x = min(max(anchor[0] - text_w // 2, 0), max(width - text_w, 0))
    y = anchor[1] + gap + text_h
    if y + baseline > height:
        y = anchor[1] - gap - baseline
    y = min(max(y, text_h), max(height - baseline, text_h))
    cv2.putText(image, text, (x, y), font, font_scale, _TEXT_OUTLINE, outline, cv2.LINE_AA)
    cv2.putText(image, text, (x, y), font, font_scale, _TEXT_COLOR, thickness, cv2.LINE_AA)


def _draw_hand(
    image: np.ndarray,
    hand: Hand,
    landmark_color: Color | None,
    connection_color: Color | None,
    line_thickness: int | None,
    radius: int,
    scale: float,
    bgr: bool,
) -> tuple[int, int] | None:
    """Draw one hand's connections then its dots (MediaPipe's order); returns the wrist pixel if drawable."""
    height, width = image.shape[:2]
    px, drawable = landmarks_to_pixels(hand.landmarks, width, height)
    points = [(int(x), int(y)) for x, y in px]
    for start, end in HAND_CONNECTIONS_DRAW_ORDER:
        if not (drawable[start] and drawable[end]):
            continue
        default_color, default_thickness = _HAND_CONNECTION_STYLES[(start, end)]
        color = connection_color if connection_color is not None else _channel_order(default_color, bgr)
        thick = line_thickness if line_thickness is not None else _scaled(default_thickness, scale)
        cv2.line(image, points[start], points[end], color, thick)
    border = landmark_border_radius(radius)
    for index, point in enumerate(points):
        if not drawable[index]:
            continue
        color = (
            landmark_color
            if landmark_color is not None
            else _channel_order(_HAND_LANDMARK_COLORS[index], bgr)
        )
        cv2.circle(image, point, border, MP_WHITE, -1)
        cv2.circle(image, point, radius, color, -1)
    return points[0] if drawable[0] else None


def annotate(
    image: np.ndarray,
    result: HandLandmarkerResult | Iterable[Hand],
    *,
    landmark_color: Color | None = None,
    connection_color: Color | None = None,
    thickness: int | None = None,
    radius: int | None = None,
    draw_handedness: bool = True,
    bgr: bool = True,
    copy: bool = True,
) -> np.ndarray:
    """Draw each hand's connections, landmark dots and (optionally) a handedness label near the wrist.

    Args:
        image: H×W×3 uint8, BGR (``bgr=True``, OpenCV's order) or RGB (``bgr=False``).
        result: a :class:`HandLandmarkerResult` (or any iterable of :class:`Hand`); its normalized landmarks
            are mapped onto this image's size (see the module docstring), so it may be a resized copy.
        landmark_color / connection_color: one colour for all dots / lines, in the image's channel order;
            None gives MediaPipe's default hand style (colour per finger).
        thickness: line width in pixels for every connection; None gives MediaPipe's (3 palm, 2 fingers).
        radius: dot radius in pixels; None gives MediaPipe's 5. Dots get MediaPipe's white border.
        draw_handedness: write "Left 0.97"-style labels under the wrists.
        bgr: channel order of the image, used for the default colours.
        copy: draw on a copy (default) or in place (needs a writable C-contiguous array).

    Sizes left at None grow with the image (:func:`style_scale`) so large images stay readable; they are
    MediaPipe's exactly up to a 480 px short side, where, without the label and with every landmark inside the
    image, the output equals MediaPipe's ``draw_landmarks`` with its default hand styles.

    Returns:
        The annotated image (the input itself when ``copy=False``).
    """
    out = _check_image(image, copy)
    if copy:
        out = out.copy()
    height, width = out.shape[:2]
    scale = style_scale(width, height)
    dot_radius = radius if radius is not None else _scaled(HAND_LANDMARK_RADIUS, scale)
    result_size = (getattr(result, "width", width), getattr(result, "height", height))
    if result_size != (width, height):
        logger.debug("annotating a %dx%d image with a result for %sx%s", width, height, *result_size)
    for hand in result:
        wrist = _draw_hand(out, hand, landmark_color, connection_color, thickness, dot_radius, scale, bgr)
        if draw_handedness and wrist is not None:
            label = f"{hand.handedness} {hand.handedness_score:.2f}"
            _draw_label(out, label, wrist, landmark_border_radius(dot_radius) + _scaled(4, scale), scale)
    return out
