"""Reading images from files, bytes and arrays; expanding files, folders and globs into image paths.

Every array returned here is RGB, uint8, shape (H, W, 3), C-contiguous; ``image[y, x]`` is the pixel in row y,
column x, origin at the top-left corner.

Decoding matches MediaPipe's reference scripts, which read with ``cv2.imread(path, cv2.IMREAD_COLOR)``
and convert BGR → RGB: alpha is dropped (not composited), grayscale is repeated into three channels, 16-bit
samples become 8-bit by dropping the low byte (``v >> 8``), and a JPEG's EXIF orientation is applied.
We decode with ``cv2.imdecode`` on the file's bytes (so non-ASCII paths work on every platform), which gives
the same pixels.

Every problem with an input is an :class:`~handpose.errors.ImageReadError` whose message is one line,
``"<path>: <reason>"``.
"""

from __future__ import annotations

import glob
import logging
import os
import stat
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import HandposeError, ImageReadError, ImageTooLargeError
from .quiet import quiet_opencv

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
"""Suffixes (lower case, with the dot) treated as images when expanding folders and globs, in any case."""

# OpenCV refuses to decode images with more pixels than this (imgcodecs/src/loadsave.cpp,
# validateInputImageSize); the environment variable OPENCV_IO_MAX_IMAGE_PIXELS changes it.
_OPENCV_MAX_PIXELS_ENV = "OPENCV_IO_MAX_IMAGE_PIXELS"
_OPENCV_MAX_PIXELS_DEFAULT = 1 << 30

_GLOB_CHARS = frozenset("*?[")
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
# JPEG start-of-frame markers (SOF0..SOF15 without DHT C4, JPG C8, DAC CC): they carry the image size.
_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def is_image_path(path: str | os.PathLike[str]) -> bool:
    """Whether the file name ends in one of :data:`IMAGE_EXTENSIONS` (any case)."""
    return os.path.splitext(os.fspath(path))[1].lower() in IMAGE_EXTENSIONS


def opencv_max_pixels() -> int:
    """OpenCV's decode limit in pixels: ``$OPENCV_IO_MAX_IMAGE_PIXELS`` if set to an integer, else 2**30."""
    raw = os.environ.get(_OPENCV_MAX_PIXELS_ENV)
    if raw:
        try:
            return int(raw)
        except ValueError:
            logger.debug("ignoring non-integer %s=%r", _OPENCV_MAX_PIXELS_ENV, raw)
    return _OPENCV_MAX_PIXELS_DEFAULT


def _sniff_format(head: bytes) -> str | None:
    """The image format named by the first bytes of a file, or None when they match none OpenCV reads."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if (
        head.startswith(b"BM")
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
    ):
        return "BMP"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if len(head) >= 3 and head[0] == ord("P") and head[1] in b"1234567" and head[2] in b" \t\r\n":
        return "PNM"
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "JPEG 2000"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "AVIF"
    if head[:4] in (b"\x59\xa6\x6a\x95", b"\x76\x2f\x31\x01") or head.startswith((b"#?RADIANCE", b"#?RGBE")):
        return "raster"  # Sun raster, OpenEXR, Radiance HDR
    return None


def _scan_jpeg(data: bytes, until_frame: bool = False) -> tuple[tuple[int, int] | None, bool]:
    """Walk the marker segments of a JPEG's primary image: (width, height), and has it an end marker?

    Entropy-coded data after each start-of-scan is skipped (0xFF00 stuffing, restart markers); anything
    after the first end-of-image marker (thumbnails come before it; trailers such as motion-photo videos
    after) is ignored. With ``until_frame`` it stops at the frame header (size only; "complete" is False).
    """
    n = len(data)
    size: tuple[int, int] | None = None
    i = 2
    while i + 1 < n:
        if data[i] != 0xFF:  # garbage between segments: libjpeg skips it with a warning, so do we
            i = data.find(b"\xff", i)
            if i < 0:
                break
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:  # end of image
            return size, True
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # standalone markers
            i += 2
            continue
        if i + 4 > n:
            break
        (length,) = struct.unpack_from(">H", data, i + 2)
        if marker in _JPEG_SOF and size is None and i + 9 <= n:
            height, width = struct.unpack_from(">HH", data, i + 5)
            size = (width, height)
            if until_frame:
                return size, False
        i += 2 + length
        if marker == 0xDA:  # start of scan: skip the entropy-coded data up to the next real marker
            while True:
                i = data.find(b"\xff", i)
                if i < 0 or i + 1 >= n:
                    return size, False
                following = data[i + 1]
                if following == 0x00 or following == 0xFF or 0xD0 <= following <= 0xD7:
                    i += 1 if following == 0xFF else 2
                    continue
                break
    return size, False


def _header_size(fmt: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header of a PNG, BMP, WebP or GIF file; None when unknown or unreadable."""
    try:
        if fmt == "PNG" and data[12:16] == b"IHDR":
            width, height = struct.unpack_from(">II", data, 16)
            return width, height
        if fmt == "BMP":
            if int.from_bytes(data[14:18], "little") == 12:
                width, height = struct.unpack_from("<HH", data, 18)
            else:
                width, height = struct.unpack_from("<ii", data, 18)
            return abs(width), abs(height)
        if fmt == "WebP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
            if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
                width, height = struct.unpack_from("<HH", data, 26)
                return width & 0x3FFF, height & 0x3FFF
            if chunk == b"VP8L" and data[20] == 0x2F:
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if fmt == "GIF":
            width, height = struct.unpack_from("<HH", data, 6)
            return width, height
    except (struct.error, IndexError):
        return None
    return None


def _too_large(name: str, width: int, height: int, limit: int) -> ImageReadError:
    return ImageTooLargeError(f"{name}: image too large ({width}×{height} > {limit} pixels)")


# Where OpenCV has IMREAD_COLOR_RGB it decodes to RGB itself: the pixels of IMREAD_COLOR + BGR->RGB (checked on
# every test image with OpenCV 4.14 and 5.1) without the extra pass over the image (0.2-1 ms per photo; issue 13).
# 0 where it is missing.
_IMREAD_RGB: int = getattr(cv2, "IMREAD_COLOR_RGB", 0)


def decode_image(
    data: bytes | bytearray | memoryview, name: str = "<bytes>", *, max_pixels: int | None = None
) -> np.ndarray:
    """Decode the bytes of an image file (JPEG, PNG, ...) to RGB uint8 (H, W, 3), as :func:`load_image` does.

    ``name`` is how the input is named in error messages. ``max_pixels`` (default: OpenCV's limit, see
    :func:`opencv_max_pixels`) rejects images with more than that many pixels before decoding them, where the
    header tells the size (JPEG, PNG, BMP, WebP, GIF), otherwise after decoding. A limit above OpenCV's
    own has no effect unless ``OPENCV_IO_MAX_IMAGE_PIXELS`` is raised too.
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    if len(data) == 0:
        raise ImageReadError(f"{name}: empty file")
    fmt = _sniff_format(data[:32])
    if fmt is None:
        raise ImageReadError(f"{name}: not an image (unrecognised format)")
    opencv_limit = opencv_max_pixels()
    limit = opencv_limit if max_pixels is None else min(max_pixels, opencv_limit)
    size = _scan_jpeg(data, until_frame=True)[0] if fmt == "JPEG" else _header_size(fmt, data[:64])
    if size is not None:
        if size[0] * size[1] > limit:
            raise _too_large(name, size[0], size[1], limit)
        if size[0] == 0 or size[1] == 0:
            raise ImageReadError(f"{name}: corrupt {fmt} header (size {size[0]}×{size[1]})")
    try:
        with quiet_opencv():  # our error below is the one line about this input
            image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), _IMREAD_RGB or cv2.IMREAD_COLOR)
    except cv2.error as exc:
        if "CV_IO_MAX_IMAGE_PIXELS" in str(exc):
            raise ImageTooLargeError(f"{name}: image too large (more than {opencv_limit} pixels)") from exc
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ImageReadError(f"{name}: cannot decode {fmt} data ({detail})") from exc
    except MemoryError as exc:
        raise ImageReadError(f"{name}: not enough memory to decode this {fmt} image") from exc
    if image is None or image.size == 0:
        if fmt == "JPEG" and not _scan_jpeg(data)[1]:  # only to say why: OpenCV rejects these itself
            raise ImageReadError(f"{name}: truncated or corrupt JPEG (no end-of-image marker)")
        raise ImageReadError(f"{name}: cannot decode {fmt} data (corrupt, truncated or unsupported)")
    height, width = image.shape[:2]
    if width * height > limit:
        raise _too_large(name, width, height, limit)
    if not _IMREAD_RGB:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB, dst=image)
    return np.ascontiguousarray(image)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read file ({exc.strerror or exc})"


def load_image(path: str | os.PathLike[str], *, max_pixels: int | None = None) -> np.ndarray:
    """Read an image file as RGB uint8 (H, W, 3), C-contiguous, decoded as ``cv2.imread`` + BGR→RGB would.

    Raises :class:`~handpose.errors.ImageReadError` ``"<path>: <reason>"`` when the path is missing, a
    directory, unreadable, empty, not an image, a truncated JPEG, undecodable, or larger than ``max_pixels``
    (see :func:`decode_image`).
    """
    name = os.fspath(path)
    try:
        info = os.stat(name)
        if stat.S_ISDIR(info.st_mode):
            raise ImageReadError(f"{name}: is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise ImageReadError(f"{name}: not a regular file")
        if info.st_size == 0:
            raise ImageReadError(f"{name}: empty file")
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ImageReadError(f"{name}: {_os_reason(exc)}") from exc
    return decode_image(data, name, max_pixels=max_pixels)


def as_rgb_array(image: Any, name: str = "array") -> np.ndarray:
    """Validate an in-memory image for inference: RGB uint8 (H, W, 3), returned C-contiguous.

    A 2-D (H, W) or (H, W, 1) array is taken as grayscale and repeated into three channels (a new array); an
    array that is already valid and C-contiguous is returned as is (no copy). Anything else raises
    :class:`~handpose.errors.ImageReadError` naming ``name`` and saying how to convert.
    """
    if not isinstance(image, np.ndarray):
        raise ImageReadError(
            f"{name}: expected a numpy array (H×W×3 uint8 RGB), got {type(image).__name__}; "
            "convert with np.asarray(...)"
        )
    if image.dtype != np.uint8:
        if np.issubdtype(image.dtype, np.floating):
            how = "if values are in [0, 1] use (image * 255).round().clip(0, 255).astype(np.uint8)"
        elif image.dtype == np.uint16:
            how = "use (image >> 8).astype(np.uint8)"
        else:
            how = "scale to 0..255 and use .astype(np.uint8)"
        raise ImageReadError(f"{name}: expected uint8 RGB array, got {image.dtype}; {how}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3):
        raise ImageReadError(f"{name}: expected an H×W×3 (or H×W grayscale) array, got shape {image.shape}")
    if image.size == 0:
        raise ImageReadError(f"{name}: empty array (shape {image.shape})")
    if image.ndim == 2:
        return np.ascontiguousarray(np.repeat(image[:, :, None], 3, axis=2))
    channels = image.shape[2]
    if channels == 4:
        raise ImageReadError(f"{name}: expected 3 channels (RGB), got 4 — drop alpha with image[..., :3]")
    if channels != 3:
        raise ImageReadError(f"{name}: expected 3 channels (RGB), got {channels} (shape {image.shape})")
    return np.ascontiguousarray(image)


def _images_in_dir(directory: str, recursive: bool) -> list[str]:
    """Images under ``directory`` (joined onto it as given), sorted by path parts, hidden names skipped."""

    def warn(exc: OSError) -> None:
        logger.warning("skipping %s: %s", exc.filename, exc.strerror or exc)

    found: list[str] = []
    for root, dirs, files in os.walk(directory, onerror=warn):
        dirs[:] = [d for d in dirs if not d.startswith(".")] if recursive else []
        found.extend(os.path.join(root, f) for f in files if not f.startswith(".") and is_image_path(f))
    return sorted(found, key=lambda p: Path(os.path.relpath(p, directory)).parts)


def iter_image_paths(
    sources: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], recursive: bool = True
) -> Iterator[tuple[str, Path | None, str | None]]:
    """Expand files, folders and globs into image files, in order, as ``(shown, path, error)``.

    - An existing file is yielded as given, whatever its suffix (reading it says whether it is an image).
    - A folder yields its files with an :data:`IMAGE_EXTENSIONS` suffix, sorted, descending into sub-folders
      when ``recursive``; names starting with "." are skipped.
    - Anything else with ``*``, ``?`` or ``[`` is a glob (``**`` matches folders recursively); matching files
      with an image suffix are yielded, sorted.

    ``shown`` is the path as given (or joined onto the folder/glob as given), for messages and JSON output;
    ``path`` is it as a :class:`~pathlib.Path`. A source that yields nothing gives one
    ``(source, None, reason)`` with a one-line reason. Duplicates across sources are not removed.
    """
    if isinstance(sources, str | os.PathLike):
        sources = [sources]
    for source in sources:
        shown = os.fspath(source)
        if os.path.isfile(shown):
            yield shown, Path(shown), None
        elif os.path.isdir(shown):
            found = _images_in_dir(shown, recursive)
            if not found:
                yield shown, None, "directory contains no images"
            for item in found:
                yield item, Path(item), None
        elif _GLOB_CHARS.intersection(shown):
            matches = [m for m in glob.glob(shown, recursive=True) if os.path.isfile(m)]
            images = sorted(m for m in matches if is_image_path(m))
            if not matches:
                yield shown, None, "glob matched no files"
            elif not images:
                suffixes = ", ".join(sorted(IMAGE_EXTENSIONS))
                yield (
                    shown,
                    None,
                    f"glob matched {len(matches)} file(s), none with an image suffix ({suffixes})",
                )
            for item in images:
                yield item, Path(item), None
        else:
            yield shown, None, "no such file or directory"


def encode_jpeg(bgr: np.ndarray, *, quality: int = 92, name: str = "image") -> bytes:
    """A BGR uint8 image as JPEG bytes; HandposeError naming ``name`` if OpenCV cannot encode it."""
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise HandposeError(f"{name}: could not encode the image as JPEG")
    return buf.tobytes()
