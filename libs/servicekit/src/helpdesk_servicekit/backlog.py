"""Outbox backlog as Prometheus gauges: how many events wait to be published and how old the oldest is.

A growing backlog or an old oldest row is the first sign that the broker is unreachable or the relay is behind;
nothing else makes an unpublished event visible. Sampled every few seconds by a background task in worker roles.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from prometheus_client import Gauge
from sqlalchemy import text

if TYPE_CHECKING:
    from helpdesk_servicekit.app import Runtime

log = logging.getLogger(__name__)

OUTBOX_BACKLOG = Gauge("helpdesk_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "helpdesk_outbox_oldest_unsent_age_seconds", "Age of the oldest unpublished outbox row (0 when none)", ["service"]
)
SAMPLE = text(
    "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) FROM outbox WHERE published_at IS NULL"
)


async def sample_loop(runtime: Runtime[Any], stop: asyncio.Event, every_seconds: float = 5.0) -> None:
    """Set the backlog gauges from the database every `every_seconds` until `stop`."""
    service = type(runtime.settings).service_name
    while not stop.is_set():
        try:
            async with runtime.engine.connect() as conn:
                count, age = (await conn.execute(SAMPLE)).one()
            OUTBOX_BACKLOG.labels(service).set(count)
            OUTBOX_OLDEST_AGE.labels(service).set(float(age))
        except Exception as exc:  # the database away: keep the last figures, the 503s and logs say the rest
            log.debug("outbox backlog sample failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
