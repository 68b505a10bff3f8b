"""MediaPipe side of ``handpose bench``. Runs under a *different* interpreter that has mediapipe==0.10.21
(it needs numpy<2), so it imports nothing from handpose. Prints one JSON object on stdout.

usage: python _mediapipe_bench.py static IMAGE [IMAGE ...] --passes N --model-complexity {0,1}
"""

import argparse
import json
import statistics
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["static"])
    ap.add_argument("images", nargs="+")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--model-complexity", type=int, default=1)
    a = ap.parse_args()
    import cv2
    import mediapipe as mp

    rgbs = []
    for path in a.images:
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is not None:
            rgbs.append((path, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    per_image = {}
    hands_found = {}
    with mp.solutions.hands.Hands(
        static_image_mode=True,
        max_num_hands=2,
        model_complexity=a.model_complexity,
        min_detection_confidence=0.5,
    ) as hands:
        for path, rgb in rgbs:
            res = hands.process(rgb)  # warm-up
            hands_found[path] = len(res.multi_hand_landmarks or [])
            times = []
            for _ in range(a.passes):
                t0 = time.perf_counter()
                hands.process(rgb)
                times.append(time.perf_counter() - t0)
            per_image[path] = statistics.median(times)
    json.dump({"mediapipe": mp.__version__, "per_image_s": per_image, "hands": hands_found}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
