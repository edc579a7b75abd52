"""What sits in a service's dead-letter queue (`<service>.dead`), and putting it back.

    python -m helpdesk_servicekit.deadletters list   --service sla [--json]
    python -m helpdesk_servicekit.deadletters replay --service sla (--event-id ID ... | --all)
    python -m helpdesk_servicekit.deadletters drop   --service sla (--event-id ID ... | --all)

The broker is `HELPDESK_AMQP_URL`, the name prefix `HELPDESK_AMQP_NAMESPACE` (empty in production).

A dead queue cannot be browsed in AMQP: listing takes every message without acknowledging it and gives them
all back (nack with requeue) when done, so a listing changes nothing. Replay publishes a copy straight to the
queue the message died in (the default exchange, routing key = that queue, so no other service gets it twice),
waits for the broker's confirm, and only then acknowledges the dead copy: a crash in between leaves a duplicate,
which the consumer's inbox skips, never a loss. The `x-death` history is dropped from the copy (an
`x-replays` header counts replays), so the consumer's failure count starts afresh.

`helpdesk_dead_letters{service}` is set whenever a queue is listed, and every minute by `watch_dead_letters`,
a background task with the `async def task(runtime, stop)` shape.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from helpdesk_servicekit import metrics
from helpdesk_servicekit.broker import Topology

if TYPE_CHECKING:
    from helpdesk_servicekit.app import Runtime

log = logging.getLogger(__name__)

_DEATH_HEADERS = (
    "x-death",
    "x-first-death-reason",
    "x-first-death-queue",
    "x-first-death-exchange",
    "x-last-death-reason",
    "x-last-death-queue",
    "x-last-death-exchange",
    "x-delivery-count",
)


@dataclass(frozen=True)
class DeadLetter:
    """One message in a dead queue, as an operator needs to see it."""

    event_id: str | None
    event_type: str | None
    reason: str  # rejected (the handler kept failing, or unreadable), delivery_limit (crash backstop), expired...
    queue: str | None  # the queue it died in: where a replay sends it back
    count: int  # how many times it was dead-lettered from that queue
    died_at: datetime | None
    replays: int = 0
    body: bytes = field(default=b"", repr=False)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("body")
        data["died_at"] = self.died_at.isoformat() if self.died_at else None
        return data


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes | bytearray) else str(value)


def describe(message: AbstractIncomingMessage) -> DeadLetter:
    """Read the event id, type and dead-lettering reason off a dead message (its `x-death` headers)."""
    headers: Mapping[str, Any] = message.headers or {}
    deaths = headers.get("x-death") or []
    first: Mapping[str, Any] = deaths[0] if deaths and isinstance(deaths[0], Mapping) else {}
    event_id, event_type = message.message_id, message.type
    if not (event_id and event_type):
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            body = json.loads(message.body)
            event_id = event_id or body.get("event_id")
            event_type = event_type or body.get("event_type")
    died_at = first.get("time")
    return DeadLetter(
        event_id=_text(event_id),
        event_type=_text(event_type),
        reason=_text(first.get("reason") or headers.get("x-first-death-reason")) or "unknown",
        queue=_text(first.get("queue") or headers.get("x-first-death-queue")),
        count=int(first.get("count") or 1),
        died_at=died_at if isinstance(died_at, datetime) else None,
        replays=int(headers.get("x-replays") or 0),
        body=message.body,
    )


Action = Callable[[AbstractChannel, AbstractIncomingMessage, DeadLetter], Awaitable[None]]


async def _sweep(
    amqp_url: str,
    topology: Topology,
    service: str,
    selected: Callable[[DeadLetter], bool],
    action: Action | None,
    limit: int,
) -> tuple[list[DeadLetter], int]:
    """Take up to `limit` messages, run `action` on the selected ones (which acks them), give the rest back.

    Returns (the selected letters, how many remain in the queue).
    """
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        try:
            queue = await channel.get_queue(topology.dead_queue(service), ensure=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            return [], 0  # never declared: nothing ever died there
        held: list[AbstractIncomingMessage] = []
        chosen: list[DeadLetter] = []
        exhausted = False
        try:
            while len(held) + len(chosen) < limit:
                message = await queue.get(no_ack=False, fail=False, timeout=10)
                if message is None:
                    exhausted = True
                    break
                letter = describe(message)
                if action is not None and selected(letter):
                    await action(channel, message, letter)
                    chosen.append(letter)
                else:
                    held.append(message)
                    if action is None and selected(letter):
                        chosen.append(letter)
            # What lies beyond `limit` (ready messages; the ones held here are not counted by the broker).
            beyond = 0 if exhausted else await _count(queue)
        finally:
            for message in held:
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
        remaining = len(held) + beyond
    metrics.DEAD_LETTERS.labels(service).set(remaining)
    return chosen, remaining


async def _count(queue: AbstractQueue) -> int:
    declared = await queue.channel.declare_queue(queue.name, passive=True)
    return int(declared.declaration_result.message_count or 0)


def _matcher(event_ids: Collection[str] | None) -> Callable[[DeadLetter], bool]:
    if event_ids is None:
        return lambda letter: True
    wanted = {str(e) for e in event_ids}
    return lambda letter: letter.event_id in wanted


async def list_dead(amqp_url: str, topology: Topology, service: str, *, limit: int = 10_000) -> list[DeadLetter]:
    """Every message in `<service>.dead` (up to `limit`), oldest first; the queue is left as it was."""
    letters, _ = await _sweep(amqp_url, topology, service, _matcher(None), None, limit)
    return letters


async def replay(
    amqp_url: str, topology: Topology, service: str, event_ids: Collection[str] | None, *, limit: int = 10_000
) -> list[DeadLetter]:
    """Send the dead messages with these event ids (None: all) back to the queue each died in."""

    async def send_back(channel: AbstractChannel, message: AbstractIncomingMessage, letter: DeadLetter) -> None:
        target = letter.queue or (letter.event_type and topology.consumer_queue(service, letter.event_type))
        if not target:
            raise ValueError(f"cannot tell where {letter.event_id} came from; drop it instead")
        headers = {k: v for k, v in (message.headers or {}).items() if k not in _DEATH_HEADERS}
        copy = aio_pika.Message(
            body=message.body,
            headers={**headers, "x-replays": letter.replays + 1},
            content_type=message.content_type,
            correlation_id=message.correlation_id,
            message_id=message.message_id,
            type=message.type,
            app_id=message.app_id,
            timestamp=message.timestamp,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await channel.default_exchange.publish(copy, routing_key=target, mandatory=True, timeout=10)
        await message.ack()
        log.info("replayed %s (%s) to %s", letter.event_id, letter.reason, target)

    letters, _ = await _sweep(amqp_url, topology, service, _matcher(event_ids), send_back, limit)
    return letters


async def drop(
    amqp_url: str, topology: Topology, service: str, event_ids: Collection[str] | None, *, limit: int = 10_000
) -> list[DeadLetter]:
    """Delete the dead messages with these event ids (None: all) for good."""

    async def discard(channel: AbstractChannel, message: AbstractIncomingMessage, letter: DeadLetter) -> None:
        await message.ack()
        log.warning("dropped dead message %s (%s from %s)", letter.event_id, letter.reason, letter.queue)

    letters, _ = await _sweep(amqp_url, topology, service, _matcher(event_ids), discard, limit)
    return letters


async def dead_count(amqp_url: str, topology: Topology, service: str) -> int:
    """How many messages sit in `<service>.dead` (without touching them); also sets the gauge."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        try:
            queue = await channel.declare_queue(topology.dead_queue(service), passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            count = 0
        else:
            count = int(queue.declaration_result.message_count or 0)
    metrics.DEAD_LETTERS.labels(service).set(count)
    return count


async def watch_dead_letters(runtime: Runtime[Any], stop: asyncio.Event, interval: float = 60.0) -> None:
    """Background task: keep `helpdesk_dead_letters{service}` current for the runtime's own service."""
    service = type(runtime.settings).service_name
    while not stop.is_set():
        try:
            count = await dead_count(runtime.settings.amqp_url, runtime.topology, service)
            if count:
                log.warning("%d message(s) in %s", count, runtime.topology.dead_queue(service))
        except Exception as exc:  # the broker is away: the consumers and readiness say so already
            log.debug("dead-letter count for %s unavailable: %s", service, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpdesk_servicekit.deadletters", description="List, replay or drop a service's dead letters."
    )
    parser.add_argument("command", choices=["list", "replay", "drop"])
    parser.add_argument("--service", required=True, help="the consuming service, e.g. sla")
    parser.add_argument("--event-id", action="append", default=[], help="select a message (repeatable)")
    parser.add_argument("--all", action="store_true", help="select every message (replay / drop)")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    return parser


def _print(letters: list[DeadLetter], as_json: bool) -> None:
    if as_json:
        for letter in letters:
            print(json.dumps(letter.as_json()))
        return
    print(f"{'event id':<36}  {'event type':<28}  {'reason':<14}  {'count':>5}  {'replays':>7}  queue")
    for letter in letters:
        print(
            f"{letter.event_id or '-':<36}  {letter.event_type or '-':<28}  {letter.reason:<14}  {letter.count:>5}"
            f"  {letter.replays:>7}  {letter.queue or '-'}"
        )


async def cli(argv: list[str] | None = None) -> int:
    """The command line, as a coroutine (tests call it in their own loop)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "list" and not (args.all or args.event_id):
        parser.error(f"{args.command} needs --event-id ID (repeatable) or --all")
    if args.all and args.event_id:
        parser.error("--all and --event-id exclude each other")
    url = os.environ.get("HELPDESK_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    topology = Topology(os.environ.get("HELPDESK_AMQP_NAMESPACE", ""))
    selection = None if args.all else args.event_id
    try:
        if args.command == "list":
            letters = await list_dead(url, topology, args.service)
            _print(letters, args.json)
            if not args.json:
                print(f"{len(letters)} message(s) in {topology.dead_queue(args.service)}", file=sys.stderr)
            return 0
        act = replay if args.command == "replay" else drop
        letters = await act(url, topology, args.service, selection)
    except (OSError, aiormq.exceptions.AMQPError) as exc:
        print(f"deadletters: RabbitMQ at {url.rsplit('@', 1)[-1]} refused or unreachable: {exc!r}", file=sys.stderr)
        return 1
    _print(letters, args.json)
    verb = "replayed" if args.command == "replay" else "dropped"
    print(f"{verb} {len(letters)} message(s)", file=sys.stderr)
    missing = sorted(set(args.event_id) - {letter.event_id for letter in letters})
    if missing:
        print(f"not in {topology.dead_queue(args.service)}: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(cli(argv))


if __name__ == "__main__":
    raise SystemExit(main())
