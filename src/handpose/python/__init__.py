"""MediaPipe's ``mediapipe.python`` import path: only :mod:`.solutions` (the Hands modules)."""
