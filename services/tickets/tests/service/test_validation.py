import time
import uuid

import jwt
import pytest
from sqlalchemy import text

from helpdesk_servicekit.devtoken import mint
from helpdesk_servicekit.testing.plugin import TEST_JWT_SECRET

from ..factories import a_ticket, agent, customer, open_ticket


async def count_rows(client) -> tuple[int, int, int]:
    async with client.app.state.sessions() as session:
        counts = []
        for table in ("tickets", "messages", "outbox"):
            counts.append((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
        return tuple(counts)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"description": "no subject"},
        {"subject": 42},
        {"subject": "x" * 251},
        {"subject": "   "},
        {"subject": "ok", "priority": "whenever"},
        {"subject": "ok", "priority": None},
        {"subject": "ok", "category_id": "not-a-uuid"},
        {"subject": "ok", "tags": "not-a-list"},
        {"subject": "ok", "surprise": True},
    ],
)
async def test_bad_ticket_input_is_a_422_problem_and_writes_nothing(client, body):
    before = await count_rows(client)
    response = await client.post("/v1/tickets", json=body, headers=customer())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422 and problem["errors"] and all("field" in e for e in problem["errors"])
    assert await count_rows(client) == before


async def test_malformed_json_is_a_422_problem(client):
    response = await client.post(
        "/v1/tickets", content=b"{not json", headers=customer() | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "body", [{"body": ""}, {"body": "   "}, {"body": 7}, {"body": "hi", "visibility": "secret"}, {}]
)
async def test_bad_message_input_is_a_422_and_writes_nothing(client, body):
    ticket = await open_ticket(client)
    before = await count_rows(client)
    response = await client.post(f"/v1/tickets/{ticket['id']}/messages", json=body, headers=agent())
    assert response.status_code == 422
    assert await count_rows(client) == before


async def test_an_unknown_status_is_a_422(client):
    ticket = await open_ticket(client)
    response = await client.post(f"/v1/tickets/{ticket['id']}/status", json={"status": "on_fire"}, headers=agent())
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/v1/tickets/123", "/v1/tickets/not-a-uuid/messages"])
async def test_non_uuid_ids_are_a_422(client, path):
    response = await client.get(path, headers=agent())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("path.")


def _token(**claims) -> str:
    now = int(time.time())
    base = {"sub": "u1", "merchant_id": "m1", "role": "agent", "aud": "helpdesk", "iat": now, "exp": now + 60}
    return jwt.encode(base | claims, TEST_JWT_SECRET, algorithm="HS256")


def _forged() -> str:
    now = int(time.time())
    claims = {"sub": "u1", "merchant_id": "m1", "role": "agent", "aud": "helpdesk", "exp": now + 60}
    return jwt.encode(claims, "forged-secret-of-sufficient-length-123456", algorithm="HS256")


def _unsigned() -> str:
    now = int(time.time())
    return jwt.encode(
        {"sub": "u1", "merchant_id": "m1", "role": "agent", "aud": "helpdesk", "exp": now + 60}, None, algorithm="none"
    )


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        f"Bearer {_token(exp=int(time.time()) - 10)}",
        f"Bearer {_forged()}",
        f"Bearer {_unsigned()}",
        f"Bearer {_token(aud='someone-else')}",
        f"Bearer {_token(role='superuser')}",
        "Bearer not.a.jwt",
    ],
    ids=["missing", "empty", "basic", "expired", "forged", "alg-none", "wrong-audience", "unknown-role", "garbage"],
)
async def test_a_bad_bearer_token_is_a_401(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.post("/v1/tickets", json=a_ticket(), headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    read = await client.get(f"/v1/tickets/{uuid.uuid4()}", headers=headers)
    assert read.status_code == 401


async def test_a_valid_dev_token_is_accepted(client):
    token = mint(TEST_JWT_SECRET, sub="c9", merchant_id="m1", role="customer")
    response = await client.get("/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
