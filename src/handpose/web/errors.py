"""The web app's client errors: one exception type carrying an HTTP status, a short code and a message."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A client error, answered as ``{"error": code, "detail": message}`` with ``status`` (always 4xx).

    Over the WebSocket the same error is sent as ``{"type": "error", "error": code, "detail": message}``.
    """

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail}


def payload_too_large(detail: str) -> ApiError:
    return ApiError(413, "payload_too_large", detail)


def unsupported_media_type(detail: str) -> ApiError:
    return ApiError(415, "unsupported_media_type", detail)


def unprocessable(detail: str) -> ApiError:
    return ApiError(422, "invalid_image", detail)
