"""Pipeline constants, each from the MediaPipe graph or calculator it comes from (mediapipe 0.10.21).

Graphs live under mediapipe/modules/{palm_detection,hand_landmark}/ in google/mediapipe.
"""

from __future__ import annotations

import math

# palm_detection_cpu.pbtxt — ImageToTensorCalculator: 192x192, keep_aspect_ratio, range [0, 1], BORDER_ZERO.
PALM_INPUT_SIZE = 192

# palm_detection_cpu.pbtxt — SsdAnchorsCalculator options.
ANCHOR_NUM_LAYERS = 4
ANCHOR_MIN_SCALE = 0.1484375
ANCHOR_MAX_SCALE = 0.75
ANCHOR_OFFSET = 0.5
ANCHOR_STRIDES = (8, 16, 16, 16)
ANCHOR_ASPECT_RATIOS = (1.0,)
ANCHOR_INTERPOLATED_SCALE_ASPECT_RATIO = 1.0  # SsdAnchorsCalculatorOptions default
NUM_ANCHORS = 2016

# palm_detection_cpu.pbtxt — TensorsToDetectionsCalculator options.
PALM_NUM_COORDS = 18
PALM_NUM_KEYPOINTS = 7
PALM_BOX_SCALE = 192.0  # x_scale, y_scale, w_scale, h_scale
PALM_SCORE_CLIP = 100.0  # score_clipping_thresh (sigmoid_score: true)

# palm_detection_cpu.pbtxt — NonMaxSuppressionCalculator: WEIGHTED, INTERSECTION_OVER_UNION.
PALM_NMS_IOU = 0.3

# palm_detection_detection_to_roi.pbtxt — DetectionsToRectsCalculator + RectTransformationCalculator.
PALM_ROTATION_START_KEYPOINT = 0  # centre of wrist
PALM_ROTATION_END_KEYPOINT = 2  # MCP of middle finger
TARGET_ANGLE = math.pi / 2  # rotation_vector_target_angle_degrees: 90
PALM_ROI_SCALE = 2.6
PALM_ROI_SHIFT_Y = -0.5

# hand_landmark_cpu.pbtxt — ImageToTensorCalculator 224x224 (default border mode BORDER_REPLICATE),
# TensorsToLandmarksCalculator normalize_z 0.4, ThresholdingCalculator on the presence score.
LANDMARK_INPUT_SIZE = 224
LANDMARK_NORMALIZE_Z = 0.4
NUM_LANDMARKS = 21

# hand_landmark_landmarks_to_roi.pbtxt — HandLandmarksToRectCalculator (12-landmark subset) +
# RectTransformationCalculator.
ROI_LANDMARK_SUBSET = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)
# Indices into that subset used for the rotation: wrist, then mean(mean(index MCP, ring MCP), middle MCP).
ROI_SUBSET_WRIST = 0
ROI_SUBSET_INDEX_MCP = 4
ROI_SUBSET_MIDDLE_MCP = 6
ROI_SUBSET_RING_MCP = 8
LANDMARK_ROI_SCALE = 2.0
LANDMARK_ROI_SHIFT_Y = -0.1

# hand_landmark_tracking_cpu.pbtxt — AssociationNormRectCalculator min_similarity_threshold.
ASSOCIATION_IOU = 0.5

# handedness.txt: class 0 = Left, 1 = Right (labels as MediaPipe's legacy solution reports them).
HANDEDNESS_LABELS = ("Left", "Right")
