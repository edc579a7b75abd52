"""RFC 9457 problem+json for every error path; errors are exceptions carrying status and type."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from helpdesk_servicekit.failures import infrastructure_failure
from helpdesk_servicekit.telemetry import current_trace_id

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://helpdesk.dev/problems/"


class Problem(Exception):
    """An error the API renders as problem+json; subclasses fix status and type."""

    status: int = 400
    type_slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body = {"type": TYPE_BASE + self.type_slug, "title": self.title, "status": self.status, "detail": self.detail}
        if instance:
            body["instance"] = instance
        return body | self.extensions


class Unauthorized(Problem):
    status, type_slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, type_slug, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, type_slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, type_slug, title = 409, "conflict", "Conflict"


class InvalidTransition(Conflict):
    type_slug, title = "invalid-transition", "Transition not allowed"


class Unprocessable(Problem):
    status, type_slug, title = 422, "validation-error", "Request validation failed"


class PayloadTooLarge(Problem):
    status, type_slug, title = 413, "payload-too-large", "Payload too large"


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "code": err["type"]}
        for err in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error as problem+json; an unhandled one is a 500 with a trace id, no stack trace."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(exc.status, exc.body(request.url.path), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = Unprocessable("one or more fields are invalid").body(request.url.path)
        return problem_response(422, body | {"errors": _field_errors(exc)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}.get(
            exc.status_code, "http-error"
        )
        body = {
            "type": TYPE_BASE + slug,
            "title": str(exc.detail),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        }
        return problem_response(exc.status_code, body, getattr(exc, "headers", None))

    # Handlers keyed by Exception run in Starlette's ServerErrorMiddleware, which re-raises after answering (uvicorn
    # then logs a traceback for every 503); the classes infrastructure failures come as are handled one layer in.
    @app.exception_handler(sa_exc.DBAPIError)
    @app.exception_handler(sa_exc.TimeoutError)
    @app.exception_handler(asyncpg.PostgresError)
    @app.exception_handler(asyncpg.InterfaceError)
    @app.exception_handler(OSError)
    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        if reason := infrastructure_failure(exc):
            # Nothing was committed; the client may retry (safely, with an Idempotency-Key on creating POSTs).
            log.warning("503 on %s %s: %s (%s)", request.method, request.url.path, reason, type(exc).__name__)
            body = {
                "type": TYPE_BASE + "service-unavailable",
                "title": "Service temporarily unavailable",
                "status": 503,
                "detail": f"{reason}; nothing was changed, retry shortly",
                "instance": request.url.path,
            }
            return problem_response(503, body, {"Retry-After": "1" if "conflict" in reason else "5"})
        trace_id = current_trace_id()
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = {
            "type": TYPE_BASE + "internal-error",
            "title": "Internal server error",
            "status": 500,
            "detail": "the server failed to handle this request",
            "instance": request.url.path,
            "trace_id": trace_id,
        }
        return problem_response(500, body)
