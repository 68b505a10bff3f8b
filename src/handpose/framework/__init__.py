"""MediaPipe's ``mediapipe.framework`` import path, for the message modules in :mod:`.formats`."""
