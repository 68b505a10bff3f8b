"""``mediapipe.framework.formats.annotation``: ``rasterization_pb2`` (used by ``location_data_pb2``)."""
