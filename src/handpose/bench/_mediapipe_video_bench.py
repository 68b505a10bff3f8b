"""MediaPipe side of ``handpose bench --video``: legacy ``mp.solutions.hands`` in tracking mode on one video.

Runs under a *different* interpreter that has mediapipe==0.10.21 (it needs numpy<2), so it imports nothing
from handpose. Prints one JSON object on stdout.

usage: python _mediapipe_video_bench.py VIDEO [--frames N] [--model-complexity {0,1}]

Two timed passes, each with a fresh ``Hands(static_image_mode=False, max_num_hands=2, ...)`` whose first frame
is a warm-up outside the timing: "decode excluded" processes frames decoded beforehand; "decode included"
decodes (cv2.VideoCapture + BGR→RGB) inside the timed loop.
"""

import argparse
import json
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("video")
    ap.add_argument("--frames", type=int, default=0, help="use the first N frames (0: all)")
    ap.add_argument("--model-complexity", type=int, default=1, choices=[0, 1])
    a = ap.parse_args()
    import cv2
    import mediapipe as mp

    settings = dict(
        static_image_mode=False,
        max_num_hands=2,
        model_complexity=a.model_complexity,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    )

    def frames():
        cap = cv2.VideoCapture(a.video)
        n = 0
        try:
            while not a.frames or n < a.frames:
                ok, bgr = cap.read()
                if not ok:
                    return
                n += 1
                yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        finally:
            cap.release()

    t0 = time.perf_counter()
    rgbs = list(frames())
    decode_s = time.perf_counter() - t0
    if len(rgbs) < 2:
        print(json.dumps({"error": f"{a.video}: fewer than 2 frames"}))
        return 1
    hands_per_frame = []
    with mp.solutions.hands.Hands(**settings) as hands:
        hands.process(rgbs[0])
        c0, t0 = time.process_time(), time.perf_counter()
        for rgb in rgbs[1:]:
            res = hands.process(rgb)
            hands_per_frame.append(len(res.multi_hand_landmarks or []))
        excluded_s = time.perf_counter() - t0
        cpu_s = time.process_time() - c0
    with mp.solutions.hands.Hands(**settings) as hands:
        it = frames()
        hands.process(next(it))
        t0 = time.perf_counter()
        n = 0
        for rgb in it:
            hands.process(rgb)
            n += 1
        included_s = time.perf_counter() - t0
    timed = len(rgbs) - 1
    json.dump(
        {
            "engine": f"mediapipe {mp.__version__}",
            "frames": timed,
            "decode_s": decode_s,
            "fps_decode_excluded": timed / excluded_s,
            "fps_decode_included": n / included_s,
            "cpu_ms_per_frame": cpu_s / timed * 1000.0,
            "hands_per_frame": hands_per_frame,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
