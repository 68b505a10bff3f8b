"""The hand pipeline on ONNX Runtime: palm detector → hand ROIs → landmark model → hands, batched.

Everything here works on RGB uint8 numpy images; results are in normalized image coordinates
(see :mod:`handpose.results`). Tracking state is a list of :class:`~handpose.geometry.NormRect` ROIs
derived from the previous frame's landmarks (HandLandmarkLandmarksToRoi).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import constants as C
from .backends import load_model
from .geometry import (
    NormRect,
    associate,
    crop_roi,
    landmarks_to_rect,
    palm_to_rect,
    project_landmarks,
    remove_letterbox,
    rotate_world,
)
from .graphs import LEGACY, GraphRules, associate_tasks, duplicate_hands
from .palm import PalmDetection, detect_palms, palm_input
from .results import Hand
from .runtime import thread_plan

MODELS = ("full", "lite")
_SCALE = np.float32(1.0 / 255.0)  # ImageToTensor value range [0, 255] → [0, 1]
# Inputs per model call: ONNX Runtime runs batches of 2-4 fastest per input, larger ones outgrow the CPU caches
# (1 thread: palm full 11.0 ms per input at 2-4, 13.1 at 8, 17.2 at 24; landmark full 10.5, 11.6 at 8, 12.7 at
# 16). Outputs are bit-identical at any batch size.
MODEL_BATCH = 4
_PALM_KEYPOINTS = (0, 1, 5, 9, 13, 17)  # wrist, thumb CMC and the four MCPs: a tracked hand's palm box


@dataclass
class FrameOutput:
    """Hands of one image plus what tracking needs for the next frame."""

    hands: list[Hand]
    next_rects: list[NormRect]
    palm_detector_ran: bool
    rois: list[NormRect] = field(default_factory=list)


def to_tensor(crops: Sequence[np.ndarray]) -> np.ndarray:
    """Stack uint8 HxWx3 crops into a float32 NHWC batch in [0, 1] (as ImageToTensor's convertTo)."""
    return np.stack(crops).astype(np.float32) * _SCALE


def run_batched(model: Any, crops: Sequence[np.ndarray], per_call: int = MODEL_BATCH) -> list[np.ndarray]:
    """``model`` on uint8 crops (at least one), ``per_call`` of them per call (:data:`MODEL_BATCH`); each of its
    outputs concatenated over the calls, one row per crop."""
    outs = [model(to_tensor(crops[k : k + per_call])) for k in range(0, len(crops), per_call)]
    return [np.concatenate(parts) for parts in zip(*outs, strict=True)]


class HandPipeline:
    """Owns the palm and landmark ONNX Runtime sessions of one model variant ('full' or 'lite')."""

    def __init__(
        self,
        model: str = "full",
        *,
        threads: int = 0,
        device: str = "cpu",
        providers: Sequence[str] | None = None,
        max_landmark_batch: int = MODEL_BATCH,
        palm_model_path: str | Path | None = None,
        landmark_model_path: str | Path | None = None,
        rules: GraphRules = LEGACY,
        backend: str = "onnxruntime",
        landmark_threads: int | None = None,
    ) -> None:
        """``palm_model_path`` / ``landmark_model_path``: explicit ONNX files (e.g. converted from a Tasks
        ``.task`` bundle by :mod:`handpose.tasks`) used instead of the bundled ``model`` variant's.
        ``rules``: which MediaPipe graph to reproduce (:data:`handpose.graphs.LEGACY` or
        :func:`handpose.graphs.tasks_rules`). ``backend``: 'onnxruntime' or 'litert' (:mod:`handpose.backends`;
        explicit model paths are then .tflite files). ``threads``: cores to use at most (0: all, see
        :func:`handpose.runtime.thread_plan`); ``landmark_threads`` overrides the landmark model's share."""
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {model!r}")
        self.model = model
        # One rule for the API and every command (runtime.thread_plan): ``threads`` cores at most, the two
        # models overlapped on two threads when there are two or more, each with half of them.
        self.plan = thread_plan(threads)
        run: dict[str, Any] = {"backend": backend, "device": device, "providers": providers}
        self.palm_model = load_model(
            f"palm_detection_{model}", palm_model_path, threads=self.plan.per_model, **run
        )
        self.landmark_model = load_model(
            f"hand_landmark_{model}",
            landmark_model_path,
            threads=landmark_threads or self.plan.per_model,
            **run,
        )
        self.max_landmark_batch = max_landmark_batch
        self.rules = rules
        self._pool: ThreadPoolExecutor | None = None
        self._image_pool: ThreadPoolExecutor | None = None
        self._pools_lock = threading.Lock()  # callers on several threads must not each create a pool

    def _worker(self) -> ThreadPoolExecutor:
        """One background thread for the landmark model while the palm detector runs (see process_batch)."""
        with self._pools_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handpose-landmarks")
            return self._pool

    def _image_workers(self) -> ThreadPoolExecutor:
        """Two threads that each run whole images (see process_stream)."""
        with self._pools_lock:
            if self._image_pool is None:
                self._image_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="handpose-images")
            return self._image_pool

    def close(self) -> None:
        """Stop the worker threads; the sessions are released with this object."""
        with self._pools_lock:
            pools = (self._pool, self._image_pool)
            self._pool = self._image_pool = None
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=True)

    def warm_up(self) -> None:
        self.palm_model.warm_up()
        self.landmark_model.warm_up()

    # -- stages -------------------------------------------------------------------------------------------

    def detect_palms(
        self, images: Sequence[np.ndarray], *, min_score: float, max_palms: int
    ) -> list[list[PalmDetection]]:
        """Palm detections (image-normalized) for each image, batched (``MODEL_BATCH`` inputs per model call)."""
        if not images:
            return []
        inputs = [palm_input(img) for img in images]
        regressors, logits = run_batched(self.palm_model, [crop for crop, _ in inputs])
        return [
            detect_palms(regressors[i], logits[i], pad, min_score, max_palms)
            for i, (_, pad) in enumerate(inputs)
        ]

    def _run_landmarks_split(
        self, jobs: Sequence[tuple[np.ndarray, NormRect]]
    ) -> list[dict[str, np.ndarray]]:
        """:meth:`run_landmarks`; with two or more hands and two or more cores, half of them on the worker
        thread at the same time (two runs of one hand cost the CPU time of one run of two)."""
        if len(jobs) < 2 or not self.plan.overlap:
            return self.run_landmarks(jobs)
        half = len(jobs) // 2
        first = self._worker().submit(self.run_landmarks, jobs[:half])
        second = self.run_landmarks(jobs[half:])
        return first.result() + second

    def run_landmarks(self, jobs: Sequence[tuple[np.ndarray, NormRect]]) -> list[dict[str, np.ndarray]]:
        """Landmark model on each (image, ROI) pair, batched; returns decoded per-hand arrays.

        Each dict has ``landmarks`` (21, 3) image-normalized, ``world`` (21, 3) metres, ``presence`` and
        ``left`` (the model's probability of MediaPipe's "Left" label).
        """
        if not jobs:
            return []
        crops = self.landmark_crops(jobs)
        screen, presence, handedness, world = run_batched(
            self.landmark_model, [c for c, _ in crops], self.max_landmark_batch
        )
        scale = np.array(
            [C.LANDMARK_INPUT_SIZE, C.LANDMARK_INPUT_SIZE, C.LANDMARK_INPUT_SIZE * C.LANDMARK_NORMALIZE_Z],
            dtype=np.float32,
        )
        out: list[dict[str, np.ndarray]] = []
        for i, ((_, rect), (_, pad)) in enumerate(zip(jobs, crops, strict=True)):
            lm = remove_letterbox(screen[i].reshape(C.NUM_LANDMARKS, 3).astype(np.float32) / scale, pad)
            out.append(
                {
                    "landmarks": project_landmarks(lm, rect),
                    "world": rotate_world(world[i].reshape(C.NUM_LANDMARKS, 3), rect.rotation),
                    "presence": presence[i].reshape(-1)[0],
                    "left": handedness[i].reshape(-1)[0],
                }
            )
        return out

    def landmark_crops(self, jobs: Sequence[tuple[np.ndarray, NormRect]]) -> list[tuple[np.ndarray, Any]]:
        """The landmark model's input crop (uint8) and letterbox padding of each (image, ROI) pair."""
        keep = self.rules.landmark_keep_aspect_ratio
        return [
            crop_roi(img, rect, C.LANDMARK_INPUT_SIZE, border=cv2.BORDER_REPLICATE, keep_aspect_ratio=keep)
            for img, rect in jobs
        ]

    # -- whole frames ---------------------------------------------------------------------------------------

    def process_batch(
        self,
        images: Sequence[np.ndarray],
        *,
        max_hands: int,
        min_detection_confidence: float,
        min_presence_confidence: float,
        tracked: Sequence[Sequence[NormRect] | None] | None = None,
        palm_allowed: Sequence[bool] | None = None,
    ) -> list[FrameOutput]:
        """Process several frames: palm detection batched over the frames that need it, then every ROI of
        every frame through the landmark model as one batch.

        ``tracked[i]`` holds frame i's ROIs from the previous frame's landmarks (None: static mode); the palm
        detector runs on frame i only when it has fewer than ``max_hands`` tracked ROIs, and
        ``palm_allowed[i]`` is not False (the opt-in palm interval; a frame without tracked ROIs always runs it).

        Several independent images (``tracked`` None) with two or more cores are processed two at a time
        (:meth:`process_stream`); the outputs are the same.
        """
        conf = {
            "max_hands": max_hands,
            "min_detection_confidence": min_detection_confidence,
            "min_presence_confidence": min_presence_confidence,
        }
        if tracked is None and self.plan.overlap and len(images) > 1:
            return list(self.process_stream(images, **conf))
        # Still images keep one thread for the landmark model: splitting an image's two hands over two threads
        # cost 16-18% more CPU for those hands (the two runs slow each other) and gained no measurable wall time
        # over a set of photos (issue 13; benchmarks/README.md). Video frames still split tracked hands.
        landmarks = self.run_landmarks if tracked is None else self._run_landmarks_split
        tracked = tracked if tracked is not None else [None] * len(images)
        allowed = palm_allowed if palm_allowed is not None else [True] * len(images)
        need = [i for i, t in enumerate(tracked) if t is None or not t or (len(t) < max_hands and allowed[i])]
        # Tracked ROIs do not depend on this frame's palm detections: on frames where the palm detector runs,
        # their landmarks are computed on a worker thread at the same time (ONNX Runtime releases the GIL).
        # Association may drop some of them afterwards; the output is the same as without the overlap.
        early_jobs = [(i, images[i], r) for i in need for r in (tracked[i] or [])]
        early = (
            self._worker().submit(self.run_landmarks, [(img, r) for _, img, r in early_jobs])
            if early_jobs and self.plan.overlap
            else None
        )
        if early is None:
            early_jobs = []
        palms = self.detect_palms(
            [images[i] for i in need], min_score=min_detection_confidence, max_palms=max_hands
        )
        palms_of = dict(zip(need, palms, strict=True))
        rois_per_frame: list[list[NormRect]] = []
        palm_of_roi: list[list[PalmDetection | None]] = []
        for i, image in enumerate(images):
            h, w = image.shape[:2]
            dets = palms_of.get(i, [])
            palm_rects = [
                palm_to_rect(d.box, d.keypoints, w, h, target_angle=self.rules.palm_target_angle)
                for d in dets
            ]
            if not self.rules.tasks_association:
                rois = associate(palm_rects, list(tracked[i] or []))
            elif tracked[i] is None:  # Tasks IMAGE mode: no association
                rois = palm_rects
            else:
                rois = associate_tasks(tracked[i], palm_rects, self.rules.association_iou)[:max_hands]
            rois_per_frame.append(rois)
            by_rect = {id(r): d for r, d in zip(palm_rects, dets, strict=True)}
            palm_of_roi.append([by_rect.get(id(r)) for r in rois])
        jobs = [(i, r) for i, rois in enumerate(rois_per_frame) for r in rois]
        done = {}
        if early is not None:
            done = {(i, id(r)): out for (i, _, r), out in zip(early_jobs, early.result(), strict=True)}
        rest = iter(landmarks([(images[i], r) for i, r in jobs if (i, id(r)) not in done]))
        decoded = iter([done[(i, id(r))] if (i, id(r)) in done else next(rest) for i, r in jobs])
        outputs: list[FrameOutput] = []
        for i, image in enumerate(images):
            h, w = image.shape[:2]
            hands: list[Hand] = []
            next_rects: list[NormRect] = []
            for palm in palm_of_roi[i]:
                raw = next(decoded)
                if float(raw["presence"]) < min_presence_confidence:
                    continue
                hands.append(_make_hand(raw, palm))
                next_rects.append(landmarks_to_rect(raw["landmarks"], w, h))
            if self.rules.deduplicate and len(hands) > 1:
                drop = duplicate_hands([hand.landmarks for hand in hands], w, h)
                hands = [hand for k, hand in enumerate(hands) if k not in drop]
                next_rects = [r for k, r in enumerate(next_rects) if k not in drop]
            outputs.append(FrameOutput(hands, next_rects, i in palms_of, rois_per_frame[i]))
        return outputs

    def process_stream(
        self,
        images: Iterable[np.ndarray],
        *,
        max_hands: int,
        min_detection_confidence: float,
        min_presence_confidence: float,
    ) -> Iterator[FrameOutput]:
        """Independent images (static mode), one output per image, in order, as each is ready.

        With two or more cores (``plan.overlap``) two images are processed at once, each whole (palm model, then
        landmark model) on its own thread with the models' ``plan.per_model`` threads: ONNX Runtime sessions
        take concurrent runs, so both cores stay busy whatever the mix of palm and landmark work, and no thread
        spins, so the CPU time per image stays that of one thread (benchmarks/README.md). ``images`` is read at
        most three ahead. The outputs are those of one image at a time.
        """
        conf = {
            "max_hands": max_hands,
            "min_detection_confidence": min_detection_confidence,
            "min_presence_confidence": min_presence_confidence,
        }
        if not self.plan.overlap:
            for image in images:
                yield from self.process_batch([image], **conf)
            return
        pending: deque[Future[list[FrameOutput]]] = deque()
        for image in images:
            pending.append(self._image_workers().submit(self.process_batch, [image], **conf))
            if len(pending) >= 3:  # two running, one queued: this thread reads the next image meanwhile
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _make_hand(raw: dict[str, np.ndarray], palm: PalmDetection | None) -> Hand:
    left = float(raw["left"])
    # TensorsToClassificationCalculator, binary_classification: class 0 ("Left") scores p, class 1 1 - p.
    label, score = ("Left", left) if left >= 0.5 else ("Right", 1.0 - left)
    if palm is not None:
        box = tuple(float(v) for v in palm.box)
        palm_score = palm.score
    else:
        pts = raw["landmarks"][list(_PALM_KEYPOINTS), :2]
        box = (*(float(v) for v in pts.min(axis=0)), *(float(v) for v in pts.max(axis=0)))
        palm_score = 0.0
    return Hand(
        landmarks=raw["landmarks"],
        world_landmarks=raw["world"],
        handedness=label,
        handedness_score=score,
        presence=float(raw["presence"]),
        palm_box=box,  # type: ignore[arg-type]
        palm_score=palm_score,
    )
