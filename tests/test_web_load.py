"""The web app under load and abuse, on a real uvicorn server (``handpose serve`` in a child process).

Short for CI: 8 WebSocket clients for 5 s (the 30 s run with its numbers is ``benchmarks/web_load.py``), then
50 concurrent REST requests. Asserts correctness only (no errors, every client served, every request answered,
bounded memory), never speed. Frames: the first 25 of tests/data/video/fingerpose_moves.avi (one hand per frame).
"""

from __future__ import annotations

import asyncio
import http.client
import importlib.util
import json

import pytest

from conftest import REPO, TEST_VIDEO

pytestmark = pytest.mark.slow
pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
pytest.importorskip("websockets", reason="needs websockets (the [dev] extra)")
pytest.importorskip("httpx", reason="needs httpx (the [dev] extra)")


def _load_bench():
    spec = importlib.util.spec_from_file_location("web_load", REPO / "benchmarks" / "web_load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def frames() -> list[bytes]:
    return bench.load_frames(TEST_VIDEO, count=25)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from handpose.web.server import ServerProcess

    folder = tmp_path_factory.mktemp("load")
    with ServerProcess("--save-dir", str(folder / "captures"), log_path=folder / "serve.log") as srv:
        yield srv
        log = srv.log_text()
    assert "Traceback" not in log, log[-3000:]


def test_eight_clients_and_fifty_requests(server, frames):
    report = asyncio.run(bench.measure(server, frames, clients=8, seconds=5.0, rest=50))
    bench.print_report(report)
    assert report["errors"] == 0, [c["errors"] for c in report["per_client"]]
    for client in report["per_client"]:
        assert client["results"] >= 2, client  # every client is served, none starves
        assert client["hands_per_result"] >= 0.9  # one hand in every frame of this clip
    assert report["connections_after"] == 0
    # Memory: after a warm-up, 5 s of streaming must not grow the server by more than a little allocator slack.
    assert report["rss_after_mb"] - report["rss_before_mb"] < 48, report
    rest = report["rest"]
    assert rest["status_codes"] == {"200": 50}, rest
    assert rest["hands_seen"] == [1]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/captures/../../etc/passwd",
        "/v1/captures/..%2F..%2Fetc%2Fpasswd",
        "/v1/captures/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/v1/captures//etc/passwd",
        "/v1/captures/%2Fetc%2Fpasswd",
        "/v1/captures/....//....//etc/passwd",
        "/v1/captures/..\\..\\etc\\passwd",
        "/v1/captures/../x.jpg",
        "/v1/captures/%00.jpg",
    ],
)
def test_path_traversal_over_raw_http(server, path):
    """Paths sent byte for byte (http.client does not normalise them): never a file outside save-dir."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status in (400, 404, 422), (response.status, body[:200])
    assert b"root:" not in body
    assert server.health()["status"] == "ok"


def test_malformed_websocket_messages_over_the_wire(server, frames):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async def scenario() -> tuple[list[dict], int | None, dict]:
        replies = []
        async with connect(server.ws_url, max_size=2**20) as ws:
            await ws.recv()  # ready
            for message in ("not json", b"\x00garbage", b"\xff\xd8\xff" + b"\x00" * (3 * 2**20)):
                await ws.send(message)
                replies.append(json.loads(await ws.recv()))
            await ws.send(frames[0])
            replies.append(json.loads(await ws.recv()))
            await ws.send(b"\x00" * (16 * 2**20))  # over the protocol limit: the server closes the connection
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), timeout=30)
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
        async with connect(server.ws_url) as ws:  # the server goes on serving
            await ws.recv()
            await ws.send(frames[1])
            after = json.loads(await ws.recv())
        return replies, code, after

    replies, close_code, after = asyncio.run(scenario())
    assert [r.get("error") for r in replies[:3]] == [
        "bad_message",
        "unsupported_media_type",
        "frame_too_large",
    ]
    assert replies[3]["type"] == "result" and replies[3]["frame"] == 3  # binary messages are numbered
    assert close_code == 1009  # message too big
    assert after["type"] == "result" and len(after["hands"]) == 1
