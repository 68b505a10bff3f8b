"""Load on the web app: N WebSocket clients streaming JPEG frames, then a burst of concurrent REST requests.

    .venv/bin/python benchmarks/web_load.py                       # 8 clients x 30 s, 50 REST requests, full
    .venv/bin/python benchmarks/web_load.py --clients 8 --seconds 30 --model lite --json out.json

Starts ``handpose serve`` (``python -m handpose.web``) on a free loopback port in a child process, so its
memory can be measured alone (RSS from /proc, Linux). Frames are the first seconds of
../shared/handdata/videos/mps_hand_reaching.mp4 (640x360, one hand), JPEG-encoded at quality 80 as the page
does. Each client behaves like the page: one frame in flight, the next sent when the result comes back.
Reports per-client results/s and latency percentiles (send → result), errors, server RSS before/after, and
the REST burst's status codes and latencies. Needs the [web] and [dev] extras (websockets, httpx).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = REPO.parent / "shared" / "handdata" / "videos" / "mps_hand_reaching.mp4"


def load_frames(video: Path, count: int = 50, quality: int = 80) -> list[bytes]:
    """The first ``count`` frames of ``video`` as JPEG bytes."""
    capture = cv2.VideoCapture(str(video))
    frames = []
    while len(frames) < count:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes())
    capture.release()
    if not frames:
        raise SystemExit(f"{video}: no frames decoded")
    return frames


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def stream_client(ws_url: str, frames: list[bytes], seconds: float, index: int) -> dict[str, Any]:
    """One page-like client: send a frame, wait for its result, repeat, for ``seconds``."""
    from websockets.asyncio.client import connect

    latencies: list[float] = []
    errors: list[str] = []
    hands = 0
    last: dict[str, Any] = {}
    async with connect(ws_url, max_size=2**20, open_timeout=30) as ws:
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            errors.append(f"no ready message: {ready}")
        start = time.perf_counter()
        sent = 0
        while time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            await ws.send(frames[(sent + index * 7) % len(frames)])
            sent += 1
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
                if message.get("frame") == sent:
                    break
            if message["type"] != "result":
                errors.append(f"{message.get('error')}: {message.get('detail')}")
                continue
            latencies.append((time.perf_counter() - t0) * 1000.0)
            hands += len(message["hands"])
            last = message
        elapsed = time.perf_counter() - start
    return {
        "client": index,
        "results": len(latencies),
        "fps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies, default=float("nan")),
        "hands_per_result": hands / max(1, len(latencies)),
        "errors": errors,
        "server_dropped": last.get("dropped", 0),
    }


async def run_ws_clients(
    ws_url: str, frames: list[bytes], clients: int, seconds: float
) -> list[dict[str, Any]]:
    """Run ``clients`` page-like clients at once; a client that fails is reported with its exception."""
    results = await asyncio.gather(
        *(stream_client(ws_url, frames, seconds, i) for i in range(clients)), return_exceptions=True
    )
    return [
        r if isinstance(r, dict) else {"client": i, "results": 0, "fps": 0.0, "errors": [repr(r)]}
        for i, r in enumerate(results)
    ]


async def run_rest_burst(url: str, body: bytes, requests: int) -> dict[str, Any]:
    """``requests`` POST /v1/detect at once (one connection each); status codes and latencies."""
    import httpx

    async def one(client: httpx.AsyncClient) -> tuple[int, float, int]:
        t0 = time.perf_counter()
        r = await client.post(f"{url}/v1/detect", content=body, headers={"content-type": "image/jpeg"})
        hands = len(r.json().get("hands", [])) if r.status_code == 200 else -1
        return r.status_code, (time.perf_counter() - t0) * 1000.0, hands

    limits = httpx.Limits(max_connections=requests, max_keepalive_connections=requests)
    t0 = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=300) as client:
        answers = await asyncio.gather(*(one(client) for _ in range(requests)), return_exceptions=True)
    wall = time.perf_counter() - t0
    codes: dict[str, int] = {}
    latencies = []
    hands = set()
    for a in answers:
        key = type(a).__name__ if isinstance(a, BaseException) else str(a[0])
        codes[key] = codes.get(key, 0) + 1
        if not isinstance(a, BaseException):
            latencies.append(a[1])
            hands.add(a[2])
    return {
        "requests": requests,
        "status_codes": codes,
        "wall_s": wall,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "hands_seen": sorted(hands),
    }


async def sample_rss(server: Any, stop: asyncio.Event, every: float = 1.0) -> list[int]:
    samples = []
    while not stop.is_set():
        rss = server.rss_bytes()
        if rss is not None:
            samples.append(rss)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
    return samples


async def measure(
    server: Any, frames: list[bytes], clients: int, seconds: float, rest: int
) -> dict[str, Any]:
    """Warm up (every client streams 3 s), then the measured run, then the REST burst."""
    await run_ws_clients(server.ws_url, frames, clients, 3.0)
    rss_before = server.rss_bytes()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(server, stop))
    per_client = await run_ws_clients(server.ws_url, frames, clients, seconds)
    stop.set()
    samples = await sampler
    rss_after = server.rss_bytes()
    burst = await run_rest_burst(server.url, frames[0], rest)
    rss_after_rest = server.rss_bytes()
    health = server.health()
    fps = [c["fps"] for c in per_client]
    return {
        "clients": clients,
        "seconds": seconds,
        "per_client": per_client,
        "total_fps": sum(fps),
        "min_client_fps": min(fps),
        "errors": sum(len(c["errors"]) for c in per_client),
        "rss_before_mb": (rss_before or 0) / 2**20,
        "rss_after_mb": (rss_after or 0) / 2**20,
        "rss_max_mb": max(samples, default=0) / 2**20,
        "rss_after_rest_mb": (rss_after_rest or 0) / 2**20,
        "rest": burst,
        "connections_after": health["connections"],
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"{report['clients']} WebSocket clients x {report['seconds']:.0f} s (model {report.get('model')})")
    print(f"{'client':>6} {'results':>8} {'fps':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} errors")
    for c in report["per_client"]:
        print(
            f"{c['client']:>6} {c['results']:>8} {c['fps']:>6.2f} {c.get('p50_ms', 0):>8.1f} "
            f"{c.get('p95_ms', 0):>8.1f} {c.get('max_ms', 0):>8.1f} {len(c['errors'])}"
        )
    all_p95 = statistics.median([c.get("p95_ms", float("nan")) for c in report["per_client"]])
    print(
        f"total {report['total_fps']:.2f} results/s, slowest client {report['min_client_fps']:.2f}/s, "
        f"median p95 {all_p95:.1f} ms, errors {report['errors']}"
    )
    print(
        f"server RSS: {report['rss_before_mb']:.1f} MB before, {report['rss_after_mb']:.1f} MB after "
        f"(max {report['rss_max_mb']:.1f}), {report['rss_after_rest_mb']:.1f} MB after the REST burst"
    )
    r = report["rest"]
    print(
        f"REST: {r['requests']} concurrent POST /v1/detect -> {r['status_codes']} in {r['wall_s']:.1f} s, "
        f"p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--rest", type=int, default=50, help="concurrent REST requests after the stream")
    p.add_argument("--model", choices=("full", "lite"), default="full")
    p.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    p.add_argument("--json", type=Path, help="also write the report here")
    args = p.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    from handpose.web.server import ServerProcess

    frames = load_frames(args.video)
    with tempfile.TemporaryDirectory() as tmp:
        serve_args = ["--save-dir", f"{tmp}/captures", "--model", args.model]
        serve_args += [
            "--max-connections",
            str(max(16, args.clients)),
            "--max-requests",
            str(max(64, args.rest)),
        ]
        with ServerProcess(*serve_args, log_path=f"{tmp}/serve.log") as server:
            report = asyncio.run(measure(server, frames, args.clients, args.seconds, args.rest))
    report["model"] = args.model
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
