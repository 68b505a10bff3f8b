"""The classic "hand pose estimation with MediaPipe" tutorial, running on handpose.

This is the tutorial's code unchanged except for its first line, ``import mediapipe as mp`` →
``import handpose as mp``. Two things are not part of the loop below:
- the notebook's earlier cell ``os.mkdir('Output Images')`` (here ``os.makedirs(..., exist_ok=True)``, so the
  script can run twice);
- its display calls (``cv2.imshow('Hand Tracking', image)`` / ``cv2.waitKey(10)``): headless OpenCV has no
  windows; the loop ends when the camera stops delivering frames.

Run it with a webcam (camera 0):            python examples/tutorial_seed.py
or on a video file instead of the camera:   python examples/run_headless.py examples/tutorial_seed.py \
                                                --video hand.mp4 --max-frames 50
Annotated frames are written to ./Output Images/<uuid>.jpg.
"""

# ruff: noqa  (third-party tutorial code, kept exactly as published apart from the lines named above)
# fmt: off

import handpose as mp
import cv2
import numpy as np
import uuid
import os

mp_drawing = mp.solutions.drawing_utils
mp_hands = mp.solutions.hands

os.makedirs('Output Images', exist_ok=True)

cap = cv2.VideoCapture(0)

with mp_hands.Hands(min_detection_confidence=0.8, min_tracking_confidence=0.5) as hands:
    while cap.isOpened():
        ret, frame = cap.read()

        # BGR 2 RGB
        image = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

        # Flip on horizontal
        image = cv2.flip(image, 1)

        # Set flag
        image.flags.writeable = False

        # Detections
        results = hands.process(image)

        # Set flag to true
        image.flags.writeable = True

        # RGB 2 BGR
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)

        # Rendering results
        if results.multi_hand_landmarks:
            for num, hand in enumerate(results.multi_hand_landmarks):
                mp_drawing.draw_landmarks(image, hand, mp_hands.HAND_CONNECTIONS,
                                          mp_drawing.DrawingSpec(color=(121, 22, 76), thickness=2, circle_radius=4),
                                          mp_drawing.DrawingSpec(color=(250, 44, 250), thickness=2, circle_radius=2),
                                          )

        # Save our image
        cv2.imwrite(os.path.join('Output Images', '{}.jpg'.format(uuid.uuid1())), image)

cap.release()
