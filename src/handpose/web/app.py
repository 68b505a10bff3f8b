"""The FastAPI application: the page, the REST API and the WebSocket. Build it with :func:`create_app`."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import MissingExtraError

try:
    import fastapi
    from fastapi import FastAPI, Query, Request, WebSocket
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, JSONResponse, Response
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.requests import ClientDisconnect
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
    raise MissingExtraError(exc.name or "fastapi", "web") from exc

from .config import WebConfig
from .engine import GENERIC_TYPES, IMAGE_TYPES, Engine, normalize_media_type
from .errors import ApiError, payload_too_large, unsupported_media_type
from .security import GuardMiddleware
from .stream import handle_stream

log = logging.getLogger("handpose.web")

STATIC_DIR = Path(str(files("handpose.web") / "static"))

_IMAGE_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The image: a multipart form with a `file` field, or the raw image bytes "
        "(Content-Type image/jpeg, image/png, image/webp, image/bmp or application/octet-stream).",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
_ERRORS_DOC: dict[int | str, dict[str, Any]] = {
    413: {"description": "body over max_upload_bytes, or image over max_pixels"},
    415: {"description": "not a JPEG/PNG/WebP/BMP image, or not the declared type"},
    422: {"description": "empty, corrupt or undecodable image; bad query parameter"},
    429: {"description": "too many requests in progress; retry later"},
}


async def read_image_request(request: Request, max_bytes: int) -> tuple[bytes, str, str]:
    """The image in a request: ``(bytes, declared media type, name)``; multipart ``file`` field or raw body.

    The body is read in chunks and refused with 413 as soon as it passes ``max_bytes`` (or at once when
    ``Content-Length`` says so); other content types than multipart and image/octet-stream get 415.
    """
    declared_length = request.headers.get("content-length")
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > max_bytes:
        raise payload_too_large(f"request body of {declared_length} bytes is over the {max_bytes}-byte limit")
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > max_bytes:
                raise payload_too_large(f"request body is over the {max_bytes}-byte limit")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise ApiError(
            400, "bad_request", "the client closed the connection before sending the body"
        ) from exc
    body = b"".join(chunks)
    content_type = normalize_media_type(request.headers.get("content-type"))
    if content_type in IMAGE_TYPES or content_type in GENERIC_TYPES:
        return body, content_type, "upload"
    if content_type != "multipart/form-data":
        raise unsupported_media_type(
            f"content type {content_type!r} is not accepted: send multipart/form-data with a 'file' field, "
            "or the image bytes as image/jpeg, image/png, image/webp, image/bmp or "
            "application/octet-stream"
        )
    replayed = False

    async def replay() -> dict[str, Any]:
        nonlocal replayed
        if replayed:
            return {"type": "http.disconnect"}
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=16)
    except StarletteHTTPException as exc:  # Starlette's multipart parser refused the body
        raise ApiError(400, "bad_multipart", f"malformed multipart body: {exc.detail}") from exc
    except ValueError as exc:  # e.g. no boundary in the Content-Type
        raise ApiError(400, "bad_multipart", f"malformed multipart body: {exc}") from exc
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "invalid_request", "multipart body needs an image in a field named 'file'")
        data = await upload.read()
        name = os.path.basename((upload.filename or "upload").replace("\\", "/"))[:200] or "upload"
        return data, upload.content_type or "", name
    finally:
        await form.close()


def create_app(config: WebConfig | None = None, **overrides: Any) -> FastAPI:
    """The FastAPI app for ``config`` (or ``WebConfig(**overrides)``, e.g. ``create_app(save_dir="shots")``).

    The landmarker of ``config.model`` loads at start-up; the other model loads on first use. Needs the
    ``[web]`` extra (FastAPI, uvicorn, python-multipart).
    """
    if config is None:
        config = WebConfig(**overrides)
    elif overrides:
        raise TypeError("pass either a WebConfig or keyword settings, not both")
    engine = Engine(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await engine.run(engine.landmarker, config.model)
        yield
        engine.close()

    app = FastAPI(
        title="handpose",
        version=__version__,
        summary="Hand landmarks (MediaPipe Hands on ONNX Runtime): REST API and live webcam page.",
        docs_url=None,  # FastAPI's Swagger page loads from a CDN; /docs is our offline page instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.config = config
    app.add_middleware(GuardMiddleware, allowed_hosts=config.allowed_hosts)
    log.debug("FastAPI %s, static files in %s", fastapi.__version__, STATIC_DIR)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}.get(exc.status_code, "error")
        return JSONResponse({"error": code, "detail": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()]
        return JSONResponse({"error": "invalid_request", "detail": "; ".join(parts)[:1000]}, status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal_error", "detail": type(exc).__name__}, status_code=500)

    async def image_and_result(
        request: Request, model: str | None, max_hands: int | None, thorough: bool = False
    ) -> tuple[Any, Any, str]:
        if engine.requests >= config.max_requests:
            raise ApiError(
                429,
                "too_many_requests",
                f"{config.max_requests} requests are in progress, the limit; retry shortly",
                headers={"Retry-After": "1"},
            )
        engine.requests += 1
        try:
            data, declared, name = await read_image_request(request, config.max_upload_bytes)
            rgb = await engine.decode_async(data, declared, name)
            result, _ = await engine.detect_async(
                rgb, model or config.model, max_hands or config.max_hands, thorough=thorough
            )
        finally:
            engine.requests -= 1
        return rgb, result, name

    hands_query = Query(
        None, ge=1, le=config.max_hands_limit, description="hands to find (default: server's)"
    )
    model_query = Query(None, pattern="^(full|lite)$", description="model variant (default: server's)")

    @app.post("/v1/detect", openapi_extra=_IMAGE_BODY_DOC, responses=_ERRORS_DOC, tags=["detect"])
    async def detect(
        request: Request,
        annotate: bool = Query(False, description="return the annotated image as JPEG instead of JSON"),
        model: str | None = model_query,
        max_hands: int | None = hands_query,
        thorough: bool = Query(
            False, description="also search for small, far and many hands (several times slower)"
        ),
    ) -> Response:
        """Hands in one image: `{"image", "width", "height", "hands": [...]}` as `handpose detect --json`."""
        rgb, result, name = await image_and_result(request, model, max_hands, thorough)
        if annotate:
            jpeg = await engine.run(engine.annotated_jpeg, rgb, result)
            return Response(jpeg, media_type="image/jpeg")
        return JSONResponse({"image": name, **result.to_dict()})

    @app.post("/v1/captures", openapi_extra=_IMAGE_BODY_DOC, responses=_ERRORS_DOC, tags=["captures"])
    async def capture(
        request: Request, model: str | None = model_query, max_hands: int | None = hands_query
    ) -> JSONResponse:
        """Detect, draw the hands, save the annotated photo as `<uuid1>.jpg`; its name, URL and the hands."""
        rgb, result, _ = await image_and_result(request, model, max_hands)
        name = await engine.run(engine.save_capture, rgb, result)
        body = {"name": name, "url": f"/v1/captures/{name}", "image": name, **result.to_dict()}
        return JSONResponse(body, status_code=201)

    @app.get("/v1/captures", tags=["captures"])
    async def list_captures() -> dict[str, Any]:
        """Saved captures, newest first: `{"captures": [{"name", "url", "bytes", "created"}], "total"}`."""
        shown, total = await engine.run(engine.list_captures)
        return {"captures": shown, "total": total}

    @app.get("/v1/captures/{name}", tags=["captures"], response_class=FileResponse)
    async def get_capture(name: str) -> FileResponse:
        """One saved capture (image/jpeg). Names: a UUID + `.jpg`, as `str(uuid.uuid1()) + '.jpg'` (with dashes,
        what the server writes) or 32 lowercase hex digits (older captures); nothing else is looked up."""
        path = engine.capture_path(name)
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/v1/health", tags=["status"])
    async def health() -> dict[str, Any]:
        """Liveness, loaded models, open connections and the limits in force."""
        return {
            "status": "ok",
            "version": __version__,
            "default_model": config.model,
            "models_loaded": engine.loaded_models,
            "connections": engine.connections,
            "requests_in_progress": engine.requests,
            "limits": {
                "max_upload_bytes": config.max_upload_bytes,
                "max_pixels": config.max_pixels,
                "max_frame_bytes": config.max_frame_bytes,
                "max_fps": config.max_fps,
                "max_connections": config.max_connections,
                "max_requests": config.max_requests,
                "max_hands": config.max_hands_limit,
            },
        }

    @app.websocket("/v1/stream")
    async def stream(websocket: WebSocket) -> None:
        await handle_stream(websocket, engine)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> FileResponse:
        return FileResponse(STATIC_DIR / "docs.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
