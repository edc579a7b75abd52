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


async def delete_all(amqp_url: str, namespace: str, consumes: Mapping[str, Sequence[str]] = CONSUMES) -> int:
    """The reverse of `declare_all` for a throwaway namespace (a benchmark's, a test run's): deletes its queues and
    exchanges, so runs do not pile up quorum queues on the broker (thousands of them slowed RabbitMQ 3.10's boot to
    a halt here). Refuses the empty namespace, which is the real system's. Returns how many queues it deleted."""
    import aio_pika

    if not namespace:
        raise ValueError("refusing to delete the topology of the empty namespace")
    topology = Topology(namespace)
    queues = [topology.consumer_queue(s, e) for s, events in consumes.items() for e in events]
    queues += [topology.dead_queue(s) for s in consumes]
    exchanges = [topology.events_exchange, topology.dead_exchange, topology.unrouted_exchange]
    exchanges.append(f"{namespace}helpdesk.live")
    deleted = 0
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        for name in [*queues, topology.unrouted_exchange]:
            channel = await connection.channel()  # a failed delete closes its channel
            try:
                await channel.queue_delete(name)
                deleted += 1
            except Exception:
                pass
        for name in exchanges:
            channel = await connection.channel()
            try:
                await channel.exchange_delete(name)
            except Exception:
                pass
    return deleted


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
