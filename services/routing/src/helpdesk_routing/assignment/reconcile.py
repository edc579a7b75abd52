"""Periodic reconciliation: every agent's load recomputed from the ticket projection, drift corrected."""

from __future__ import annotations

import asyncio
import logging

from helpdesk_routing.assignment import repository as repo
from helpdesk_routing.assignment.service import drain_for_agent
from helpdesk_routing.settings import RoutingSettings
from helpdesk_servicekit.app import Runtime
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions

log = logging.getLogger(__name__)


async def reconcile(sessions: Sessions, merchant_id: str | None = None) -> tuple[int, int]:
    """Check every agent (of one merchant, or all); returns (checked, corrected). One short transaction per agent,
    so reconciliation never holds more than one agent row at a time."""
    async with unit_of_work(sessions) as session:
        agents = await repo.all_agents(session, merchant_id)
    corrected = 0
    for m, agent_id in agents:
        async with unit_of_work(sessions) as session:
            outcome = await repo.reconcile_agent(session, m, agent_id)
            if outcome is not None and outcome[0] != outcome[1]:
                corrected += 1
                log.warning("agent %s/%s load drifted: stored %d, true %d", m, agent_id, *outcome)
                if outcome[1] < outcome[0]:
                    await drain_for_agent(session, m, agent_id)
            await session.commit()
    return len(agents), corrected


async def run_reconciliation(runtime: Runtime[RoutingSettings], stop: asyncio.Event) -> None:
    """Background task (worker and all roles)."""
    interval = runtime.settings.reconcile_interval_seconds
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), interval)
            return
        except TimeoutError:
            pass
        try:
            checked, corrected = await reconcile(runtime.sessions)
            if corrected:
                log.info("reconciled %d agents, corrected %d", checked, corrected)
        except Exception:
            log.exception("load reconciliation failed; retrying next round")
