"""Tests of handpose.io.images: reading files robustly, validating arrays, expanding files/folders/globs.

Bad and unusual inputs are made in tmp_path by each test. The real JPEG/PNG files are the committed test images
(tests/data/images); the one GitHub-sourced file (an RGBA PNG) is read in place from ../shared/handdata/images and
its case skips with a reason when that folder is absent. Expected pixels come from ``cv2.imread(path, cv2.IMREAD_COLOR)`` + BGR→RGB,
which is how MediaPipe's reference outputs were made.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import handdata_path
from handpose.errors import ImageReadError
from handpose.io import images
from handpose.io.images import (
    IMAGE_EXTENSIONS,
    as_rgb_array,
    decode_image,
    is_image_path,
    iter_image_paths,
    load_image,
)


def imread_rgb(path: Path | str) -> np.ndarray:
    """The reference decoding: what MediaPipe's scripts fed to the model."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert bgr is not None, path
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def real_jpeg_bytes() -> bytes:
    return handdata_path("images", "fingerpose_nocurl.jpg").read_bytes()  # committed in tests/data/images


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def encode(suffix: str, array: np.ndarray, params: list[int] | None = None) -> bytes:
    ok, buf = cv2.imencode(suffix, array, params or [])
    assert ok, suffix
    return buf.tobytes()


def png_bytes(array: np.ndarray) -> bytes:
    return encode(".png", array)


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """Insert an EXIF APP1 segment holding only the Orientation tag (0x0112) after the JPEG's SOI marker."""
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    app1 = b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


# --- load_image: inputs that must fail, each with a one-line "<path>: <reason>" -------------------

BAD_FILES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("missing", lambda d: d / "nope.jpg", "no such file"),
    ("directory", lambda d: (d / "folder.jpg").mkdir() or d / "folder.jpg", "is a directory"),
    ("empty", lambda d: write(d, "empty.jpg", b""), "empty file"),
    ("truncated_jpeg", lambda d: write(d, "half.jpg", real_jpeg_bytes()[: len(real_jpeg_bytes()) // 2]),
     "truncated or corrupt JPEG (no end-of-image marker)"),
    ("jpeg_without_frame", lambda d: write(d, "noframe.jpg", b"\xff\xd8\xff\xd9"), "cannot decode JPEG data"),
    ("jpeg_magic_then_garbage", lambda d: write(d, "garbage.jpg", b"\xff\xd8\xff" + bytes(range(7, 200)) * 3),
     "truncated or corrupt JPEG"),
    ("text_named_jpg", lambda d: write(d, "notes.jpg", b"hello, I am not a picture\n"),
     "not an image (unrecognised format)"),
    ("random_bytes_png", lambda d: write(d, "noise.png", np.random.default_rng(0).bytes(4096)),
     "not an image (unrecognised format)"),
    ("truncated_png", lambda d: write(d, "half.png", png_bytes(np.random.default_rng(1).integers(
        0, 256, (64, 64, 3), dtype=np.uint8))[:3000]), "cannot decode PNG data"),
    ("png_signature_only", lambda d: write(d, "sig.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
     "PNG"),
]  # fmt: skip


@pytest.mark.parametrize(("maker", "reason"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_load_image_rejects_bad_files(tmp_path: Path, maker: Callable[[Path], Path], reason: str) -> None:
    path = maker(tmp_path)
    with pytest.raises(ImageReadError) as info:
        load_image(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert reason in message
    assert "\n" not in message


def test_load_image_permission_denied_real(tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("running as root: file permissions do not stop reading (see the patched variant below)")
    path = write(tmp_path, "locked.png", png_bytes(np.zeros((4, 4, 3), np.uint8)))
    path.chmod(0)
    try:
        with pytest.raises(ImageReadError, match="permission denied"):
            load_image(path)
    finally:
        path.chmod(0o644)


def test_load_image_permission_denied_patched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.png", png_bytes(np.zeros((4, 4, 3), np.uint8)))

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(images, "open", refuse, raising=False)
    with pytest.raises(ImageReadError, match=rf"^{path}: permission denied$"):
        load_image(path)


def test_too_large_from_header_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "big.png", png_bytes(np.zeros((20, 30, 3), np.uint8)))
    monkeypatch.setattr(images.cv2, "imdecode", lambda *a: pytest.fail("decoded despite the size limit"))
    with pytest.raises(ImageReadError, match=r"image too large \(30×20 > 100 pixels\)"):
        load_image(path, max_pixels=100)


def test_too_large_by_opencv_limit_without_header_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "big.tiff", encode(".tiff", np.zeros((20, 30, 3), np.uint8)))
    # OpenCV reads its limit once per process, at the first decode: decode something first so that the lowered
    # limit below only affects handpose's own check and not every later test.
    cv2.imdecode(np.frombuffer(png_bytes(np.zeros((2, 2, 3), np.uint8)), np.uint8), cv2.IMREAD_COLOR)
    monkeypatch.setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "100")
    with pytest.raises(ImageReadError, match="image too large"):
        load_image(path)


# --- load_image: unusual inputs that must work ----------------------------------------------------


def test_png_with_alpha_drops_alpha_like_imread(tmp_path: Path) -> None:
    bgra = np.zeros((5, 6, 4), np.uint8)
    bgra[..., 0], bgra[..., 1], bgra[..., 2] = 10, 20, 30
    bgra[..., 3] = np.arange(30, dtype=np.uint8).reshape(5, 6) * 8  # varying alpha: not composited
    path = write(tmp_path, "rgba.png", png_bytes(bgra))
    rgb = load_image(path)
    assert rgb.shape == (5, 6, 3)
    assert (rgb == np.array([30, 20, 10], np.uint8)).all()
    np.testing.assert_array_equal(rgb, imread_rgb(path))


def test_grayscale_png_becomes_three_equal_channels(tmp_path: Path) -> None:
    gray = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5
    rgb = load_image(write(tmp_path, "gray.png", png_bytes(gray)))
    assert rgb.shape == (6, 8, 3)
    for c in range(3):
        np.testing.assert_array_equal(rgb[..., c], gray)


@pytest.mark.parametrize("channels", [1, 3])
def test_16bit_png_keeps_the_high_byte(tmp_path: Path, channels: int) -> None:
    values = np.array([[0, 255, 256, 257], [0x1234, 0x7FFF, 0xFF00, 0xFFFF]], np.uint16)
    array = values if channels == 1 else np.stack([values, values // 2, values // 3], axis=-1)  # B, G, R
    path = write(tmp_path, "deep.png", png_bytes(array))
    rgb = load_image(path)
    expected = (array >> 8).astype(np.uint8)
    expected = np.repeat(expected[..., None], 3, axis=2) if channels == 1 else expected[..., ::-1]
    np.testing.assert_array_equal(rgb, expected)
    np.testing.assert_array_equal(rgb, imread_rgb(path))


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".webp", ".tiff"])
def test_one_pixel_images(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, f"dot{suffix}", encode(suffix, np.full((1, 1, 3), 200, np.uint8)))
    rgb = load_image(path)
    assert rgb.shape == (1, 1, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb, imread_rgb(path))


def test_huge_image_10000_squared(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    gray = np.zeros((10_000, 10_000), np.uint8)
    gray[-1, -1] = 77
    assert cv2.imwrite(str(path), gray)
    del gray
    rgb = load_image(path)
    assert rgb.shape == (10_000, 10_000, 3) and rgb.flags.c_contiguous
    assert tuple(rgb[-1, -1]) == (77, 77, 77) and rgb[0, 0].sum() == 0


@pytest.mark.parametrize("suffix", [".bmp", ".webp", ".tiff", ".PNG", ".JPG"])
def test_other_formats_and_upper_case_suffixes(tmp_path: Path, suffix: str) -> None:
    bgr = np.random.default_rng(2).integers(0, 256, (17, 23, 3), dtype=np.uint8)
    path = write(tmp_path, f"image{suffix}", encode(suffix.lower(), bgr))
    np.testing.assert_array_equal(load_image(path), imread_rgb(path))


@pytest.mark.parametrize(
    "params",
    [[cv2.IMWRITE_JPEG_PROGRESSIVE, 1], [cv2.IMWRITE_JPEG_RST_INTERVAL, 2], [cv2.IMWRITE_JPEG_QUALITY, 100]],
    ids=["progressive", "restart_markers", "quality100"],
)
def test_jpeg_variants_are_complete(tmp_path: Path, params: list[int]) -> None:
    bgr = np.random.default_rng(3).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    path = write(tmp_path, "variant.jpg", encode(".jpg", bgr, params))
    np.testing.assert_array_equal(load_image(path), imread_rgb(path))


def test_jpeg_with_trailer_after_end_marker_loads(tmp_path: Path) -> None:
    """Motion photos append a video after the JPEG; random bytes there must not look like truncation."""
    trailer = b"\xff\xda" + np.random.default_rng(4).bytes(2000)
    path = write(tmp_path, "motion.jpg", real_jpeg_bytes() + trailer)
    np.testing.assert_array_equal(
        load_image(path), imread_rgb(handdata_path("images", "fingerpose_nocurl.jpg"))
    )


def test_exif_orientation_is_applied_like_imread(tmp_path: Path) -> None:
    bgr = np.zeros((20, 40, 3), np.uint8)
    bgr[:, :20] = 255
    path = write(tmp_path, "rotated.jpg", with_exif_orientation(encode(".jpg", bgr), 6))
    rgb = load_image(path)
    assert rgb.shape == (40, 20, 3)  # orientation 6: rotate 90° clockwise
    np.testing.assert_array_equal(rgb, imread_rgb(path))


def test_non_ascii_path(tmp_path: Path) -> None:
    path = write(tmp_path, "hände_手.png", png_bytes(np.full((3, 4, 3), 9, np.uint8)))
    assert load_image(path).shape == (3, 4, 3)


def test_decode_image_from_bytes_names_the_input() -> None:
    rgb = decode_image(png_bytes(np.full((2, 3, 3), (1, 2, 3), np.uint8)))
    assert tuple(rgb[0, 0]) == (3, 2, 1)
    with pytest.raises(ImageReadError, match=r"^upload: not an image"):
        decode_image(b"GIF? no", "upload")


@pytest.mark.parametrize(
    "name",
    [
        "fingerpose_nocurl.jpg",
        "neg_skimage_rocket.jpg",
        "opencv_basketball1.png",  # grayscale
        "neg_skimage_coffee.png",
        "mps_thumbs_up.png",  # RGBA; GitHub-sourced, read in place from ../shared/handdata
    ],
)
def test_decoding_parity_with_imread(name: str) -> None:
    path = handdata_path("images", name)
    rgb = load_image(path)
    assert rgb.dtype == np.uint8 and rgb.flags.c_contiguous
    np.testing.assert_array_equal(rgb, imread_rgb(path))


# --- as_rgb_array ---------------------------------------------------------------------------------

BAD_ARRAYS: list[tuple[str, object, str]] = [
    ("list", [[1, 2, 3]], "expected a numpy array"),
    (
        "float32",
        np.zeros((4, 4, 3), np.float32),
        "expected uint8 RGB array, got float32; if values are in [0, 1]",
    ),
    ("float64", np.zeros((4, 4, 3)), "got float64"),
    ("uint16", np.zeros((4, 4, 3), np.uint16), "got uint16; use (image >> 8)"),
    ("two_channels", np.zeros((4, 4, 2), np.uint8), "expected 3 channels (RGB), got 2"),
    (
        "rgba",
        np.zeros((4, 4, 4), np.uint8),
        "expected 3 channels (RGB), got 4 — drop alpha with image[..., :3]",
    ),
    ("five_channels", np.zeros((4, 4, 5), np.uint8), "expected 3 channels (RGB), got 5"),
    ("zero_rows", np.zeros((0, 4, 3), np.uint8), "empty array"),
    ("zero_size_gray", np.zeros((4, 0), np.uint8), "empty array"),
    ("one_dim", np.zeros(12, np.uint8), "expected an H×W×3"),
    ("four_dim", np.zeros((1, 4, 4, 3), np.uint8), "expected an H×W×3"),
]


@pytest.mark.parametrize(("value", "reason"), [c[1:] for c in BAD_ARRAYS], ids=[c[0] for c in BAD_ARRAYS])
def test_as_rgb_array_rejects(value: object, reason: str) -> None:
    with pytest.raises(ImageReadError) as info:
        as_rgb_array(value, name="frame")
    assert str(info.value).startswith("frame: ")
    assert reason in str(info.value)


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1)], ids=["2d", "one_channel"])
def test_as_rgb_array_expands_grayscale(shape: tuple[int, ...]) -> None:
    gray = np.arange(35, dtype=np.uint8).reshape(shape)
    rgb = as_rgb_array(gray)
    assert rgb.shape == (5, 7, 3) and rgb.flags.c_contiguous
    assert (rgb == gray.reshape(5, 7, 1)).all()


def test_as_rgb_array_makes_views_contiguous_and_passes_valid_arrays_through() -> None:
    image = np.random.default_rng(5).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    assert as_rgb_array(image) is image
    view = image[:, ::2]
    out = as_rgb_array(view)
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, view)


# --- iter_image_paths -----------------------------------------------------------------------------


@pytest.fixture
def photo_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """photos/{a.jpg, b.PNG, notes.txt, sub/c.jpeg, sub/deeper/d.tif, .hidden/e.jpg, ._f.jpg}, empty/; cwd."""
    root = tmp_path / "photos"
    for rel in ["a.jpg", "b.PNG", "notes.txt", "sub/c.jpeg", "sub/deeper/d.tif", ".hidden/e.jpg", "._f.jpg"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    return root


def shown(sources: list[str], recursive: bool = True) -> list[tuple[str, str | None]]:
    return [(s, err) for s, _, err in iter_image_paths(sources, recursive=recursive)]


@pytest.mark.parametrize(
    ("sources", "recursive", "expected"),
    [
        (["photos"], True, ["photos/a.jpg", "photos/b.PNG", "photos/sub/c.jpeg", "photos/sub/deeper/d.tif"]),
        (["photos/"], False, ["photos/a.jpg", "photos/b.PNG"]),
        (
            ["photos/notes.txt"],
            True,
            ["photos/notes.txt"],
        ),  # an explicit file is passed on, whatever its suffix
        (["photos/*.jpg"], True, ["photos/a.jpg"]),
        (
            ["photos/**/*"],
            True,
            ["photos/a.jpg", "photos/b.PNG", "photos/sub/c.jpeg", "photos/sub/deeper/d.tif"],
        ),
        (
            ["photos/sub", "photos/a.jpg"],
            True,
            ["photos/sub/c.jpeg", "photos/sub/deeper/d.tif", "photos/a.jpg"],
        ),
    ],
    ids=["dir_recursive", "dir_flat", "explicit_file", "glob", "recursive_glob", "several_in_order"],
)
def test_iter_image_paths_expands(
    photo_tree: Path, sources: list[str], recursive: bool, expected: list[str]
) -> None:
    items = list(iter_image_paths(sources, recursive=recursive))
    assert [s for s, _, _ in items] == [os.path.normpath(e) if os.sep != "/" else e for e in expected]
    assert all(err is None and path == Path(s) and path.is_file() for s, path, err in items)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("missing.jpg", "no such file or directory"),
        ("empty", "directory contains no images"),
        ("photos/*.gif", "glob matched no files"),
        ("photos/*.txt", "none with an image suffix"),
    ],
    ids=["missing", "empty_dir", "glob_no_match", "glob_no_images"],
)
def test_iter_image_paths_reports_sources_that_yield_nothing(
    photo_tree: Path, source: str, reason: str
) -> None:
    [(given, path, error)] = list(iter_image_paths([source]))
    assert given == source and path is None
    assert error is not None and reason in error and "\n" not in error


def test_iter_image_paths_accepts_one_string(photo_tree: Path) -> None:
    assert shown("photos/a.jpg") == [("photos/a.jpg", None)]  # type: ignore[arg-type]


def test_image_extensions_any_case() -> None:
    assert {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"} == IMAGE_EXTENSIONS
    assert is_image_path("X.JPEG") and is_image_path("y.Tif") and not is_image_path("z.gif")
