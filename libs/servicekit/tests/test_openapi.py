import uuid
from typing import Annotated

from fastapi import APIRouter, Body, FastAPI
from pydantic import BaseModel

from helpdesk_servicekit.auth import CurrentPrincipal, ManagerPrincipal
from helpdesk_servicekit.errors import PROBLEM_JSON
from helpdesk_servicekit.openapi import document_problems, problems


class Thing(BaseModel):
    name: str


def documented_app() -> FastAPI:
    router = APIRouter(prefix="/v1/things")

    @router.get("/{thing_id}", response_model=Thing)
    async def read(thing_id: uuid.UUID, principal: CurrentPrincipal) -> Thing:
        return Thing(name="x")

    @router.post("", status_code=201, response_model=Thing, responses=problems(409))
    async def create(data: Annotated[Thing, Body()], principal: ManagerPrincipal) -> Thing:
        return data

    @router.get("/public/count")
    async def count() -> int:
        return 0

    app = FastAPI()
    app.include_router(router)
    return document_problems(app, extra={"GET /v1/things/public/count": [410]})


def responses_of(app: FastAPI, method: str, path: str) -> dict:
    return app.openapi()["paths"][path][method]["responses"]


def test_each_operation_declares_the_problems_the_kit_gives_it():
    app = documented_app()
    anywhere = {"408", "431", "503"}  # the server's header bounds and an outage
    assert set(responses_of(app, "get", "/v1/things/{thing_id}")) == {"200", "400", "401", "404", "422"} | anywhere
    assert set(responses_of(app, "post", "/v1/things")) == {"201", "400", "401", "403", "409", "413", "422"} | anywhere
    assert set(responses_of(app, "get", "/v1/things/public/count")) == {"200", "410"} | anywhere


def test_every_error_response_is_a_problem_and_fastapis_own_422_shape_is_gone():
    app = documented_app()
    schema = app.openapi()
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
