"""The problem+json responses of every operation, declared in the OpenAPI document the way the kit gives them.

FastAPI declares only a route's success and a 422 shaped like its own validation error; our errors are RFC 9457
problems (`errors.py`) and come from the kit's dependencies and middleware too. `document_problems(app)` derives
each operation's error statuses from what the route uses: a bearer token (401), a role (403), path parameters
(404), parameters or a body (400 for text PostgreSQL refuses, 422), a JSON body (413), and any request (408/431
from the server's bounds on headers, 503 when the database or broker is away). A route declares what its use
case adds with `responses=problems(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from helpdesk_servicekit.auth import get_principal, require_roles
from helpdesk_servicekit.errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; a validation error lists each bad field in `errors`.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "trace_id": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    400: "a path or query parameter carries text that cannot be stored",
    401: "a valid bearer token is required",
    403: "the caller's role may not do this",
    404: "not found (another merchant's object is not found either)",
    409: "conflicts with the current state",
    410: "gone",
    408: "the request's headers took too long to arrive",
    413: "the JSON body is too large",
    422: "one or more fields are invalid",
    431: "the request's headers are too large",
    503: "the database or broker is unavailable; nothing was changed, retry",
}
# FastAPI's own 422 declaration, replaced by the problem one.
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the problems a route's use case adds, e.g. `problems(409)`."""
    return {status: {"description": DESCRIPTIONS[status]} for status in statuses}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def kit_statuses(route: APIRoute) -> set[int]:
    """The problem statuses the kit itself may answer on this route."""
    dependants = list(_dependants(route.dependant))
    calls = [d.call for d in dependants]
    statuses = {408, 431, 503}  # the HTTP server's bounds (httpserver.py) and an outage: any request
    if get_principal in calls:
        statuses.add(401)
    if any(getattr(call, "__qualname__", "").startswith(require_roles.__qualname__ + ".") for call in calls):
        statuses.add(403)
    if any(d.path_params for d in dependants):
        statuses.add(404)
    if any(d.path_params or d.query_params or d.header_params or d.body_params for d in dependants):
        statuses.update({400, 422})
    if any(d.body_params for d in dependants):
        statuses.add(413)
    return statuses


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}}


def declare(schema: dict[str, Any], routes: Sequence[Any], extra: Mapping[str, Sequence[int]]) -> dict[str, Any]:
    """Rewrite `schema`'s error responses as problem+json and add the kit's statuses per operation."""
    by_operation = {
        f"{method} {context.path_format}": context.route
        for context in iter_route_contexts(routes)
        if isinstance(context.route, APIRoute)
        for method in context.methods or ()
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            responses = operation.setdefault("responses", {})
            route = by_operation.get(label)
            statuses = (kit_statuses(route) if route else set()) | set(extra.get(label, ()))
            for status in statuses:
                responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    responses[status] = _problem_response(response.get("description") or DESCRIPTIONS[int(status)])
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_SCHEMAS:
        components.pop(name, None)
    components["Problem"] = PROBLEM_SCHEMA
    return schema


def document_problems(app: FastAPI, extra: Mapping[str, Sequence[int]] | None = None) -> FastAPI:
    """Make `app`'s OpenAPI document declare its problem+json responses; `extra` adds statuses by "METHOD /path"."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare(generate(), app.routes, extra or {})
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
