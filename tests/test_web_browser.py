"""End to end in a real browser: headless Chromium (Debian ``chromium`` + ``chromium-driver``) driven by
Selenium, its fake camera fed from the first 1.6 s of tests/data/video/fingerpose_moves.avi (one hand in each of
those 40 frames per the MediaPipe 0.10.21 video reference) converted to 640x360 .y4m (Chromium loops it), against
``handpose serve`` started as a real uvicorn server on a free loopback port.

The page must show landmarks over the video, Capture must save an annotated JPEG whose hands are the REST API's
answer for the frame that was captured, and the gallery must list it. A screenshot is saved under
``$HANDPOSE_TEST_ARTIFACTS`` (default: the test's tmp folder) — look at it when changing the page.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import DATA, TEST_VIDEO, handdata_path

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _load_make_y4m():
    spec = importlib.util.spec_from_file_location("make_y4m", DATA / "make_y4m.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fake_camera(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("camera") / "hand.y4m"
    assert _load_make_y4m().write_y4m(TEST_VIDEO, out, seconds=1.6, size=(640, 360)) == 40
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
    from handpose.web.server import ServerProcess

    folder = tmp_path_factory.mktemp("server")
    srv = ServerProcess("--save-dir", str(folder / "captures"), log_path=folder / "serve.log")
    srv.save_dir = folder / "captures"
    with srv:
        yield srv
    print(srv.log_text()[-3000:])


@pytest.fixture(scope="module")
def browser(fake_camera, tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("needs Chromium and chromedriver: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the [dev] extra)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, script: str, timeout: float = 90.0, what: str = "") -> object:
    """Poll a JS expression until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(f"return {script}")
        if value:
            return value
        time.sleep(0.25)
    state = driver.execute_script("return JSON.stringify({...window.handpose.state, lastResult: null})")
    raise AssertionError(f"timed out waiting for {what or script}; page state: {state}")


def post_detect(url: str, data: bytes) -> dict:
    request = urllib.request.Request(f"{url}/v1/detect", data=data, headers={"Content-Type": "image/jpeg"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


PAINTED_JS = """
const c = document.getElementById('overlay');
const hands = window.handpose.state.lastResult ? window.handpose.state.lastResult.hands.length : -1;
const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let painted = 0;
for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
return {hands, painted, width: c.width, height: c.height};
"""


def test_live_page_capture_and_gallery(browser, server):
    driver = browser
    driver.get(f"{server.url}/")
    wait_for(driver, "window.handpose.state.resultsWithHands >= 5", what="5 results with hands")

    # Landmarks drawn over the video: a result with hands is on the canvas, which has painted pixels.
    for _ in range(40):
        canvas = driver.execute_script(PAINTED_JS)
        if canvas["hands"] > 0:
            break
        time.sleep(0.1)
    assert canvas["hands"] >= 1 and canvas["painted"] > 500, canvas
    assert (canvas["width"], canvas["height"]) == (640, 360)
    state = driver.execute_script("return window.handpose.state")
    assert state["connected"] and state["cameraReady"] and state["drawnWithHands"] >= 5
    assert state["errors"] == [] and state["stalls"] == 0
    landmarks = (
        np.array(state["lastResult"]["hands"][0]["landmarks"]) if state["lastResult"]["hands"] else None
    )
    if landmarks is not None:
        assert (
            landmarks.shape == (21, 3) and (landmarks[:, :2] > -0.1).all() and (landmarks[:, :2] < 1.1).all()
        )
    fps = float(driver.find_element("id", "fps").text)
    latency = float(driver.find_element("id", "latency").text)
    assert fps > 0 and latency > 0
    # Every resource the page loaded came from this server (no CDN).
    origins = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
    )
    assert set(origins) <= {server.url}, origins

    # Capture: the server saves the annotated frame; the gallery lists it.
    driver.find_element("id", "capture").click()
    wait_for(driver, "window.handpose.state.captures.length === 1", what="the capture")
    name = driver.execute_script("return window.handpose.state.captures[0].name")
    wait_for(driver, f"window.handpose.state.galleryNames.includes('{name}')", what="the gallery")
    thumb_width = wait_for(
        driver,
        f"document.querySelector('#gallery a[data-name=\"{name}\"] img').naturalWidth",
        what="the gallery thumbnail",
    )
    assert thumb_width == 640
    capture = driver.execute_script("return window.handpose.state.captures[0]")
    saved_path = server.save_dir / name
    saved = saved_path.read_bytes()
    assert saved[:3] == b"\xff\xd8\xff" and list(server.save_dir.iterdir()) == [saved_path]

    # The frame the page sent: the REST API gives the same hands for it as the capture did.
    sent_url = driver.execute_script("return window.handpose.state.lastCaptureSent")
    sent = base64.b64decode(sent_url.split(",", 1)[1])
    rest = post_detect(server.url, sent)
    assert len(capture["hands"]) >= 1, "the captured frame should show the hand"
    assert len(rest["hands"]) == len(capture["hands"])
    for got, expected in zip(rest["hands"], capture["hands"], strict=True):
        assert got["handedness"] == expected["handedness"]
        np.testing.assert_allclose(got["landmarks"], expected["landmarks"], atol=1e-5)
    # ...and the saved JPEG is that frame with the skeleton drawn at those landmarks.
    frame, annotated = decode(sent), decode(saved)
    assert annotated.shape == frame.shape == (360, 640, 3)
    diff = np.abs(annotated.astype(int) - frame.astype(int)).max(axis=2)
    points = np.array(capture["hands"][0]["landmarks"])[:, :2] * [640, 360]
    drawn = [diff[min(int(y), 359), min(int(x), 639)] > 40 for x, y in points]
    assert np.mean(drawn) >= 0.6
    x0, y0 = (points.min(axis=0) - 60).astype(int).clip(0)
    x1, y1 = (points.max(axis=0) + 60).astype(int)
    far = np.ones_like(diff, bool)
    far[y0:y1, x0:x1] = False
    assert diff[far].mean() < 4.0

    artifacts = Path(os.environ.get("HANDPOSE_TEST_ARTIFACTS") or server.save_dir.parent / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "web_live_page.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    (artifacts / "web_capture.jpg").write_bytes(saved)
    print(f"screenshot: {shot}; capture: {saved_path}; fps {fps}, latency {latency} ms")

    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_upload_and_mirror(browser, server):
    driver = browser
    driver.get(f"{server.url}/")
    wait_for(driver, "window.handpose.state.resultsWithHands >= 2", what="live results")

    # The page reconnects after losing the WebSocket and the stream resumes (frame numbers restart at 1).
    before = driver.execute_script("window.handpose.dropConnection(); return window.handpose.state.results")
    wait_for(driver, "!window.handpose.state.connected", what="the disconnect")
    wait_for(driver, f"window.handpose.state.results >= {before} + 5", what="results after reconnecting")
    assert driver.execute_script("return window.handpose.state.stalls") == 0  # every frame was answered

    # Mirror off: frames are sent as the camera gives them and the video is not flipped.
    driver.find_element("id", "mirror").click()
    assert "mirrored" not in driver.find_element("id", "video").get_attribute("class")
    driver.find_element("id", "mirror").click()
    assert "mirrored" in driver.find_element("id", "video").get_attribute("class")

    # Upload an image instead of the camera: the page shows the REST API's hands for that file.
    path = handdata_path("images", "fingerpose_nocurl.jpg")
    driver.find_element("id", "upload").send_keys(str(path))
    result = wait_for(
        driver, f"(r => r && r.image === '{path.name}' && r)(window.handpose.state.lastResult)", what="upload"
    )
    assert driver.execute_script("return window.handpose.state.mode") == "image"
    expected = post_detect(server.url, path.read_bytes())
    assert result["image"] == path.name and len(result["hands"]) == len(expected["hands"]) == 1
    np.testing.assert_allclose(result["hands"][0]["landmarks"], expected["hands"][0]["landmarks"], atol=1e-6)
    assert "1 hand" in driver.find_element("id", "message").text

    # The offline API docs page renders every endpoint from /openapi.json.
    driver.get(f"{server.url}/docs")
    sections = wait_for(driver, "document.querySelectorAll('.endpoint').length >= 5", what="the docs page")
    assert sections
    assert "POST /v1/detect" in driver.find_element("id", "api").text
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
