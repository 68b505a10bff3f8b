"""Throughput of ``handpose batch`` against a plain MediaPipe 0.10.21 loop, on the same files, in the same run.

    .venv/bin/python benchmarks/batch_throughput.py [--files 2000] [--small 500] [--workers 2] [--batch-size 4]
        [--mediapipe-python /work/oracle/bin/python] [--ray-files 200] [--json results.json]

The shared test images (../shared/handdata/images) are repeated by symlinks in a temp folder to ``--files``
files (nothing is copied or committed). Measured, each as one command from start to exit (wall clock):
  1. MediaPipe: benchmarks/mp_loop.py under the MediaPipe interpreter — cv2.imread + ``solutions.hands``
     (static_image_mode=True, max_num_hands=2, model_complexity=1) per file, one JSON line per file. Its
     loop-only time (graph already built) is reported too, and the speed-up uses that (favours MediaPipe).
  2. ``handpose batch DIR --out x.jsonl --workers W --batch-size B`` (batched), and with ``--batch-size 1``.
  3. ``handpose batch`` on ``--small`` files: peak RSS must not grow with the number of files.
  4. Optionally (``--ray-files N``) ``handpose batch --engine ray`` on N files (a local Ray started by the
     command, so its start-up is included; reported with and without it).
Peak RSS is the largest sum of RSS over the command's process tree (sampled every 50 ms with psutil).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMAGES = Path(os.environ.get("HANDPOSE_HANDDATA", REPO.parent / "shared" / "handdata")) / "images"


def make_folder(root: Path, n: int) -> Path:
    images = sorted(p for p in IMAGES.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    folder = root / f"images_{n}"
    if folder.is_dir():
        return folder
    folder.mkdir()
    for k in range(n):
        src = images[k % len(images)]
        (folder / f"{k:06d}_{src.name}").symlink_to(src)
    return folder


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; returns (wall seconds, peak RSS of its process tree in MB, stdout)."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, peak / 2**20, out


def handpose_cmd(folder: Path, out: Path, workers: int, batch_size: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "handpose.cli", "batch", str(folder), "--out", str(out), "--no-progress",
        "--workers", str(workers), "--batch-size", str(batch_size), *extra,
    ]  # fmt: skip


def count_hands(path: Path) -> int:
    with open(path) as fh:
        return sum(len(json.loads(line)["hands"]) for line in fh)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--mediapipe-python", default="/work/oracle/bin/python")
    ap.add_argument("--skip-mediapipe", action="store_true")
    ap.add_argument("--ray-files", type=int, default=0)
    ap.add_argument("--json", help="also write the numbers here")
    a = ap.parse_args()
    res: dict[str, object] = {
        "files": a.files,
        "workers": a.workers,
        "batch_size": a.batch_size,
        "cores": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="handpose-bench-") as tmp:
        root = Path(tmp)
        big = make_folder(root, a.files)
        if not a.skip_mediapipe:
            wall, rss, out = run(
                [
                    a.mediapipe_python,
                    str(REPO / "benchmarks" / "mp_loop.py"),
                    str(big),
                    "--out",
                    str(root / "mp.jsonl"),
                ]
            )
            mp = json.loads(out)
            res["mediapipe"] = {"wall_s": wall, "loop_s": mp["loop_s"], "images_per_s": a.files / wall,
                                "images_per_s_loop": mp["images_per_s_loop"], "peak_rss_mb": rss, "hands": mp["hands"]}  # fmt: skip
            print(f"mediapipe loop     : {a.files / wall:7.1f} img/s whole run, {mp['images_per_s_loop']:7.1f} img/s loop only, "
                  f"peak RSS {rss:6.0f} MB, {mp['hands']} hands", flush=True)  # fmt: skip
        for label, bs in (("batched", a.batch_size), ("unbatched", 1)):
            out_file = root / f"hp_{label}.jsonl"
            wall, rss, _ = run(handpose_cmd(big, out_file, a.workers, bs))
            hands = count_hands(out_file)
            res[f"handpose_{label}"] = {
                "wall_s": wall,
                "images_per_s": a.files / wall,
                "peak_rss_mb": rss,
                "hands": hands,
            }
            print(f"handpose {label:10s}: {a.files / wall:7.1f} img/s whole run (batch size {bs}), peak RSS {rss:6.0f} MB, "
                  f"{hands} hands", flush=True)  # fmt: skip
        small = make_folder(root, a.small)
        wall, rss, _ = run(handpose_cmd(small, root / "hp_small.jsonl", a.workers, a.batch_size))
        res["handpose_small"] = {
            "files": a.small,
            "wall_s": wall,
            "images_per_s": a.small / wall,
            "peak_rss_mb": rss,
        }
        print(f"handpose {a.small} files: {a.small / wall:7.1f} img/s, peak RSS {rss:6.0f} MB", flush=True)
        if a.ray_files:
            ray_dir = make_folder(root, a.ray_files)
            cmd = handpose_cmd(ray_dir, root / "ray.jsonl", a.workers, a.batch_size, "--engine", "ray")
            wall, rss, _ = run(cmd)
            t0 = time.perf_counter()
            import ray

            ray.init(num_cpus=a.workers, include_dashboard=False, log_to_driver=False)
            startup = time.perf_counter() - t0
            ray.shutdown()
            res["ray"] = {"files": a.ray_files, "wall_s": wall, "images_per_s": a.ray_files / wall,
                          "ray_init_s": startup, "images_per_s_after_init": a.ray_files / max(wall - startup, 1e-9),
                          "peak_rss_mb": rss}  # fmt: skip
            print(f"handpose ray       : {a.ray_files / wall:7.1f} img/s whole run ({a.ray_files} files), "
                  f"{res['ray']['images_per_s_after_init']:.1f} img/s without Ray's start-up ({startup:.1f} s)", flush=True)  # fmt: skip
    if "mediapipe" in res:
        mp_rate = res["mediapipe"]["images_per_s_loop"]  # type: ignore[index]
        hp = res["handpose_batched"]["images_per_s"]  # type: ignore[index]
        res["speedup_vs_mediapipe_loop"] = hp / mp_rate
        print(f"speed-up handpose batch (whole run) / MediaPipe (loop only): {hp / mp_rate:.2f}x")
    ratio = res["handpose_batched"]["images_per_s"] / res["handpose_unbatched"]["images_per_s"]  # type: ignore[index]
    res["batched_over_unbatched"] = ratio
    print(f"batched / unbatched handpose: {ratio:.2f}x")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
