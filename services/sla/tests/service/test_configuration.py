"""Calendars and policies over HTTP: versions, roles, tenancy and validation."""

import uuid

import pytest
from sqlalchemy import text

from ..harness import a_calendar, a_merchant, a_policy, agent, customer, manager


async def count_rows(sla) -> tuple[int, ...]:
    async with sla.sessions() as session:
        tables = ("sla_policies", "sla_policy_versions", "sla_calendars", "sla_calendar_versions")
        return tuple([(await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() for table in tables])


async def test_a_manager_creates_a_policy_and_agents_read_it(sla):
    merchant = a_merchant()
    calendar = await sla.create_calendar(merchant)
    created = await sla.create_policy(
        merchant,
        priority="high",
        tags=["VIP Customer", "eu"],
        calendar_id=calendar["id"],
        warn_at_percent=75,
        escalation=[{"level": 2, "after_breach_seconds": 0}, {"level": 3, "after_breach_seconds": 3600}],
    )

    read = await sla.http.get(f"/v1/sla/policies/{created['id']}", headers=agent(merchant))
    listed = await sla.http.get("/v1/sla/policies", headers=agent(merchant))

    assert read.status_code == 200 and read.json() == created
    assert created["version"] == 1 and created["active"] is True
    assert created["tags"] == ["vip-customer", "eu"]
    assert created["pause_statuses"] == ["waiting_customer"]
    assert created["escalation"][1] == {"level": 3, "after_breach_seconds": 3600, "metric": "resolution"}
    assert [p["id"] for p in listed.json()["items"]] == [created["id"]]


async def test_editing_a_policy_creates_a_new_version_and_keeps_the_old_one(sla):
    merchant = a_merchant()
    created = await sla.create_policy(merchant, resolution_seconds=7200)
    replaced = await sla.http.put(
        f"/v1/sla/policies/{created['id']}", json=a_policy(resolution_seconds=3600), headers=manager(merchant)
    )
    versions = await sla.http.get(f"/v1/sla/policies/{created['id']}/versions", headers=agent(merchant))
    first = await sla.http.get(f"/v1/sla/policies/{created['id']}/versions/1", headers=agent(merchant))

    assert replaced.status_code == 200
    assert (replaced.json()["version"], replaced.json()["resolution_seconds"]) == (2, 3600)
    assert [(v["version"], v["resolution_seconds"]) for v in versions.json()] == [(2, 3600), (1, 7200)]
    assert first.json()["resolution_seconds"] == 7200


async def test_a_deactivated_policy_is_listed_only_on_request(sla):
    merchant = a_merchant()
    created = await sla.create_policy(merchant)
    deleted = await sla.http.delete(f"/v1/sla/policies/{created['id']}", headers=manager(merchant))
    active = await sla.http.get("/v1/sla/policies", headers=agent(merchant))
    everything = await sla.http.get("/v1/sla/policies?include_inactive=true", headers=agent(merchant))

    assert deleted.status_code == 204
    assert active.json()["items"] == []
    assert [p["active"] for p in everything.json()["items"]] == [False]


async def test_policies_are_listed_newest_first_a_page_at_a_time(sla):
    merchant = a_merchant()
    ids = [(await sla.create_policy(merchant, name=f"policy {n}"))["id"] for n in range(3)]
    first = (await sla.http.get("/v1/sla/policies?limit=2", headers=agent(merchant))).json()
    second = (
        await sla.http.get(f"/v1/sla/policies?limit=2&cursor={first['next_cursor']}", headers=agent(merchant))
    ).json()

    assert [p["id"] for p in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


async def test_a_calendar_is_versioned_on_edit(sla):
    merchant = a_merchant()
    calendar = await sla.create_calendar(
        merchant,
        weekly_hours=[
            {"day": "monday", "start": "08:00", "end": "12:00"},
            {"day": "monday", "start": "13:00", "end": "17:00"},
            {"day": "friday", "start": "22:00", "end": "06:00"},
        ],
        holidays=[{"date": "2024-12-25"}, {"date": "2024-12-24", "start": "12:00", "end": "00:00"}],
    )
    replaced = await sla.http.put(
        f"/v1/sla/calendars/{calendar['id']}", json=a_calendar(time_zone="America/New_York"), headers=manager(merchant)
    )
    read = await sla.http.get(f"/v1/sla/calendars/{calendar['id']}", headers=agent(merchant))

    assert calendar["version"] == 1 and len(calendar["weekly_hours"]) == 3
    assert calendar["holidays"][1] == {"date": "2024-12-24", "start": "12:00:00", "end": "00:00:00", "name": None}
    assert replaced.json()["version"] == 2
    assert read.json()["time_zone"] == "America/New_York"


async def test_an_idempotency_key_makes_a_retried_create_return_the_first_result(sla):
    merchant = a_merchant()
    headers = manager(merchant) | {"Idempotency-Key": "create-once"}
    first = await sla.http.post("/v1/sla/policies", json=a_policy(), headers=headers)
    again = await sla.http.post("/v1/sla/policies", json=a_policy(), headers=headers)
    listed = await sla.http.get("/v1/sla/policies", headers=agent(merchant))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len(listed.json()["items"]) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/sla/policies"),
        ("put", "/v1/sla/policies/{policy}"),
        ("delete", "/v1/sla/policies/{policy}"),
        ("post", "/v1/sla/policies/{policy}/replan"),
        ("post", "/v1/sla/calendars"),
        ("put", "/v1/sla/calendars/{calendar}"),
        ("post", "/v1/sla/calendars/{calendar}/replan"),
    ],
)
async def test_only_managers_write_policies_and_calendars(sla, method, path):
    merchant = a_merchant()
    policy, calendar = await sla.create_policy(merchant), await sla.create_calendar(merchant)
    url = path.format(policy=policy["id"], calendar=calendar["id"])
    body = a_calendar() if "calendars" in path else a_policy()
    before = await count_rows(sla)
    for who in (agent(merchant), customer(merchant)):
        kwargs = {"json": body} if method in ("post", "put") and not url.endswith("replan") else {}
        response = await getattr(sla.http, method)(url, headers=who, **kwargs)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await count_rows(sla) == before


@pytest.mark.parametrize(
    "path",
    ["/v1/sla/policies", "/v1/sla/policies/{policy}", "/v1/sla/calendars", "/v1/sla/calendars/{calendar}"],
)
async def test_customers_cannot_read_the_configuration(sla, path):
    merchant = a_merchant()
    policy, calendar = await sla.create_policy(merchant), await sla.create_calendar(merchant)
    response = await sla.http.get(path.format(policy=policy["id"], calendar=calendar["id"]), headers=customer(merchant))
    assert response.status_code == 403


async def test_another_merchants_policy_and_calendar_are_not_found(sla):
    mine, theirs = a_merchant(), a_merchant()
    policy, calendar = await sla.create_policy(theirs), await sla.create_calendar(theirs)

    responses = [
        await sla.http.get(f"/v1/sla/policies/{policy['id']}", headers=manager(mine)),
        await sla.http.put(f"/v1/sla/policies/{policy['id']}", json=a_policy(), headers=manager(mine)),
        await sla.http.delete(f"/v1/sla/policies/{policy['id']}", headers=manager(mine)),
        await sla.http.get(f"/v1/sla/policies/{policy['id']}/versions", headers=manager(mine)),
        await sla.http.get(f"/v1/sla/calendars/{calendar['id']}", headers=manager(mine)),
        await sla.http.put(f"/v1/sla/calendars/{calendar['id']}", json=a_calendar(), headers=manager(mine)),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    listed = await sla.http.get("/v1/sla/policies", headers=manager(mine))
    assert listed.json()["items"] == []


async def test_a_policy_naming_another_merchants_calendar_is_a_422(sla):
    mine, theirs = a_merchant(), a_merchant()
    calendar = await sla.create_calendar(theirs)
    response = await sla.http.post("/v1/sla/policies", json=a_policy(calendar_id=calendar["id"]), headers=manager(mine))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.calendar_id"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_response_seconds": -5}, "body.first_response_seconds"),
        ({"resolution_seconds": 0}, "body.resolution_seconds"),
        ({"first_response_seconds": None, "resolution_seconds": None}, "body"),
        ({"calendar_id": str(uuid.uuid4())}, "body.calendar_id"),
        ({"priority": "whenever"}, "body.priority"),
        ({"warn_at_percent": 150}, "body.warn_at_percent"),
        ({"warn_before_seconds": 7200, "first_response_seconds": 3600}, "body.warn_before_seconds"),
        ({"warn_before_seconds": 60, "warn_at_percent": 50}, "body.warn_before_seconds"),
        ({"escalation": [{"level": 4, "after_breach_seconds": 0}]}, "body.escalation.0.level"),
        ({"escalation": [{"level": 3, "after_breach_seconds": 0}, {"level": 2, "after_breach_seconds": 5}]}, None),
        ({"escalation": [{"level": 2, "after_breach_seconds": -1}]}, "body.escalation.0.after_breach_seconds"),
        ({"escalation": [{"level": 2, "metric": "next_response"}]}, "body.escalation"),
        ({"pause_statuses": ["closed"]}, "body.pause_statuses.0"),
        ({"name": ""}, "body.name"),
        ({"surprise": True}, "body.surprise"),
    ],
)
async def test_a_bad_policy_is_a_422_naming_the_field_and_stores_nothing(sla, changes, field):
    merchant = a_merchant()
    before = await count_rows(sla)
    response = await sla.http.post("/v1/sla/policies", json=a_policy(**changes), headers=manager(merchant))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert errors and all("field" in error for error in errors)
    if field is not None:
        assert field in [error["field"] for error in errors]
    assert await count_rows(sla) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "body.time_zone"),
        ({"weekly_hours": []}, "body.weekly_hours"),
        (
            {
                "weekly_hours": [
                    {"day": "monday", "start": "09:00", "end": "13:00"},
                    {"day": "monday", "start": "12:00", "end": "17:00"},
                ]
            },
            "body.weekly_hours",
        ),
        (
            {
                "weekly_hours": [
                    {"day": "sunday", "start": "22:00", "end": "04:00"},
                    {"day": "monday", "start": "03:00", "end": "05:00"},
                ]
            },
            "body.weekly_hours",
        ),
        ({"weekly_hours": [{"day": "monday", "start": "09:00", "end": "09:00"}]}, "body.weekly_hours"),
        ({"weekly_hours": [{"day": "someday", "start": "09:00", "end": "17:00"}]}, "body.weekly_hours.0.day"),
        ({"weekly_hours": [{"day": "monday", "start": "25:00", "end": "17:00"}]}, "body.weekly_hours.0.start"),
        ({"always_open": True}, "body.always_open"),
        ({"holidays": [{"date": "2024-12-24", "start": "12:00"}]}, "body.holidays.0"),
        ({"holidays": [{"date": "not-a-date"}]}, "body.holidays.0.date"),
    ],
)
async def test_a_bad_calendar_is_a_422_naming_the_field_and_stores_nothing(sla, changes, field):
    merchant = a_merchant()
    before = await count_rows(sla)
    response = await sla.http.post("/v1/sla/calendars", json=a_calendar(**changes), headers=manager(merchant))

    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert await count_rows(sla) == before


async def test_an_always_open_calendar_needs_no_hours(sla):
    merchant = a_merchant()
    response = await sla.http.post(
        "/v1/sla/calendars", json=a_calendar(always_open=True, weekly_hours=[]), headers=manager(merchant)
    )
    assert response.status_code == 201 and response.json()["always_open"] is True
