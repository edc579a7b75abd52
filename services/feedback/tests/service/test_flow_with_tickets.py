"""Over the real broker with the tickets service running: resolving a ticket produces the invitation, and
answering it produces `survey.responded` with the assignee."""

from __future__ import annotations

import contextlib

from helpdesk_contracts import make_envelope
from helpdesk_contracts.routing import AgentUpserted
from helpdesk_feedback.settings import FeedbackSettings
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.plugin import bearer, running, service_settings
from helpdesk_servicekit.testing.tap import EventTap

from ..harness import a_merchant, eventually


async def test_a_resolved_ticket_is_surveyed_and_the_answer_names_its_assignee(
    database_factory, amqp_url, amqp_namespace
):
    from helpdesk_feedback.main import build as build_feedback
    from helpdesk_tickets.main import build as build_tickets
    from helpdesk_tickets.settings import TicketsSettings

    merchant = a_merchant()
    # A customer's contact details come from their account's token claims (never from a request body).
    customer = bearer("cust-flow", merchant, "customer", email="ada@example.com", name="Ada")
    manager = bearer("mgr-flow", merchant, "manager")
    agent = bearer("agent-flow", merchant, "agent")
    common = {"amqp_url": amqp_url, "namespace": amqp_namespace}
    tickets_app = build_tickets(
        service_settings(TicketsSettings, database_url=await database_factory("flow_tickets"), **common)
    )
    feedback_app = build_feedback(
        service_settings(
            FeedbackSettings, database_url=await database_factory("flow_feedback"), timer_max_sleep_seconds=0.5,
            **common,
        )
    )
    async with contextlib.AsyncExitStack() as stack:
        tap = await stack.enter_async_context(EventTap(amqp_url, amqp_namespace, "survey.#"))
        tickets = await stack.enter_async_context(running(tickets_app))
        feedback = await stack.enter_async_context(running(feedback_app))
        configured = await feedback.patch(
            "/v1/surveys/settings", json={"csat": {"enabled": True, "delay_seconds": 1}}, headers=manager
        )
        assert configured.status_code == 200, configured.text

        created = await tickets.post("/v1/tickets", json={"subject": "Parcel never came"}, headers=customer)
        assert created.status_code == 201, created.text
        ticket_id = created.json()["id"]
        # The agent joins the merchant's directory as routing announces it; assigning waits until tickets knows.
        directory = AgentUpserted(agent_id="agent-flow", name="Flo", role="agent", tier=1, active=True, version=1)
        publisher = AmqpPublisher(amqp_url, Topology(amqp_namespace))
        stack.push_async_callback(publisher.close)
        envelope = make_envelope(directory, merchant_id=merchant, producer="routing")
        await publisher.publish_envelope(envelope.model_dump(mode="json"))

        async def assigned():
            response = await tickets.post(
                f"/v1/tickets/{ticket_id}/assignment", json={"agent_id": "agent-flow"}, headers=manager
            )
            return response.status_code in (200, 201)

        await eventually(assigned)
        resolved = await tickets.post(f"/v1/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=agent)
        assert resolved.status_code == 200, resolved.text

        [invited] = await tap.wait_for(1, "survey.invited", timeout=20)
        payload = invited["payload"]
        assert payload["ticket_id"] == ticket_id and payload["survey_type"] == "csat"
        assert payload["customer_id"] == "cust-flow" and payload["token"]

        answer = await feedback.post(f"/v1/surveys/{payload['token']}/responses", json={"score": 5})
        assert answer.status_code == 201, answer.text
        [responded] = await tap.wait_for(1, "survey.responded", timeout=20)
        assert responded["payload"]["agent_id"] == "agent-flow" and responded["payload"]["score"] == 5

        async def counted():
            response = await feedback.get(
                "/v1/surveys/results", params={"type": "csat"}, headers=bearer("agent-flow", merchant, "agent")
            )
            return response.json()["summary"]["responses"] == 1

        await eventually(counted)
