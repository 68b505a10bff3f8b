"""MediaPipe's official Hands Python example, "For webcam input" part (google/mediapipe
docs/solutions/hands.md, Python Solution API), running on handpose.

Unchanged except ``import mediapipe as mp`` → ``import handpose as mp``. It shows frames with
``cv2.imshow``, which needs a desktop OpenCV build (``pip install opencv-python``). Without a display or a
camera, run it through examples/run_headless.py, which feeds a video file as camera 0 and saves the shown
frames as PNG files:

    python examples/run_headless.py examples/mediapipe_webcam.py --video hand.mp4 --display-dir shown/
"""

# ruff: noqa  (third-party tutorial code, kept exactly as published apart from the lines named above)
# fmt: off

import cv2
import handpose as mp
mp_drawing = mp.solutions.drawing_utils
mp_drawing_styles = mp.solutions.drawing_styles
mp_hands = mp.solutions.hands

# For webcam input:
cap = cv2.VideoCapture(0)
with mp_hands.Hands(
    model_complexity=0,
    min_detection_confidence=0.5,
    min_tracking_confidence=0.5) as hands:
  while cap.isOpened():
    success, image = cap.read()
    if not success:
      print("Ignoring empty camera frame.")
      # If loading a video, use 'break' instead of 'continue'.
      continue

    # To improve performance, optionally mark the image as not writeable to
    # pass by reference.
    image.flags.writeable = False
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    results = hands.process(image)

    # Draw the hand annotations on the image.
    image.flags.writeable = True
    image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    if results.multi_hand_landmarks:
      for hand_landmarks in results.multi_hand_landmarks:
        mp_drawing.draw_landmarks(
            image,
            hand_landmarks,
            mp_hands.HAND_CONNECTIONS,
            mp_drawing_styles.get_default_hand_landmarks_style(),
            mp_drawing_styles.get_default_hand_connections_style())
    # Flip the image horizontally for a selfie-view display.
    cv2.imshow('MediaPipe Hands', cv2.flip(image, 1))
    if cv2.waitKey(5) & 0xFF == 27:
      break
cap.release()
