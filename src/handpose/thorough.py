"""Thorough search (opt-in, ``HandLandmarkerOptions(thorough=True)``): small, far and many hands.

MediaPipe's palm detector sees the whole frame letterboxed to 192x192: in a 1920x1080 frame a hand of 100 px
shrinks to 10 px and is missed. The thorough search also runs the palm detector on the frame at finer scales
(:mod:`handpose.tiling`: levels chosen from the frame size and the detector's anchor sizes, each level cut into
overlapping 192 x 192 tiles, the detector's own input size, run :data:`~handpose.pipeline.MODEL_BATCH` tiles per
model call), merges the palms of every level and of the
default 192-px pass in frame coordinates with MediaPipe's weighted NMS, then checks the best candidates on the
full-resolution frame: the lite landmark model's presence first (cheap), then the landmark model once per surviving
candidate (batched) and once more on the ROI of its landmarks (``refine``). The presence score drops false palms;
a landmark-box overlap check (IoU, or one box mostly inside the other) drops hands found twice, and implausibly
thin landmark boxes are dropped. Palm scores of small hands are low (0.05-0.3), so the candidates' threshold is
low and the landmark model does the deciding. The default pipeline is not touched.

Video (VIDEO / LIVE_STREAM): :meth:`ThoroughSearch.augment` adds the hands a thorough search finds to a frame's
ordinary (tracking) output; the landmarker runs it every ``thorough_interval`` frames and tracks what it found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .backends import load_model
from .geometry import NormRect, iou, landmarks_to_rect, palm_to_rect
from .palm import PalmDetection, weighted_nms
from .pipeline import MODEL_BATCH, FrameOutput, HandPipeline, _make_hand, run_batched
from .results import Hand
from .runtime import session_options
from .tiling import Level, decode_tile, drop_cut_palms, plan_levels, to_frame

MIN_HAND_PX = 96  # hand size (px, longer side of its box) the finest level is planned for (64-px: ~85% found)
PALM_PER_HAND = 0.65  # palm box side / hand size, roughly (a palm detection's box vs the pasted hand's size)
DUPLICATE_IOU = 0.3  # landmark boxes overlapping more than this: the same hand
CONTAINED = 0.5  # ... or the smaller box this much inside the larger one
MIN_ASPECT = 0.15  # landmark box sides: the short one at least this share of the long one
MAX_BATCH_PIXELS = 8_000_000  # tiles per model call at most this many input pixels (memory)


@dataclass(frozen=True)
class ThoroughConfig:
    """Tuning of the search. ``min_hand_px``: the smallest hand (px) the finest level is planned for (the cost
    grows with the square of 1 / this; the default 96 still finds ~85% of 64-px hands and ~35% of 48-px ones;
    64: ~100% of 64-px hands, ~75% of 48-px ones, ~2x the tiles, and more false positives on the test scenes);
    ``max_tile``: 192 (default): every tile is the palm model's own 192 x 192 input, where it scores small palms far
    higher than in a large input (:mod:`handpose.tiling`); larger: the largest free-size model input side before
    a level is split into tiles (fewer, larger tiles: cheaper, much lower recall); ``min_palm_score``: palm
    score threshold on the finer levels (the landmark model's presence score verifies every candidate);
    ``min_presence``: presence threshold of the found hands (at least the landmarker's);
    ``candidates_per_hand`` x max_hands + ``extra_candidates``: palms verified per frame at most, best first;
    ``prefilter``: the lite landmark model's presence below which a candidate is dropped before the full model
    (0: off); ``refine``: run the landmark model a second time on the ROI from the first landmarks (as tracking does
    on the next frame), which tightens the landmarks of hands found at coarse scales; ``merge_levels``: merge the
    palms of all levels with weighted NMS (else: only sorted by score)."""

    min_hand_px: float = MIN_HAND_PX
    max_tile: int = 192
    min_palm_score: float = 0.05
    min_presence: float = 0.5
    candidates_per_hand: int = 8
    extra_candidates: int = 16
    refine: bool = True
    prefilter: float = 0.1
    merge_levels: bool = True


# -- the palm model with free input height and width ---------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(buf: bytes) -> list[tuple[int, bytes | None, bytes]]:
    """Top-level protobuf fields: (number, payload of a length-delimited field or None, raw bytes)."""
    out: list[tuple[int, bytes | None, bytes]] = []
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = _read_varint(buf, pos)
        wire = key & 7
        payload: bytes | None = None
        if wire == 0:
            _, pos = _read_varint(buf, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length, pos = _read_varint(buf, pos)
            payload = buf[pos : pos + length]
            pos += length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((key >> 3, payload, buf[start:pos]))
    return out


def _edit(buf: bytes, number: int, fn) -> bytes:  # type: ignore[no-untyped-def]
    """Re-encode a message, replacing each length-delimited field ``number`` by ``fn(payload, k)``."""
    out = bytearray()
    k = 0
    for num, payload, raw in _fields(buf):
        if num == number and payload is not None:
            new = fn(payload, k)
            k += 1
            out += _varint(num << 3 | 2) + _varint(len(new)) + new
        else:
            out += raw
    return bytes(out)


def _free_dims(value_info: bytes, names: dict[int, str]) -> bytes:
    """ValueInfoProto with the dims at the given indices made symbolic (dim_param) instead of fixed."""

    def dim(payload: bytes, k: int) -> bytes:
        if k not in names:
            return payload
        name = names[k].encode()
        return _varint(2 << 3 | 2) + _varint(len(name)) + name

    shape = lambda p, _k: _edit(p, 1, dim)  # noqa: E731  TensorShapeProto.dim
    tensor = lambda p, _k: _edit(p, 2, shape)  # noqa: E731  TypeProto.Tensor.shape
    type_ = lambda p, _k: _edit(p, 1, tensor)  # noqa: E731  TypeProto.tensor_type
    return _edit(value_info, 2, type_)  # ValueInfoProto.type


def free_spatial_dims(model: bytes) -> bytes:
    """The palm model's ONNX bytes with the input's height and width (and the outputs' anchor count) free."""

    def graph(payload: bytes, _k: int) -> bytes:
        payload = _edit(payload, 11, lambda p, _j: _free_dims(p, {1: "height", 2: "width"}))
        return _edit(payload, 12, lambda p, _j: _free_dims(p, {1: "anchors"}))

    return _edit(model, 7, graph)  # ModelProto.graph


class DynamicPalmModel:
    """The pipeline's palm ONNX model in a session that takes any NHWC input size (same providers, threads)."""

    def __init__(self, pipeline: HandPipeline) -> None:
        import onnxruntime as ort

        base = pipeline.palm_model
        if not hasattr(base, "session"):
            raise ValueError("the thorough search needs the onnxruntime backend")
        data = free_spatial_dims(base.path.read_bytes())
        self.session = ort.InferenceSession(
            data, sess_options=session_options(pipeline.plan.budget), providers=base.providers
        )
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        return self.session.run(self.output_names, {self.input_name: batch})


# -- the search -------------------------------------------------------------------------------------------------


def tile_batch(image: np.ndarray, level: Level) -> list[np.ndarray]:
    """The level's tiles of one RGB frame (uint8, zero-padded past the scaled frame's edge)."""
    scaled = cv2.resize(image, (level.width, level.height), interpolation=cv2.INTER_AREA)
    tw, th = level.tile_size
    crops = []
    for tile in level.tiles:
        crop = np.zeros((th, tw, 3), dtype=np.uint8)
        part = scaled[tile.y : tile.y + th, tile.x : tile.x + tw]
        crop[: part.shape[0], : part.shape[1]] = part
        crops.append(crop)
    return crops


def _landmark_box(hand: Hand) -> tuple[float, float, float, float]:
    lm = hand.landmarks[:, :2]
    return (*(float(v) for v in lm.min(axis=0)), *(float(v) for v in lm.max(axis=0)))


def _same_hand(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Two landmark boxes of one hand: IoU above DUPLICATE_IOU, or the smaller mostly inside the larger (a hand
    found once whole and once as a part)."""
    if iou(a, b) > DUPLICATE_IOU:
        return True
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return smaller > 0 and inter / smaller > CONTAINED


def _degenerate(box: tuple[float, ...], width: int, height: int) -> bool:
    """A landmark box far thinner than any hand's (the landmark model's collapsed answer on a non-hand)."""
    w, h = (box[2] - box[0]) * width, (box[3] - box[1]) * height
    return min(w, h) < MIN_ASPECT * max(w, h)


class ThoroughSearch:
    """Multi-scale palm search + landmark verification on a :class:`~handpose.pipeline.HandPipeline`."""

    def __init__(self, pipeline: HandPipeline, config: ThoroughConfig | None = None) -> None:
        self.pipeline = pipeline
        self.config = config or ThoroughConfig()
        self._model: DynamicPalmModel | None = None
        self._lite: Any = None
        self._plans: dict[tuple[int, int], list[Level]] = {}

    @property
    def model(self) -> DynamicPalmModel:
        if self._model is None:
            self._model = DynamicPalmModel(self.pipeline)
        return self._model

    def levels(self, width: int, height: int) -> list[Level]:
        """The tiling of a frame size (cached)."""
        key = (width, height)
        if key not in self._plans:
            c = self.config
            self._plans[key] = plan_levels(
                width, height, min_palm=c.min_hand_px * PALM_PER_HAND, max_tile=c.max_tile
            )
        return self._plans[key]

    def find_palms(
        self, images: Sequence[np.ndarray], *, min_detection_confidence: float
    ) -> list[list[PalmDetection]]:
        """Palm candidates of each frame (image-normalized), best first: every level's tiles, plus the default
        192-px pass, merged by weighted NMS."""
        found: list[list[PalmDetection]] = [[] for _ in images]
        full = self.pipeline.detect_palms(images, min_score=min_detection_confidence, max_palms=64)
        for i, dets in enumerate(full):
            found[i].extend(dets)
        min_score = min(self.config.min_palm_score, min_detection_confidence)
        by_size: dict[tuple[int, int], list[int]] = {}
        for i, image in enumerate(images):
            by_size.setdefault((image.shape[1], image.shape[0]), []).append(i)
        for (width, height), members in by_size.items():
            for level in self.levels(width, height):
                tw, th = level.tile_size
                per_call = max(1, min(MODEL_BATCH, MAX_BATCH_PIXELS // (tw * th)))
                model = self.pipeline.palm_model if level.tile_size == (192, 192) else self.model
                for i in members:
                    regressors, logits = run_batched(model, tile_batch(images[i], level), per_call)
                    per_tile = []
                    for t, tile in enumerate(level.tiles):
                        per_tile += [
                            (tile, d) for d in decode_tile(regressors[t], logits[t], tile, min_score)
                        ]
                    found[i].extend(to_frame(d, level) for d in drop_cut_palms(per_tile, level))
        if self.config.merge_levels:
            return [weighted_nms(dets) for dets in found]
        return [sorted(dets, key=lambda d: -d.score) for dets in found]

    def _verify(
        self,
        jobs: list[tuple[int, PalmDetection | None, NormRect]],
        images: Sequence[np.ndarray],
        min_presence: float,
    ) -> list[tuple[int, Hand, NormRect]]:
        """Landmarks of every (frame, palm, ROI) job, one batch (two with ``refine``); keeps present hands.

        With ``prefilter`` the lite landmark model (3x cheaper) first drops the candidates it sees no hand in."""
        if self.config.prefilter and jobs:
            scores = self.presence([(images[i], r) for i, _, r in jobs])
            jobs = [job for job, p in zip(jobs, scores, strict=True) if p >= self.config.prefilter]
        raws = self.pipeline.run_landmarks([(images[i], r) for i, _, r in jobs])
        rects = [
            landmarks_to_rect(raw["landmarks"], images[i].shape[1], images[i].shape[0])
            for (i, _, _), raw in zip(jobs, raws, strict=True)
        ]
        if self.config.refine and jobs:
            keep = [k for k, raw in enumerate(raws) if float(raw["presence"]) >= min_presence]
            again = self.pipeline.run_landmarks([(images[jobs[k][0]], rects[k]) for k in keep])
            for k, raw in zip(keep, again, strict=True):
                if float(raw["presence"]) >= min_presence:
                    raws[k] = raw
                    i = jobs[k][0]
                    rects[k] = landmarks_to_rect(raw["landmarks"], images[i].shape[1], images[i].shape[0])
        out = []
        for (i, palm, _), raw, rect in zip(jobs, raws, rects, strict=True):
            if float(raw["presence"]) >= min_presence:
                out.append((i, _make_hand(raw, palm), rect))
        return out

    def presence(self, jobs: Sequence[tuple[np.ndarray, NormRect]]) -> list[float]:
        """The lite landmark model's hand presence score of each (image, ROI), batched."""
        if self._lite is None:
            self._lite = load_model(
                "hand_landmark_lite",
                backend="onnxruntime",
                threads=self.pipeline.plan.budget,
                providers=self.pipeline.palm_model.providers,
            )
        if not jobs:
            return []
        crops = [crop for crop, _ in self.pipeline.landmark_crops(jobs)]
        presence = run_batched(self._lite, crops, self.pipeline.max_landmark_batch)[1]
        return [float(v) for v in presence.reshape(len(jobs), -1)[:, 0]]

    def _candidates(
        self, palms: list[PalmDetection], width: int, height: int, max_hands: int, known: list[Hand]
    ) -> list[tuple[PalmDetection, NormRect]]:
        """The best palms (at most the configured number), without those on an already known hand."""
        limit = self.config.candidates_per_hand * max_hands + self.config.extra_candidates
        boxes = [_landmark_box(h) for h in known]
        out = []
        for palm in palms:
            center = (palm.box[:2] + palm.box[2:]) / 2
            if any(b[0] <= center[0] <= b[2] and b[1] <= center[1] <= b[3] for b in boxes):
                continue
            out.append((palm, palm_to_rect(palm.box, palm.keypoints, width, height)))
            if len(out) >= limit:
                break
        return out

    def detect(
        self,
        images: Sequence[np.ndarray],
        *,
        max_hands: int,
        min_detection_confidence: float,
        min_presence_confidence: float,
        known: Sequence[FrameOutput] | None = None,
    ) -> list[FrameOutput]:
        """Hands of each frame. ``known``: each frame's output so far (video: the tracked hands), kept first; the
        search adds the hands it finds beyond them, up to ``max_hands``."""
        palms = self.find_palms(images, min_detection_confidence=min_detection_confidence)
        base = list(known) if known is not None else [FrameOutput([], [], False) for _ in images]
        jobs: list[tuple[int, PalmDetection | None, NormRect]] = []
        for i, image in enumerate(images):
            cands = self._candidates(palms[i], image.shape[1], image.shape[0], max_hands, base[i].hands)
            jobs += [(i, palm, rect) for palm, rect in cands]
        presence = max(min_presence_confidence, self.config.min_presence)
        found = self._verify(jobs, images, presence)
        outputs = []
        for i, image in enumerate(images):
            hands, rects = list(base[i].hands), list(base[i].next_rects)
            mine = sorted(
                ((h, r) for j, h, r in found if j == i),
                key=lambda hr: -hr[0].presence * max(hr[0].palm_score, 0.1),
            )
            for hand, rect in mine:
                if len(hands) >= max_hands:
                    break
                box = _landmark_box(hand)
                if _degenerate(box, image.shape[1], image.shape[0]) or any(
                    _same_hand(box, _landmark_box(other)) for other in hands
                ):
                    continue
                hands.append(hand)
                rects.append(rect)
            outputs.append(FrameOutput(hands, rects, True, [r for j, _p, r in jobs if j == i]))
        return outputs

    def augment(self, image: np.ndarray, out: FrameOutput, **conf: float) -> FrameOutput:
        """A video frame's output plus the hands a thorough search finds that it lacks (up to max_hands)."""
        if len(out.hands) >= int(conf["max_hands"]):
            return out
        return self.detect([image], known=[out], **conf)[0]  # type: ignore[arg-type]
