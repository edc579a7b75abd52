"""Declare the whole event topology (every consuming service's queues and bindings, from
`helpdesk_contracts.topology.CONSUMES`) before any service takes traffic.

`python -m helpdesk_servicekit.topology` does it once (make up, the Kubernetes migration Job); every service also
does it before its outbox relay publishes, so an event is never unrouted because its consumer has not started yet.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from helpdesk_contracts.topology import CONSUMES
from helpdesk_servicekit.broker import AmqpPublisher, Topology

log = logging.getLogger(__name__)


async def declare_all(publisher: AmqpPublisher, consumes: Mapping[str, Sequence[str]] = CONSUMES) -> None:
    """Declare the exchanges, every service's quorum queues, their bindings and dead-letter queues."""
    for service, event_types in consumes.items():
        await publisher.declare_consumer_topology(service, list(event_types))


async def declare_until_done(publisher: AmqpPublisher, stop: asyncio.Event, max_delay: float = 15.0) -> bool:
    """Retry `declare_all` while the broker is away; False if `stop` was set first."""
    delay = 0.5
    while not stop.is_set():
        try:
            await declare_all(publisher)
            return True
        except Exception as exc:
            log.warning("event topology not declared, retrying in %.1fs: %s", delay, exc)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
            delay = min(delay * 2, max_delay)
    return False


async def _main() -> int:
    url = os.environ.get("HELPDESK_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    topology = Topology(
        os.environ.get("HELPDESK_AMQP_NAMESPACE", ""), int(os.environ.get("HELPDESK_AMQP_DELIVERY_LIMIT", "8"))
    )
    publisher = AmqpPublisher(url, topology)
    try:
        await declare_all(publisher)
    except Exception as exc:
        print(f"topology: RabbitMQ at {url.rsplit('@', 1)[-1]} refused or unreachable: {exc}", file=sys.stderr)
        return 1
    finally:
        await publisher.close()
    queues = sum(len(v) for v in CONSUMES.values())
    print(f"topology: declared {queues} queues for {len(CONSUMES)} services")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(_main()))
