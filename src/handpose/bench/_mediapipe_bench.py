"""MediaPipe side of ``handpose bench``. Runs under a *different* interpreter that has MediaPipe (0.10.21 needs
numpy<2), so it imports nothing from handpose. Prints one JSON object on stdout.

usage: python _mediapipe_bench.py static IMAGE [IMAGE ...] --passes N --model-complexity {0,1}
       python _mediapipe_bench.py tasks IMAGE [IMAGE ...] --passes N --task hand_landmarker.task

``static``: legacy ``solutions.hands`` (static_image_mode=True, max_num_hands=2); ``tasks``: the Tasks
``HandLandmarker`` in IMAGE mode (num_hands=2), as MediaPipe 1.x offers it. Each image is run once to warm up,
then ``passes`` times; besides each image's median latency, the whole timed loop's wall and process CPU time
(every thread of the process) are reported.
"""

import argparse
import json
import statistics
import sys
import time


def make_runner(a):
    """(a callable taking an RGB array and returning the number of hands, a close function)."""
    import mediapipe as mp

    if a.mode == "static":
        hands = mp.solutions.hands.Hands(
            static_image_mode=True,
            max_num_hands=2,
            model_complexity=a.model_complexity,
            min_detection_confidence=0.5,
        )
        return (lambda rgb: len(hands.process(rgb).multi_hand_landmarks or [])), hands.close
    vision = mp.tasks.vision
    options = vision.HandLandmarkerOptions(
        base_options=mp.tasks.BaseOptions(model_asset_path=a.task),
        running_mode=vision.RunningMode.IMAGE,
        num_hands=2,
    )
    landmarker = vision.HandLandmarker.create_from_options(options)

    def run(rgb):
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        return len(landmarker.detect(image).hand_landmarks)

    return run, landmarker.close


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["static", "tasks"])
    ap.add_argument("images", nargs="+")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--model-complexity", type=int, default=1)
    ap.add_argument("--task", help="tasks mode: the hand_landmarker.task bundle")
    a = ap.parse_args()
    import cv2
    import mediapipe as mp

    rgbs = []
    for path in a.images:
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is not None:
            rgbs.append((path, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    run, close = make_runner(a)
    hands_found = {path: run(rgb) for path, rgb in rgbs}  # warm-up, and the answer
    times = {path: [] for path, _ in rgbs}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(a.passes):
        for path, rgb in rgbs:
            t0 = time.perf_counter()
            run(rgb)
            times[path].append(time.perf_counter() - t0)
    loop_wall, loop_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    close()
    json.dump(
        {
            "mediapipe": mp.__version__,
            "api": "solutions.hands" if a.mode == "static" else "tasks HandLandmarker",
            "per_image_s": {path: statistics.median(t) for path, t in times.items()},
            "hands": hands_found,
            "loop_wall_s": loop_wall,
            "loop_cpu_s": loop_cpu,
            "loop_images": a.passes * len(rgbs),
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
