"""Throughput of ``handpose batch`` against a plain MediaPipe 0.10.21 loop, on the same files, in the same run.

    .venv/bin/python benchmarks/batch_throughput.py [--files 2000] [--rounds 3] [--workers N] [--hp-workers W]
        [--batch-size 4] [--mediapipe-python .mp-venv/bin/python] [--main-only] [--small 500] [--ray-files 200]
        [--json results.json]

The shared test images (../shared/handdata/images) are repeated by symlinks in a temp folder to ``--files``
files (nothing is copied or committed). Each round measures, one after the other, each as whole commands from
start to exit (wall clock; start-up included on both sides):
  1. MediaPipe in N processes (N = ``--workers``, default: the cores): the files split into N shards (symlink
     folders), one benchmarks/mp_loop.py per shard (cv2.imread + ``solutions.hands``, static_image_mode=True,
     max_num_hands=2, model_complexity=1, one JSON line per file), all started together; wall clock from the
     first start to the last exit. The fair comparison: ``handpose batch`` uses every core too.
  2. ``handpose batch DIR --out x.jsonl`` with its defaults (``--hp-workers W`` to force ``--workers W``).
  3. MediaPipe in one process.
Ratios are taken within a round and the median over ``--rounds`` is printed (the VM is shared: absolute
figures move between rounds). Without ``--main-only``: also ``--batch-size 1`` and ``--small`` files (peak RSS
must not grow with the number of files). ``--ray-files N``: ``handpose batch --engine ray`` on N files (a local
Ray started by the command, so its start-up is included; reported with and without it).
Peak RSS is the largest sum of RSS over the commands' process trees (sampled every 50 ms with psutil). CPU
seconds are the user + system time of the commands and all their child processes. Each line shows the
1-minute load average before and after it.
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


def handpose_cmd(folder: Path, out: Path, batch_size: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "handpose.cli", "batch", str(folder), "--out", str(out), "--no-progress",
        "--batch-size", str(batch_size), *extra,
    ]  # fmt: skip


def count_hands(path: Path) -> int:
    with open(path) as fh:
        return sum(len(json.loads(line)["hands"]) for line in fh)


def line(label: str, files: int, r: dict[str, float]) -> str:
    return (
        f"{label:20s}: {files / r['wall_s']:7.1f} img/s whole run, {r['cpu_s'] / files * 1e3:5.1f} CPU ms/img, "
        f"peak RSS {r['peak_rss_mb']:5.0f} MB, {r['hands']} hands, load {r['load_before']:.1f} -> {r['load_after']:.1f}"
    )


def median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="MediaPipe processes")
    ap.add_argument(
        "--hp-workers",
        default="0",
        help="handpose batch --workers, comma-separated to compare several in each round (0: its default)",
    )
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=1, help="rounds alternating the engines (ratios per round)")
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
        "hp_workers": a.hp_workers,
        "batch_size": a.batch_size,
        "cores": os.cpu_count(),
        "rounds": [],
    }
    rounds: list[dict[str, dict[str, float]]] = res["rounds"]  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="handpose-bench-") as tmp:
        root = Path(tmp)
        big = make_folder(root, a.files)
        shards = make_shards(root, big, a.workers)
        mp_loop = [a.mediapipe_python, str(REPO / "benchmarks" / "mp_loop.py")]

        def measure(cmds: list[list[str]], hands_of: object) -> dict[str, float]:
            load_before = load_average()
            wall, rss, cpu, outs = run_together(cmds)
            return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss, "hands": hands_of(outs),  # type: ignore[operator]
                    "load_before": load_before, "load_after": load_average()}  # fmt: skip

        hp_out = root / "hp.jsonl"
        configs = [int(w) for w in str(a.hp_workers).split(",")]
        hp_workers = ("--workers", str(configs[0])) if configs[0] else ()
        hp_runs = {
            ("handpose" if j == 0 else f"handpose_workers{w}"): handpose_cmd(
                big, hp_out, a.batch_size, *(("--workers", str(w)) if w else ())
            )
            for j, w in enumerate(configs)
        }
        for k in range(a.rounds):
            r: dict[str, dict[str, float]] = {}
            if not a.skip_mediapipe:
                cmds = [[*mp_loop, str(d), "--out", str(root / f"mp{j}.jsonl")] for j, d in enumerate(shards)]
                r["mediapipe_processes"] = measure(
                    cmds, lambda outs: sum(json.loads(o)["hands"] for o in outs)
                )
                print(
                    f"[{k + 1}] " + line(f"mediapipe x{a.workers} procs", a.files, r["mediapipe_processes"]),
                    flush=True,
                )
            for name, cmd in hp_runs.items():
                r[name] = measure([cmd], lambda outs: count_hands(hp_out))
                label = "handpose batch" + (f" -w {name[16:]}" if name != "handpose" else "")
                print(f"[{k + 1}] " + line(label, a.files, r[name]), flush=True)
            if not a.skip_mediapipe:
                cmd = [*mp_loop, str(big), "--out", str(root / "mp.jsonl")]
                r["mediapipe"] = measure([cmd], lambda outs: json.loads(outs[0])["hands"])
                print(f"[{k + 1}] " + line("mediapipe 1 process", a.files, r["mediapipe"]), flush=True)
                for key in ("mediapipe_processes", "mediapipe"):
                    for name in hp_runs:
                        r[name][f"speedup_vs_{key}"] = r[key]["wall_s"] / r[name]["wall_s"]
                        r[name][f"cpu_over_{key}"] = r[name]["cpu_s"] / r[key]["cpu_s"]
            rounds.append(r)
        if not a.main_only:
            out_file = root / "hp_unbatched.jsonl"
            r1 = measure([handpose_cmd(big, out_file, 1, *hp_workers)], lambda outs: count_hands(out_file))
            res["handpose_unbatched"] = r1
            print(line("handpose batch 1", a.files, r1), flush=True)
        if a.small and not a.main_only:
            small = make_folder(root, a.small)
            wall, rss, _ = run(handpose_cmd(small, root / "hp_small.jsonl", a.batch_size, *hp_workers))
            res["handpose_small"] = {"files": a.small, "wall_s": wall, "images_per_s": a.small / wall,
                                     "peak_rss_mb": rss}  # fmt: skip
            print(
                f"handpose {a.small} files: {a.small / wall:7.1f} img/s, peak RSS {rss:6.0f} MB", flush=True
            )
        if a.ray_files:
            ray_dir = make_folder(root, a.ray_files)
            cmd = handpose_cmd(
                ray_dir, root / "ray.jsonl", a.batch_size, "--workers", str(a.workers), "--engine", "ray"
            )
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
    if rounds and not a.skip_mediapipe:
        print(f"median over {len(rounds)} round(s), ratios taken within each round:")
        for key, label in (
            ("mediapipe_processes", f"MediaPipe in {a.workers} processes"),
            ("mediapipe", "MediaPipe in one process"),
        ):
            for name in hp_runs:
                speed = median([r[name][f"speedup_vs_{key}"] for r in rounds])
                cpu = median([r[name][f"cpu_over_{key}"] for r in rounds])
                res[f"{name}_speedup_vs_{key}"], res[f"{name}_cpu_over_{key}"] = speed, cpu
                print(f"  {name} vs {label}: {speed:.2f}x the throughput, {cpu:.2f}x the CPU time")  # fmt: skip
        if "handpose_unbatched" in res:
            batched_wall = median([r["handpose"]["wall_s"] for r in rounds])
            ratio = res["handpose_unbatched"]["wall_s"] / batched_wall  # type: ignore[index]
            print(f"batched / unbatched handpose: {ratio:.2f}x")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
