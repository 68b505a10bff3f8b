"""REST and WebSocket API of the web app (FastAPI TestClient, real models, in process).

Expected hands come from :class:`handpose.HandLandmarker` on the same decoded pixels (the web app must add
nothing and lose nothing); test images are the committed ones (tests/data/images, tests/data/made) or, when
present, all shared hand images read in place, and images made here from them (alpha, grayscale, 16-bit, tiny,
huge).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import uuid
import warnings

import cv2
import numpy as np
import pytest

from conftest import MADE, handdata_path, images_folder

fastapi = pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
pytest.importorskip("httpx", reason="TestClient needs httpx")
with warnings.catch_warnings():  # newer Starlette warns that it prefers httpx2 for its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from handpose.web.app import create_app  # noqa: E402
from handpose.web.config import WebConfig, is_loopback_host, warn_if_exposed  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`:DeprecationWarning")

# The tutorial's capture names: str(uuid.uuid1()) + ".jpg" (8-4-4-4-12 lowercase hex digits, version 1).
NAME_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.jpg")
SHARED_IMAGES = sorted(
    p.name for folder in (images_folder(), MADE) for p in folder.glob("*") if p.suffix in (".jpg", ".png")
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(WebConfig(save_dir=tmp_path_factory.mktemp("captures")))
    with TestClient(app) as c:
        yield c


def small_app(tmp_path, **limits) -> TestClient:
    return TestClient(create_app(WebConfig(save_dir=tmp_path / "captures", **limits)))


@pytest.fixture(scope="module")
def hand_jpeg() -> bytes:
    return handdata_path("images", "fingerpose_nocurl.jpg").read_bytes()


def encode(ext: str, image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return buf.tobytes()


def decode_rgb(data: bytes) -> np.ndarray:
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def assert_same_hands(got: list[dict], expected: list[dict], atol: float = 1e-5) -> None:
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g["handedness"] == e["handedness"]
        np.testing.assert_allclose(g["landmarks"], e["landmarks"], atol=atol)
        np.testing.assert_allclose(g["world_landmarks"], e["world_landmarks"], atol=atol)
        assert g["score"] == pytest.approx(e["score"], abs=atol)


def assert_drawn_at_hands(annotated: np.ndarray, original: np.ndarray, hands: list[dict]) -> None:
    """The annotation changed the pixels at the landmarks and (beyond JPEG noise) nowhere far from the hands.

    (Running the detector again on an annotated photo is no check: the drawn skeleton can hide the hand.)
    """
    assert annotated.shape == original.shape
    h, w = original.shape[:2]
    diff = np.abs(annotated.astype(int) - original.astype(int)).max(axis=2)
    near = np.zeros((h, w), bool)
    changed = []
    for hand in hands:
        px = np.array(hand["landmarks"])[:, :2] * [w, h]
        changed += [diff[min(int(y), h - 1), min(int(x), w - 1)] > 40 for x, y in px]
        x0, y0 = (px.min(axis=0) - 80).astype(int).clip(0)
        x1, y1 = (px.max(axis=0) + 80).astype(int)
        near[y0:y1, x0:x1] = True
    assert np.mean(changed) >= 0.6, f"only {np.mean(changed):.0%} of the landmark pixels were drawn on"
    assert diff[~near].mean() < 4.0, "pixels far from the hands changed"


def assert_still_serving(client: TestClient, jpeg: bytes) -> None:
    r = client.post("/v1/detect", content=jpeg, headers={"content-type": "image/jpeg"})
    assert r.status_code == 200, r.text
    assert len(r.json()["hands"]) == 1


# -- basics ---------------------------------------------------------------------------------------------------


def test_health_page_and_docs(client):
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and "full" in health["models_loaded"]
    assert health["limits"]["max_pixels"] == WebConfig().max_pixels
    page = client.get("/")
    assert page.status_code == 200 and "<canvas" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    spec = client.get("/openapi.json").json()
    assert {"/v1/detect", "/v1/captures", "/v1/captures/{name}", "/v1/health"} <= set(spec["paths"])
    assert "multipart/form-data" in spec["paths"]["/v1/detect"]["post"]["requestBody"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/docs.js" in docs.text


def test_static_assets_are_local(client):
    """No CDN: every asset the pages load is served by the app, and no asset names another host."""
    from handpose.web.app import STATIC_DIR

    for path in sorted(STATIC_DIR.iterdir()):
        text = path.read_text()
        assert not re.search(r"https?://|(src|href)=\"//|url\(", text), path.name
        assert client.get(f"/static/{path.name}").status_code == 200


# -- parity ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHARED_IMAGES)
def test_detect_parity_with_landmarker(client, landmarker_full, name):
    """/v1/detect returns what HandLandmarker.detect returns on the same file."""
    path = handdata_path("images", name)
    data = path.read_bytes()
    kind = "image/png" if name.endswith(".png") else "image/jpeg"
    r = client.post("/v1/detect", files={"file": (name, data, kind)})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = landmarker_full.detect(path)
    assert body["image"] == name
    assert (body["width"], body["height"]) == (expected.width, expected.height)
    assert_same_hands(body["hands"], expected.to_dict()["hands"])


def test_detect_json_shape_matches_cli(client, capsys, hand_jpeg):
    """The body is the object `handpose detect --json` prints for the same image (same keys, same hands)."""
    from handpose.cli import main

    path = handdata_path("images", "fingerpose_nocurl.jpg")
    assert main(["detect", str(path), "--json", "--no-annotate"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    body = client.post("/v1/detect", files={"file": (path.name, hand_jpeg, "image/jpeg")}).json()
    printed["image"] = path.name
    assert set(body) == set(printed)
    assert (body["width"], body["height"]) == (printed["width"], printed["height"])
    assert_same_hands(body["hands"], printed["hands"])
    assert set(body["hands"][0]) == set(printed["hands"][0])


def test_raw_multipart_and_octet_stream_agree(client, hand_jpeg):
    multipart = client.post("/v1/detect", files={"file": ("x.jpg", hand_jpeg, "image/jpeg")}).json()
    raw = client.post("/v1/detect", content=hand_jpeg, headers={"content-type": "image/jpeg"}).json()
    octet = client.post("/v1/detect", content=hand_jpeg, headers={"content-type": "application/octet-stream"})
    assert raw["image"] == "upload"
    assert_same_hands(raw["hands"], multipart["hands"], atol=0)
    assert_same_hands(octet.json()["hands"], multipart["hands"], atol=0)


def test_model_and_max_hands_parameters(client, landmarker_lite):
    path = handdata_path("images", "fingerpose_pair.jpg")  # two hands (MediaPipe reference)
    data = path.read_bytes()
    lite = client.post("/v1/detect?model=lite", content=data).json()
    assert_same_hands(lite["hands"], landmarker_lite.detect(path).to_dict()["hands"])
    assert len(client.post("/v1/detect", content=data).json()["hands"]) == 2
    assert len(client.post("/v1/detect?max_hands=1", content=data).json()["hands"]) == 1


def test_annotate_returns_jpeg(client, hand_jpeg):
    r = client.post("/v1/detect?annotate=true", content=hand_jpeg)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    annotated = decode_rgb(r.content)
    original = decode_rgb(hand_jpeg)
    assert annotated.shape == original.shape
    assert np.abs(annotated.astype(int) - original.astype(int)).max() > 100  # something was drawn


# -- bad input ------------------------------------------------------------------------------------------------


TEXT = b"this is not an image, just text in a file named hand.jpg\n"
BAD_INPUTS = [
    # (id, request keyword arguments given the good JPEG, expected status, expected error code)
    ("empty body", lambda j: {"content": b""}, 422, "invalid_image"),
    (
        "empty multipart file",
        lambda j: {"files": {"file": ("a.jpg", b"", "image/jpeg")}},
        422,
        "invalid_image",
    ),
    ("corrupt jpeg", lambda j: {"content": j[: len(j) // 2]}, 422, "invalid_image"),
    ("jpeg header then zeros", lambda j: {"content": j[:200] + bytes(200)}, 422, "invalid_image"),
    (
        "text named .jpg",
        lambda j: {"files": {"file": ("hand.jpg", TEXT, "image/jpeg")}},
        415,
        "unsupported_media_type",
    ),
    ("text as octet-stream", lambda j: {"content": TEXT}, 415, "unsupported_media_type"),
    ("garbage bytes", lambda j: {"content": bytes(range(256)) * 4}, 415, "unsupported_media_type"),
    ("gif", lambda j: {"content": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"}, 415, "unsupported_media_type"),
    (
        "tiff",
        lambda j: {"content": encode(".tiff", np.zeros((8, 8, 3), np.uint8))},
        415,
        "unsupported_media_type",
    ),
    (
        "text/plain type",
        lambda j: {"content": j, "headers": {"content-type": "text/plain"}},
        415,
        "unsupported_media_type",
    ),
    (
        "application/json type",
        lambda j: {"content": b'{"image": 1}', "headers": {"content-type": "application/json"}},
        415,
        "unsupported_media_type",
    ),
    (
        "declared png, is jpeg",
        lambda j: {"files": {"file": ("a.png", j, "image/png")}},
        415,
        "unsupported_media_type",
    ),
    (
        "multipart without file",
        lambda j: {"files": {"photo": ("a.jpg", j, "image/jpeg")}},
        422,
        "invalid_request",
    ),
    (
        "broken multipart",
        lambda j: {
            "content": b"--zz\r\nbroken",
            "headers": {"content-type": "multipart/form-data; boundary=zz"},
        },
        422,
        "invalid_request",
    ),
    (
        "multipart without boundary",
        lambda j: {"content": j, "headers": {"content-type": "multipart/form-data"}},
        400,
        "bad_multipart",
    ),
    ("bad model", lambda j: {"content": j, "params": {"model": "huge"}}, 422, "invalid_request"),
    ("max_hands 0", lambda j: {"content": j, "params": {"max_hands": 0}}, 422, "invalid_request"),
    ("max_hands text", lambda j: {"content": j, "params": {"max_hands": "two"}}, 422, "invalid_request"),
    ("annotate text", lambda j: {"content": j, "params": {"annotate": "maybe"}}, 422, "invalid_request"),
]


@pytest.mark.parametrize(
    ("build", "status", "code"), [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_is_a_clear_4xx(client, hand_jpeg, build, status, code):
    r = client.post("/v1/detect", **build(hand_jpeg))
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == code and body["detail"]
    assert_still_serving(client, hand_jpeg)


def test_alpha_gray_and_16bit_png_are_decoded_like_opencv(client, landmarker_full, hand_jpeg):
    """Alpha is dropped, gray repeated to RGB, 16-bit reduced to 8 (as cv2.imread): same hands as the 8-bit RGB."""
    bgr = cv2.imdecode(np.frombuffer(hand_jpeg, np.uint8), cv2.IMREAD_COLOR)
    rgb_png = encode(".png", bgr)
    expected = client.post("/v1/detect", content=rgb_png).json()
    assert len(expected["hands"]) == 1
    bgra = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    bgra[..., 3] = 7  # nearly transparent: must be ignored, not composited
    deep = bgr.astype(np.uint16) * 257  # v * 257 >> 8 == v
    for label, data in (("alpha", encode(".png", bgra)), ("16-bit", encode(".png", deep))):
        r = client.post("/v1/detect", files={"file": (f"{label}.png", data, "image/png")})
        assert r.status_code == 200, label
        assert_same_hands(r.json()["hands"], expected["hands"], atol=0)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    r = client.post("/v1/detect", content=encode(".png", gray), headers={"content-type": "image/png"})
    assert r.status_code == 200
    assert_same_hands(r.json()["hands"], landmarker_full.detect(np.dstack([gray] * 3)).to_dict()["hands"])


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 1), (2, 1500, 3), (1500, 2, 3)], ids=str)
def test_tiny_and_thin_images_give_no_hands(client, shape):
    r = client.post("/v1/detect", content=encode(".png", np.full(shape, 128, np.uint8)))
    assert r.status_code == 200, r.text
    assert r.json()["hands"] == [] and r.json()["width"] == shape[1]


def test_huge_image_is_413_before_decoding(client, hand_jpeg):
    huge = encode(".png", np.zeros((10000, 10000), np.uint8))  # 100 MP, ~110 KB compressed
    r = client.post("/v1/detect", files={"file": ("huge.png", huge, "image/png")})
    assert r.status_code == 413
    assert r.json()["error"] == "payload_too_large" and "10000×10000" in r.json()["detail"]
    assert_still_serving(client, hand_jpeg)


def test_pixel_limit_is_configurable(tmp_path, hand_jpeg):
    h, w = decode_rgb(hand_jpeg).shape[:2]
    with small_app(tmp_path, max_pixels=h * w) as c:
        assert c.post("/v1/detect", content=hand_jpeg).status_code == 200
    with small_app(tmp_path, max_pixels=h * w - 1) as c:
        assert c.post("/v1/detect", content=hand_jpeg).status_code == 413


def test_oversize_body_is_413(tmp_path, hand_jpeg):
    with small_app(tmp_path, max_upload_bytes=len(hand_jpeg) - 1) as c:
        r = c.post("/v1/detect", content=hand_jpeg)  # Content-Length says too much
        assert r.status_code == 413 and r.json()["error"] == "payload_too_large"

        def chunks():  # no Content-Length: refused while streaming
            for i in range(0, len(hand_jpeg), 4096):
                yield hand_jpeg[i : i + 4096]

        r = c.post("/v1/detect", content=chunks(), headers={"content-type": "image/jpeg"})
        assert r.status_code == 413
        r = c.post("/v1/detect", files={"file": ("a.jpg", hand_jpeg, "image/jpeg")})
        assert r.status_code == 413
        assert c.post("/v1/detect", content=hand_jpeg[:1000]).status_code == 422  # under the limit: decoded


def test_concurrent_requests_over_the_limit_get_429(tmp_path, hand_jpeg):
    import httpx

    app = create_app(WebConfig(save_dir=tmp_path / "c", max_requests=2))

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            rs = await asyncio.gather(*(c.post("/v1/detect", content=hand_jpeg) for _ in range(8)))
            after = await c.post("/v1/detect", content=hand_jpeg)
        return [r.status_code for r in rs] + [after.status_code]

    codes = asyncio.run(burst())
    assert set(codes[:-1]) == {200, 429} and codes.count(200) >= 2
    assert codes[-1] == 200
    app.state.engine.close()


# -- captures -------------------------------------------------------------------------------------------------


def test_capture_saves_annotated_jpeg_and_lists_it(client, hand_jpeg):
    save_dir = client.app.state.config.save_dir
    r = client.post("/v1/captures", files={"file": ("../../evil.jpg", hand_jpeg, "image/jpeg")})
    assert r.status_code == 201, r.text
    body = r.json()
    name = body["name"]
    assert NAME_RE.fullmatch(name) and body["url"] == f"/v1/captures/{name}"
    assert uuid.UUID(name[:-4]).version == 1 and str(uuid.UUID(name[:-4])) + ".jpg" == name
    assert len(body["hands"]) == 1
    assert not (save_dir.parent / "evil.jpg").exists() and not list(save_dir.glob("evil*"))
    saved = (save_dir / name).read_bytes()
    assert saved[:3] == b"\xff\xd8\xff"
    assert client.get(body["url"]).content == saved
    listing = client.get("/v1/captures").json()
    assert name in [c["name"] for c in listing["captures"]] and listing["total"] >= 1
    assert_drawn_at_hands(decode_rgb(saved), decode_rgb(hand_jpeg), body["hands"])


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "..%2Fx.jpg",
        "%2Fetc%2Fpasswd",
        "..%5C..%5Cwindows%5Cwin.ini",
        "x.jpg%00.png",
        "0123456789ABCDEF0123456789ABCDEF.jpg",
        "0123456789abcdef0123456789abcdef.png",
        "0123456789abcdef0123456789abcdef.jpg.",
        "0123456789abcdef0123456789abcdef.jpg%0A",
        "01234567-89ab-cdef-0123-456789abcdef.jpg%0A",
        "01234567-89AB-CDEF-0123-456789ABCDEF.jpg",
        "0123456789ab-cdef-0123-4567-89abcdef.jpg",
        "{01234567-89ab-cdef-0123-456789abcdef}.jpg",
        "01234567-89ab-cdef-0123-456789abcdef",
        "..%2F01234567-89ab-cdef-0123-456789abcdef.jpg",
        "..",
        "%2E%2E",
    ],
)
def test_capture_names_are_validated(client, name):
    r = client.get(f"/v1/captures/{name}")
    assert r.status_code in (404, 422), r.text
    assert r.headers["content-type"] == "application/json" and "error" in r.json()


def test_missing_capture_is_404(client):
    r = client.get("/v1/captures/0123456789abcdef0123456789abcdef.jpg")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.get("/v1/captures/01234567-89ab-cdef-0123-456789abcdef.jpg")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_gallery_and_get_accept_tutorial_and_older_hex_names(tmp_path, hand_jpeg):
    """Captures saved by the tutorial's script (str(uuid.uuid1()) + '.jpg') and by older handpose versions
    (uuid4().hex + '.jpg') in the --save-dir are listed and served; other files there are not."""
    save_dir = tmp_path / "Output Images"
    save_dir.mkdir()
    tutorial = str(uuid.uuid1()) + ".jpg"
    older = uuid.uuid4().hex + ".jpg"
    for name in (tutorial, older, "notes.jpg", tutorial.upper(), tutorial + ".bak"):
        (save_dir / name).write_bytes(hand_jpeg)
    with TestClient(create_app(WebConfig(save_dir=save_dir))) as c:
        listed = {x["name"] for x in c.get("/v1/captures").json()["captures"]}
        assert listed == {tutorial, older}
        for name in (tutorial, older):
            r = c.get(f"/v1/captures/{name}")
            assert r.status_code == 200 and r.content == hand_jpeg
        assert c.get("/v1/captures/notes.jpg").status_code == 422


# -- WebSocket ------------------------------------------------------------------------------------------------


def test_stream_result_matches_rest(client, hand_jpeg):
    rest = client.post("/v1/detect", content=hand_jpeg).json()
    with client.websocket_connect("/v1/stream") as ws:
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["max_frame_bytes"] == WebConfig().max_frame_bytes
        ws.send_bytes(hand_jpeg)
        msg = ws.receive_json()
    assert msg["type"] == "result" and msg["frame"] == 1 and msg["dropped"] == 0
    assert (msg["width"], msg["height"]) == (rest["width"], rest["height"])
    assert_same_hands(msg["hands"], rest["hands"], atol=1e-5)  # WebSocket rounds to 5 decimals
    assert msg["timing"]["inference_ms"] > 0


def test_stream_malformed_messages_get_errors_and_stream_goes_on(client, hand_jpeg):
    cases = [
        ("text", "hello, I am not JSON", "bad_message"),
        ("text", "[1, 2, 3]", "bad_message"),
        ("text", '{"type": "launch"}', "bad_message"),
        ("text", '{"type": "config", "model": "huge"}', "invalid_request"),
        ("text", '{"type": "config", "max_hands": 0}', "invalid_request"),
        ("text", '{"type": "config", "max_hands": true}', "invalid_request"),
        ("text", "[" * 100000, "bad_message"),
        ("bytes", b"\x00garbage\xff" * 100, "unsupported_media_type"),
        ("bytes", b"", "invalid_image"),
        ("bytes", hand_jpeg[: len(hand_jpeg) // 2], "invalid_image"),
        ("bytes", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "invalid_image"),
    ]
    with client.websocket_connect("/v1/stream") as ws:
        ws.receive_json()
        for kind, payload, code in cases:
            getattr(ws, f"send_{kind}")(payload)
            msg = ws.receive_json()
            assert msg["type"] == "error" and msg["error"] == code, (payload[:40], msg)
        ws.send_text('{"type": "ping"}')
        assert ws.receive_json()["type"] == "pong"
        ws.send_text('{"type": "config", "model": "lite", "max_hands": 1}')
        assert ws.receive_json() == {
            "type": "config",
            "model": "lite",
            "max_hands": 1,
            "max_fps": WebConfig().max_fps,
            "max_frame_bytes": WebConfig().max_frame_bytes,
        }
        ws.send_bytes(hand_jpeg)
        msg = ws.receive_json()
        assert msg["type"] == "result" and msg["model"] == "lite" and len(msg["hands"]) == 1


def test_stream_oversize_frame(tmp_path, hand_jpeg):
    with (
        small_app(tmp_path, max_frame_bytes=len(hand_jpeg) - 1) as c,
        c.websocket_connect("/v1/stream") as ws,
    ):
        ws.receive_json()
        ws.send_bytes(hand_jpeg + b"\x00" * 10)
        msg = ws.receive_json()
        assert msg["error"] == "frame_too_large" and msg["frame"] == 1
        ws.send_bytes(hand_jpeg[:-10])  # under the limit, truncated: still answered (as an error), no crash
        assert ws.receive_json()["frame"] == 2


def test_stream_newest_frame_wins(tmp_path, hand_jpeg):
    """With max_fps 0.5, frames 2..5 arrive within the 2 s after frame 1: only the newest is processed."""
    with small_app(tmp_path, max_fps=0.5) as c, c.websocket_connect("/v1/stream") as ws:
        ws.receive_json()
        for _ in range(5):
            ws.send_bytes(hand_jpeg)
        first, second = ws.receive_json(), ws.receive_json()
    assert (first["frame"], second["frame"]) == (1, 5)
    assert second["dropped"] == 3 and second["processed"] == 2 and second["received"] == 5


def test_stream_connection_limit(tmp_path, hand_jpeg):
    from starlette.websockets import WebSocketDisconnect

    with small_app(tmp_path, max_connections=1) as c, c.websocket_connect("/v1/stream") as first:
        first.receive_json()
        with c.websocket_connect("/v1/stream") as second:
            msg = second.receive_json()
            assert msg["error"] == "too_many_connections"
            with pytest.raises(WebSocketDisconnect) as info:
                second.receive_json()
            assert info.value.code == 1013
        first.send_bytes(hand_jpeg)
        assert first.receive_json()["type"] == "result"


# -- origin / host guard, CLI ---------------------------------------------------------------------------------


def test_cross_origin_requests_are_refused(client, hand_jpeg):
    from starlette.websockets import WebSocketDisconnect

    evil = {"origin": "http://evil.example"}
    r = client.post("/v1/captures", content=hand_jpeg, headers=evil)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert client.get("/v1/health", headers={"origin": "http://testserver"}).status_code == 200
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/v1/stream", headers=evil):
        pass
    assert info.value.code == 1008


def test_host_allow_list(tmp_path):
    with small_app(tmp_path, allowed_hosts=("127.0.0.1", "localhost")) as c:
        assert c.get("/v1/health").status_code == 403  # Host: testserver (as a DNS-rebinding page would send)
        assert c.get("/v1/health", headers={"host": "127.0.0.1:8000"}).status_code == 200


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_non_loopback_host_warns(caplog, host, loopback):
    assert is_loopback_host(host) is loopback
    with caplog.at_level("WARNING", logger="handpose.web"):
        assert warn_if_exposed(host) is (not loopback)
    assert ("reachable from other machines" in caplog.text) is (not loopback)


def test_serve_cli_arguments(tmp_path):
    import argparse

    from handpose.web.cli import add_parser, config_from_args

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    flags = "--model lite --max-hands 1 --max-upload-mb 1 --max-megapixels 2 --max-fps 5 --max-connections 3"
    args = parser.parse_args(["serve", "--save-dir", str(tmp_path), *flags.split(" ")])
    config = config_from_args(args)
    assert (config.model, config.max_hands, config.max_upload_bytes) == ("lite", 1, 1024 * 1024)
    assert (config.max_pixels, config.max_fps, config.max_connections) == (2_000_000, 5.0, 3)
    assert config.allowed_hosts == ("127.0.0.1", "localhost", "::1")
    args.host = "0.0.0.0"
    assert config_from_args(args).allowed_hosts is None


def test_serve_reports_busy_port(tmp_path, capsys):
    from handpose.web.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["--port", str(port), "--save-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
    assert main(["--max-hands", "0", "--save-dir", str(tmp_path)]) == 2
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["--port", "0", "--save-dir", str(a_file / "captures")]) == 2
    assert "cannot create the capture folder" in capsys.readouterr().err
