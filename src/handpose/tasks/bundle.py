"""MediaPipe Tasks ``hand_landmarker.task`` bundles: unzip, convert both models to ONNX once, cache.

A bundle is a zip holding ``hand_detector.tflite`` (the palm detector) and ``hand_landmarks_detector.tflite``
(the landmark model). Converting needs the ``convert`` extra (``pip install 'handpose[convert]'``). The ONNX
files land in ``<cache>/<sha256 of the bundle>/``, where ``<cache>`` is ``$HANDPOSE_CACHE_DIR``, else
``$XDG_CACHE_HOME/handpose``, else ``~/.cache/handpose``; later loads of the same bundle reuse them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError
from ..io.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

PALM_MEMBER = "hand_detector.tflite"
LANDMARK_MEMBER = "hand_landmarks_detector.tflite"
PALM_ONNX = "hand_detector.onnx"
LANDMARK_ONNX = "hand_landmarks_detector.onnx"
CACHE_ENV = "HANDPOSE_CACHE_DIR"
# The pipeline's fixed input sizes (palm_detection_cpu.pbtxt, hand_landmark_cpu.pbtxt): NHWC, RGB.
_EXPECTED_INPUT = {PALM_ONNX: 192, LANDMARK_ONNX: 224}


@dataclass(frozen=True)
class BundleModels:
    """The converted ONNX files of one bundle."""

    palm_model_path: Path
    landmark_model_path: Path
    sha256: str


def cache_dir() -> Path:
    """Root folder of handpose's model cache (see the module docstring)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "handpose"


def _read_members(data: bytes, name: str) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            missing = [m for m in (PALM_MEMBER, LANDMARK_MEMBER) if m not in names]
            if missing:
                raise ModelError(
                    f"{name}: not a hand landmarker bundle: missing {', '.join(missing)} "
                    f"(contains: {', '.join(sorted(names)) or 'nothing'})"
                )
            return {m: zf.read(m) for m in (PALM_MEMBER, LANDMARK_MEMBER)}
    except zipfile.BadZipFile:
        raise ModelError(f"{name}: not a MediaPipe .task bundle (not a zip file)") from None


def _check_input_size(onnx_bytes: bytes, size: int, what: str) -> None:
    import onnx

    dims = onnx.load_from_string(onnx_bytes).graph.input[0].type.tensor_type.shape.dim
    shape = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    if len(shape) != 4 or shape[1:] != [size, size, 3]:
        raise ModelError(f"{what} has input shape {shape}; handpose needs [batch, {size}, {size}, 3]")


def load_task_bundle(
    source: str | os.PathLike[str] | bytes, *, cache: str | Path | None = None
) -> BundleModels:
    """Convert (or reuse from the cache) the two models of a ``hand_landmarker.task`` bundle.

    ``source`` is the bundle's path or its bytes. Raises :class:`~handpose.errors.ModelError` for a file that
    is missing, not a zip, lacks a model, or whose models do not convert;
    :class:`~handpose.errors.MissingExtraError` when the ``convert`` extra is not installed.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data, name = bytes(source), "model_asset_buffer"
    else:
        name = os.fspath(source)
        try:
            data = Path(name).read_bytes()
        except FileNotFoundError:
            raise ModelError(f"{name}: model file not found") from None
        except OSError as e:
            raise ModelError(f"{name}: cannot read ({e.strerror or e})") from None
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(cache) if cache is not None else cache_dir()
    folder = folder / digest
    palm, landmark = folder / PALM_ONNX, folder / LANDMARK_ONNX
    if palm.is_file() and landmark.is_file():
        log.debug("using cached ONNX models of %s in %s", name, folder)
        return BundleModels(palm, landmark, digest)
    members = _read_members(data, name)
    from ..models.converter import convert_bytes

    log.info("converting %s to ONNX (cached in %s)", name, folder)
    for member, target in ((PALM_MEMBER, palm), (LANDMARK_MEMBER, landmark)):
        try:
            onnx_bytes = convert_bytes(members[member])
        except ModelError as e:
            raise ModelError(f"{name}: {member}: {e}") from None
        _check_input_size(onnx_bytes, _EXPECTED_INPUT[target.name], f"{name}: {member}")
        try:
            atomic_write_bytes(target, onnx_bytes)
        except OSError as e:
            raise ModelError(
                f"{name}: cannot write the converted model to {target} ({e.strerror or e})"
            ) from None
    return BundleModels(palm, landmark, digest)
