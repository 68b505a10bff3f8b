"""The MediaPipe side of benchmarks/batch_throughput.py: a plain loop over image files with MediaPipe 0.10.21
``solutions.hands`` in static mode, the way a user would write it. Runs under the MediaPipe interpreter
(mediapipe==0.10.21 needs numpy<2; e.g. /work/oracle/bin/python), imports nothing from handpose.

usage: python mp_loop.py FOLDER [--model-complexity 1] [--out results.jsonl]

Every image under FOLDER (sorted, recursive) is read with cv2.imread, converted to RGB and passed to one
``Hands(static_image_mode=True, max_num_hands=2, model_complexity=1, min_detection_confidence=0.5)``; with
--out, one JSON line per image is written (as a real job would). Prints one JSON object: files, hands, the
loop's wall time (after the graph is built) and the whole run's, images/s, peak RSS.
"""

import argparse
import json
import os
import resource
import sys
import time

T_START = time.perf_counter()


def list_images(root):
    exts = (".jpg", ".jpeg", ".png")
    out = []
    for d, _, files in os.walk(root):
        out += [os.path.join(d, f) for f in files if f.lower().endswith(exts)]
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--model-complexity", type=int, default=1)
    ap.add_argument("--out")
    a = ap.parse_args()
    import cv2
    import mediapipe as mp

    files = list_images(a.folder)
    sink = open(a.out, "w") if a.out else None  # noqa: SIM115 (closed below; kept flat like a user loop)
    n_hands = 0
    with mp.solutions.hands.Hands(
        static_image_mode=True,
        max_num_hands=2,
        model_complexity=a.model_complexity,
        min_detection_confidence=0.5,
    ) as hands:
        t0 = time.perf_counter()
        for path in files:
            bgr = cv2.imread(path, cv2.IMREAD_COLOR)
            if bgr is None:
                continue
            res = hands.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            found = res.multi_hand_landmarks or []
            n_hands += len(found)
            if sink is not None:
                h, w = bgr.shape[:2]
                rec = {
                    "image": path,
                    "width": w,
                    "height": h,
                    "hands": [[[p.x, p.y, p.z] for p in lm.landmark] for lm in found],
                }
                sink.write(json.dumps(rec) + "\n")
        loop_s = time.perf_counter() - t0
    if sink is not None:
        sink.close()
    total_s = time.perf_counter() - T_START
    json.dump(
        {
            "mediapipe": mp.__version__,
            "files": len(files),
            "hands": n_hands,
            "loop_s": loop_s,
            "total_s": total_s,
            "images_per_s_loop": len(files) / loop_s,
            "images_per_s_total": len(files) / total_s,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
