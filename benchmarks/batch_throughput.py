"""Throughput of ``handpose batch`` against a plain MediaPipe 0.10.21 loop, on the same files, in the same run.

    .venv/bin/python benchmarks/batch_throughput.py [--files 2000] [--small 500] [--workers 2] [--batch-size 4]
        [--mediapipe-python /work/oracle/bin/python] [--ray-files 200] [--json results.json]

The shared test images (../shared/handdata/images) are repeated by symlinks in a temp folder to ``--files``
files (nothing is copied or committed). Measured, each as one command from start to exit (wall clock):
  1. MediaPipe: benchmarks/mp_loop.py under the MediaPipe interpreter — cv2.imread + ``solutions.hands``
     (static_image_mode=True, max_num_hands=2, model_complexity=1) per file, one JSON line per file. Its
     loop-only time (graph already built) is reported too (favours MediaPipe).
  1b. MediaPipe in N processes (N = ``--workers``, default: the cores): the files split into N shards
     (symlink folders), one mp_loop.py per shard, all started together; wall clock from the first start to
     the last exit. This is the fair comparison for ``handpose batch``, which also uses every core.
  2. ``handpose batch DIR --out x.jsonl --workers W --batch-size B`` (batched), and with ``--batch-size 1``.
  3. ``handpose batch`` on ``--small`` files: peak RSS must not grow with the number of files.
  4. Optionally (``--ray-files N``) ``handpose batch --engine ray`` on N files (a local Ray started by the
     command, so its start-up is included; reported with and without it).
Peak RSS is the largest sum of RSS over the command's process tree (sampled every 50 ms with psutil). CPU
seconds are the user + system time of the command and all its child processes. Each line also shows the
1-minute load average when the run ended.
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
    wall, rss, _, outs = run_together([cmd])
    return wall, rss, outs[0]


def children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


LAST_CPU: list[float] = [0.0]  # CPU seconds of the last run_together call


def run_together(cmds: list[list[str]]) -> tuple[float, float, float, list[str]]:
    """Start every command at once and wait for all; (wall seconds from the first start to the last exit, peak
    RSS of all their process trees in MB, CPU seconds of all of them and their children, each stdout)."""
    import psutil

    cpu0, t0 = children_cpu(), time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    parents = [psutil.Process(p.pid) for p in procs]
    peak = 0
    while any(p.poll() is None for p in procs):
        total = 0
        for parent in parents:
            try:
                tree = [parent, *parent.children(recursive=True)]
                total += sum(p.memory_info().rss for p in tree if p.is_running())
            except psutil.Error:
                pass
        peak = max(peak, total)
        time.sleep(0.05)
    outs = []
    for cmd, proc in zip(cmds, procs, strict=True):
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
        outs.append(out)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    LAST_CPU[0] = cpu
    return wall, peak / 2**20, cpu, outs


def make_shards(root: Path, folder: Path, n: int) -> list[Path]:
    """``folder``'s files split round-robin into ``n`` folders of symlinks (one per MediaPipe process)."""
    files = sorted(folder.iterdir())
    shards = []
    for k in range(n):
        shard = root / f"{folder.name}_shard{k}"
        shard.mkdir(exist_ok=True)
        for f in files[k::n]:
            link = shard / f.name
            if not link.exists():
                link.symlink_to(f.resolve())
        shards.append(shard)
    return shards


def load_average() -> float:
    return os.getloadavg()[0]


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
    ap.add_argument(
        "--mediapipe-python",
        default=os.environ.get("HANDPOSE_MEDIAPIPE_PYTHON", str(REPO / ".mp-venv" / "bin" / "python")),
    )
    ap.add_argument("--skip-mediapipe", action="store_true")
    ap.add_argument("--main-only", action="store_true", help="skip the unbatched and --small handpose runs")
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
        mp_loop = [a.mediapipe_python, str(REPO / "benchmarks" / "mp_loop.py")]
        if not a.skip_mediapipe:
            wall, rss, out = run([*mp_loop, str(big), "--out", str(root / "mp.jsonl")])
            mp = json.loads(out)
            res["mediapipe"] = {"wall_s": wall, "loop_s": mp["loop_s"], "images_per_s": a.files / wall,
                                "images_per_s_loop": mp["images_per_s_loop"], "peak_rss_mb": rss, "hands": mp["hands"],
                                "cpu_s": LAST_CPU[0], "load_average": load_average()}  # fmt: skip
            print(f"mediapipe loop     : {a.files / wall:7.1f} img/s whole run, {mp['images_per_s_loop']:7.1f} img/s loop only, "
                  f"peak RSS {rss:6.0f} MB, {mp['hands']} hands, {LAST_CPU[0] / a.files * 1e3:.1f} CPU ms/img, "
                  f"load {load_average():.1f}", flush=True)  # fmt: skip
            shards = make_shards(root, big, a.workers)
            cmds = [[*mp_loop, str(d), "--out", str(root / f"mp{k}.jsonl")] for k, d in enumerate(shards)]
            wall, rss, cpu, outs = run_together(cmds)
            hands = sum(json.loads(o)["hands"] for o in outs)
            res["mediapipe_processes"] = {"processes": a.workers, "wall_s": wall, "images_per_s": a.files / wall,
                                          "peak_rss_mb": rss, "hands": hands, "cpu_s": cpu,
                                          "load_average": load_average()}  # fmt: skip
            print(f"mediapipe x{a.workers} procs: {a.files / wall:7.1f} img/s whole run, peak RSS {rss:6.0f} MB, "
                  f"{hands} hands, {cpu / a.files * 1e3:.1f} CPU ms/img, load {load_average():.1f}", flush=True)  # fmt: skip
        for label, bs in (("batched", a.batch_size), ("unbatched", 1))[: 1 if a.main_only else 2]:
            out_file = root / f"hp_{label}.jsonl"
            wall, rss, _ = run(handpose_cmd(big, out_file, a.workers, bs))
            hands = count_hands(out_file)
            res[f"handpose_{label}"] = {
                "wall_s": wall,
                "images_per_s": a.files / wall,
                "peak_rss_mb": rss,
                "hands": hands,
                "cpu_s": LAST_CPU[0],
                "load_average": load_average(),
            }
            print(f"handpose {label:10s}: {a.files / wall:7.1f} img/s whole run (batch size {bs}), peak RSS {rss:6.0f} MB, "
                  f"{hands} hands, {LAST_CPU[0] / a.files * 1e3:.1f} CPU ms/img, load {load_average():.1f}", flush=True)  # fmt: skip
        if a.main_only:
            a.small = 0
        if a.small:
            small = make_folder(root, a.small)
            wall, rss, _ = run(handpose_cmd(small, root / "hp_small.jsonl", a.workers, a.batch_size))
            res["handpose_small"] = {
                "files": a.small,
                "wall_s": wall,
                "images_per_s": a.small / wall,
                "peak_rss_mb": rss,
            }
            print(
                f"handpose {a.small} files: {a.small / wall:7.1f} img/s, peak RSS {rss:6.0f} MB", flush=True
            )
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
        print(f"speed-up handpose batch (whole run) / MediaPipe one process (loop only): {hp / mp_rate:.2f}x")
        mp_n = res["mediapipe_processes"]["images_per_s"]  # type: ignore[index]
        res["speedup_vs_mediapipe_processes"] = hp / mp_n
        print(
            f"speed-up handpose batch / MediaPipe in {a.workers} processes (both whole runs): {hp / mp_n:.2f}x"
        )
    if "handpose_unbatched" in res:
        ratio = res["handpose_batched"]["images_per_s"] / res["handpose_unbatched"]["images_per_s"]  # type: ignore[index]
        res["batched_over_unbatched"] = ratio
        print(f"batched / unbatched handpose: {ratio:.2f}x")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
