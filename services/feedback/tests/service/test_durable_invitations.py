"""Invitations are durable timers: planned before a restart they are still sent, and two replicas send each once."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

from sqlalchemy import text

from helpdesk_feedback.main import build
from helpdesk_feedback.settings import FeedbackSettings
from helpdesk_servicekit.settings import Role
from helpdesk_servicekit.testing.plugin import running, service_settings

from ..harness import TicketStream, a_merchant, eventually, manager


async def test_invitations_planned_before_a_restart_are_sent_once_by_two_replicas(
    database_factory, amqp_url, amqp_namespace
):
    settings = service_settings(
        FeedbackSettings,
        database_url=await database_factory("feedback_replicas"),
        amqp_url=amqp_url,
        namespace=amqp_namespace,
        timer_max_sleep_seconds=0.2,
    )
    merchant = a_merchant()
    # First an API-only process: the invitations are planned (timer rows) but no timer worker runs.
    async with running(build(settings.model_copy(update={"role": Role.API}))) as first:
        configured = await first.patch(
            "/v1/surveys/settings",
            json={"csat": {"enabled": True, "delay_seconds": 1}, "nps": {"enabled": True, "delay_seconds": 1}},
            headers=manager(merchant),
        )
        assert configured.status_code == 200
        service = SimpleNamespace(sessions=first.app.state.sessions)
        tickets = [TicketStream(service, merchant) for _ in range(10)]  # type: ignore[arg-type]
        for ticket in tickets:
            await ticket.created()
            await ticket.resolved()
        async with first.app.state.sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM timers")) == 20
            assert await session.scalar(text("SELECT count(*) FROM outbox WHERE event_type = 'survey.invited'")) == 0
    # That process is gone; two replicas with timer workers start on the same database.
    async with contextlib.AsyncExitStack() as stack:
        replicas = [await stack.enter_async_context(running(build(settings))) for _ in range(2)]
        sessions = replicas[0].app.state.sessions

        async def invited() -> list[str]:
            async with sessions() as session:
                rows = await session.execute(
                    text("SELECT envelope->'payload'->>'invitation_id' FROM outbox WHERE event_type = 'survey.invited'")
                )
                return [row[0] for row in rows]

        await eventually(lambda: _at_least(invited, 20), timeout=20)
        await asyncio.sleep(0.5)
        sent = await invited()
        assert len(sent) == len(set(sent)) == 20


async def _at_least(query, count: int) -> bool:
    return len(await query()) >= count
