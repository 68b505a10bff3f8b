"""Batch outputs: result lines, crash-safe shards with a done-list, and the final JSONL / CSV / Parquet / COCO
files assembled from them.

A batch job writes every finished unit of work to its own shard ``<out>.parts/part-<uid>.jsonl`` (temp file,
fsync, rename) and then appends one line to ``<out>.parts/done.jsonl``. A shard line is either a result
(exactly the JSONL output line: ``{"image", ["frame", "timestamp_ms",] "width", "height", "hands"}``) or an
error (``{"error": reason, "path": shown}``). The final outputs are assembled from the shards in unit order,
so they follow the input order whatever order the workers finished in, and each is written atomically.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import MissingExtraError
from ..results import HAND_CONNECTIONS, HandLandmark, HandLandmarkerResult
from .atomic import atomic_open

FORMATS = ("jsonl", "csv", "parquet")
_ERROR_PREFIX = '{"error": '
N = 21


# -- lines ------------------------------------------------------------------------------------------------


def result_line(
    shown: str,
    result: HandLandmarkerResult,
    *,
    frame: int | None = None,
    digits: int | None = None,
) -> str:
    """The JSONL line of one image (``handpose detect --json`` shape) or one video frame (+ frame index)."""
    record: dict[str, Any] = {"image": shown}
    if frame is not None:
        record["frame"] = frame
    record.update(
        result.to_dict(digits)
    )  # width, height, hands, palm_detector_ran (+ timestamp_ms for frames)
    return json.dumps(record)


def error_line(shown: str, message: str) -> str:
    """A shard line recording that ``shown`` failed. A message ``"<shown>: <reason>"`` keeps the reason."""
    prefix = f"{shown}: "
    reason = message[len(prefix) :] if message.startswith(prefix) else message
    return json.dumps({"error": reason, "path": shown})


def is_error_line(line: str) -> bool:
    return line.startswith(_ERROR_PREFIX)


# -- final outputs ----------------------------------------------------------------------------------------


def format_of(path: str | os.PathLike[str]) -> str:
    """'jsonl', 'csv' or 'parquet' from the output's suffix; ValueError otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = {"json": "jsonl", "ndjson": "jsonl", "jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}.get(
        suffix
    )
    if fmt is None:
        raise ValueError(f"{path}: output must end in .jsonl, .csv or .parquet")
    return fmt


def csv_header() -> list[str]:
    """CSV columns: one row per hand; an image without hands has one row with empty hand fields."""
    cols = [
        "image",
        "frame",
        "timestamp_ms",
        "width",
        "height",
        "hand_index",
        "handedness",
        "score",
        "presence",
    ]
    cols += [f"{a}{i}" for i in range(N) for a in "xyz"]
    cols += [f"w{a}{i}" for i in range(N) for a in "xyz"]
    return cols


def csv_rows(record: dict[str, Any]) -> Iterator[list[Any]]:
    head = [
        record["image"],
        record.get("frame", ""),
        record.get("timestamp_ms", ""),
        record["width"],
        record["height"],
    ]
    if not record["hands"]:
        yield head + [""] * (len(csv_header()) - len(head))
    for k, hand in enumerate(record["hands"]):
        flat = [v for point in hand["landmarks"] for v in point]
        world = [v for point in hand["world_landmarks"] for v in point]
        yield [*head, k, hand["handedness"], hand["score"], hand["presence"], *flat, *world]


def parquet_schema(with_error: bool = False) -> Any:
    """Arrow schema of the Parquet output: one row per image/frame, hands as a nested list column."""
    pa = _pyarrow()
    point = pa.list_(pa.float32(), 3)
    hand = pa.struct(
        [
            ("handedness", pa.string()),
            ("score", pa.float64()),
            ("presence", pa.float64()),
            ("palm_box", pa.list_(pa.float64(), 4)),
            ("landmarks", pa.list_(point, N)),
            ("world_landmarks", pa.list_(point, N)),
        ]
    )
    fields = [
        ("image", pa.string()),
        ("frame", pa.int64()),
        ("timestamp_ms", pa.int64()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("hands", pa.list_(hand)),
    ]
    if with_error:
        fields.append(("error", pa.string()))
    return pa.schema(fields)


def records_to_arrow(records: list[dict[str, Any]], with_error: bool = False) -> Any:
    """An Arrow table of result records (missing keys become nulls)."""
    pa = _pyarrow()
    schema = parquet_schema(with_error)
    columns = {name: [r.get(name) for r in records] for name in schema.names}
    return pa.Table.from_pydict(columns, schema=schema)


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
    except ImportError as exc:
        raise MissingExtraError("pyarrow", "parquet") from exc
    return pa


class _ParquetWriter:
    def __init__(self, fh: IO[bytes], rows_per_group: int = 2048) -> None:
        import pyarrow.parquet as pq

        self._writer = pq.ParquetWriter(fh, parquet_schema(), compression="zstd")
        self._buffer: list[dict[str, Any]] = []
        self._rows_per_group = rows_per_group

    def write(self, record: dict[str, Any]) -> None:
        self._buffer.append(record)
        if len(self._buffer) >= self._rows_per_group:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._writer.write_table(records_to_arrow(self._buffer))
            self._buffer = []

    def close(self) -> None:
        self.flush()
        self._writer.close()


@dataclass
class Assembled:
    rows: int = 0
    hands: int = 0
    errors: int = 0


def assemble(
    lines: Callable[[], Iterator[str]],
    out: str | os.PathLike[str],
    errors_path: str | os.PathLike[str],
    coco_path: str | os.PathLike[str] | None = None,
) -> Assembled:
    """Write ``out`` (format from its suffix), the errors file and the optional COCO file from shard lines.

    ``lines`` returns a fresh iterator over every shard line in input order (COCO reads them twice). Memory
    stays bounded: lines are streamed (Parquet buffers one row group). The errors file is written only when
    something failed (a stale one is removed otherwise).
    """
    fmt = format_of(out)
    if fmt == "parquet":
        _pyarrow()
    stats = Assembled()
    with contextlib.ExitStack() as stack:
        fh = stack.enter_context(atomic_open(out, "wb" if fmt == "parquet" else "w"))
        err_fh = stack.enter_context(atomic_open(errors_path))
        writer: Any = None
        if fmt == "csv":
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(csv_header())
        elif fmt == "parquet":
            writer = _ParquetWriter(fh)
        for line in lines():
            if is_error_line(line):
                e = json.loads(line)
                err_fh.write(json.dumps({"path": e["path"], "error": e["error"]}) + "\n")
                stats.errors += 1
                continue
            stats.rows += 1
            if fmt == "jsonl":
                fh.write(line + "\n")
                stats.hands += line.count('"handedness"')
                continue
            record = json.loads(line)
            stats.hands += len(record["hands"])
            if fmt == "csv":
                writer.writerows(csv_rows(record))
            else:
                writer.write(record)
        if fmt == "parquet":
            writer.close()
    if not stats.errors:
        _discard_empty(errors_path)
    if coco_path is not None:
        write_coco(coco_path, lambda: (json.loads(x) for x in lines() if not is_error_line(x)))
    return stats


def _discard_empty(path: str | os.PathLike[str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        if os.path.getsize(path) == 0:
            os.unlink(path)


# -- COCO keypoints ---------------------------------------------------------------------------------------

KEYPOINT_NAMES = [lm.name.lower() for lm in HandLandmark]
SKELETON = sorted([a + 1, b + 1] for a, b in HAND_CONNECTIONS)


def coco_category() -> dict[str, Any]:
    """The one COCO category: "hand", its 21 keypoint names (MediaPipe order) and skeleton (1-based)."""
    return {
        "id": 1,
        "name": "hand",
        "supercategory": "person",
        "keypoints": KEYPOINT_NAMES,
        "skeleton": SKELETON,
    }


def coco_annotation(
    hand: dict[str, Any], width: int, height: int, ann_id: int, image_id: int
) -> dict[str, Any]:
    """A COCO keypoint annotation of one hand: pixels; v=2 inside the image, v=1 (labelled, not visible)
    outside it; bbox of the landmarks clipped to the image."""
    keypoints: list[float] = []
    xs, ys = [], []
    for x, y, _ in hand["landmarks"]:
        px, py = x * width, y * height
        keypoints += [round(px, 3), round(py, 3), 2 if 0 <= px < width and 0 <= py < height else 1]
        xs.append(min(max(px, 0.0), float(width)))
        ys.append(min(max(py, 0.0), float(height)))
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": 1,
        "keypoints": keypoints,
        "num_keypoints": N,
        "bbox": [round(x0, 3), round(y0, 3), round(x1 - x0, 3), round(y1 - y0, 3)],
        "area": round((x1 - x0) * (y1 - y0), 3),
        "iscrowd": 0,
        "attributes": {"handedness": hand["handedness"], "score": hand["score"]},
    }


def write_coco(path: str | os.PathLike[str], records: Callable[[], Iterable[dict[str, Any]]]) -> None:
    """Stream a COCO keypoints file from result records (read twice: images, then annotations)."""
    with atomic_open(path) as fh:
        head = {
            "info": {"description": "hand landmarks by handpose (MediaPipe Hands on ONNX Runtime)"},
            "licenses": [],
            "categories": [coco_category()],
        }
        fh.write(json.dumps(head)[:-1] + ', "images": [')
        for image_id, rec in enumerate(records(), 1):
            image = {
                "id": image_id,
                "file_name": rec["image"],
                "width": rec["width"],
                "height": rec["height"],
            }
            if "frame" in rec:
                image.update(frame_index=rec["frame"], timestamp_ms=rec["timestamp_ms"])
            fh.write(("" if image_id == 1 else ", ") + json.dumps(image))
        fh.write('], "annotations": [')
        ann_id = 0
        for image_id, rec in enumerate(records(), 1):
            for hand in rec["hands"]:
                ann_id += 1
                ann = coco_annotation(hand, rec["width"], rec["height"], ann_id, image_id)
                fh.write(("" if ann_id == 1 else ", ") + json.dumps(ann))
        fh.write("]}\n")
