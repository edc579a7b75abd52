"""What must hold once the platform has recovered, read from each service's own database, the broker and the
mail catcher (never only over HTTP): every ticket assigned or queued, with its SLA clocks, one 'assigned'
notification and one email per assignment, and every event in a producer's outbox applied exactly once by each of
its consumers."""

from __future__ import annotations

import contextlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import aio_pika
import aiormq
import asyncpg

from helpdesk_contracts.topology import CONSUMES
from helpdesk_servicekit.broker import Topology
from helpdesk_servicekit.testing.helpers import Mailbox

from .infra import SERVICES

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CLOCK_METRICS = ("first_response", "resolution")


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


def _sample(items: Iterable[object], n: int = 3) -> str:
    values = sorted(map(str, items))
    return ", ".join(values[:n]) + (f" … ({len(values)})" if len(values) > n else "")


class Reconciler:
    """Reads the suite's PostgreSQL server and RabbitMQ node; `check()` lists what does not reconcile yet."""

    def __init__(self, pg_dsn: str, amqp_url: str, merchant_id: str, mailbox: Mailbox) -> None:
        self.pg_dsn = pg_dsn  # a server DSN ending in '/'
        self.amqp_url = amqp_url
        self.merchant_id = merchant_id
        self.mailbox = mailbox
        self.topology = Topology("")
        self.unrouted: Counter[str] = Counter()  # distinct events by type
        self.unrouted_ids: set[str | None] = set()
        self.unrouted_copies = 0

    async def _fetch(self, service: str, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(f"{self.pg_dsn}helpdesk_{service}", timeout=5)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def queue_depths(self) -> dict[str, int]:
        """Messages ready in every consumer queue, dead-letter queue and the unrouted queue (non-zero only)."""
        names = [self.topology.consumer_queue(s, e) for s, events in CONSUMES.items() for e in events]
        names += [self.topology.dead_queue(s) for s in CONSUMES]
        depths: dict[str, int] = {}
        connection = await aio_pika.connect(self.amqp_url, timeout=5)
        async with connection:
            await self._drain_unrouted(connection)
            for name in names:
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(name, passive=True)
                except aiormq.exceptions.ChannelNotFoundEntity:
                    continue
                count = int(queue.declaration_result.message_count or 0)
                if count:
                    depths[name] = count
                with contextlib.suppress(Exception):
                    await channel.close()
        return depths

    async def _drain_unrouted(self, connection: aio_pika.abc.AbstractConnection) -> None:
        """Take what landed in the unrouted queue and count it by event type: an event type nobody consumes
        (knowledge.articles_suggested, group.upserted, ...) belongs there; a consumed one means a lost event."""
        channel = await connection.channel()
        queue = await channel.declare_queue(self.topology.unrouted_exchange, passive=True)
        while (message := await queue.get(no_ack=False, fail=False, timeout=5)) is not None:
            self.unrouted_copies += 1
            if message.message_id not in self.unrouted_ids:  # a relay may publish an event again (at-least-once)
                self.unrouted_ids.add(message.message_id)
                self.unrouted[message.routing_key or "?"] += 1
            await message.ack()
        await channel.close()

    async def check(self, ticket_ids: set[str]) -> Report:
        report = Report()
        m = self.merchant_id
        # Cheap first: while anything is unsent or waiting in a queue, the rest cannot reconcile yet.
        for service in SERVICES:
            unsent = await self._fetch(service, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
            report.expect(unsent[0]["n"] == 0, f"{service}: {unsent[0]['n']} outbox rows not published yet")
        depths = await self.queue_depths()
        report.expect(not depths, f"messages waiting on the broker: {depths}")
        consumed = {event for events in CONSUMES.values() for event in events}
        lost = {kind: n for kind, n in self.unrouted.items() if kind in consumed}
        report.expect(not lost, f"events of consumed types went unrouted: {lost}")
        if report.problems:
            return report

        # The tickets: exactly the ones the clients were told about (a retried create made none twice).
        tickets = {
            str(r["id"]): r["assignee_id"]
            for r in await self._fetch("tickets", "SELECT id, assignee_id FROM tickets WHERE merchant_id = $1", m)
        }
        report.expect(
            set(tickets) == ticket_ids,
            f"tickets: {len(tickets)} in the database, "
            f"{len(ticket_ids)} created by clients; extra {_sample(set(tickets) - ticket_ids)}; "
            f"missing {_sample(ticket_ids - set(tickets))}",
        )
        report.figures["tickets"] = len(tickets)

        # Every event each producer published, applied once by each consumer of its type, and nothing else.
        published: dict[str, str] = {}
        assigned_events: Counter[str] = Counter()
        for service in SERVICES:
            rows = await self._fetch(
                service,
                "SELECT envelope->>'event_id' AS id, event_type, envelope->'payload'->'ticket'->>'ticket_id' AS ticket"
                " FROM outbox WHERE merchant_id = $1",
                m,
            )
            for r in rows:
                published[r["id"]] = r["event_type"]
                if r["event_type"] == "ticket.assigned":
                    assigned_events[r["ticket"]] += 1
        report.figures["events published"] = len(published)
        applied_total = 0
        for consumer, event_types in CONSUMES.items():
            expected = {event_id for event_id, kind in published.items() if kind in event_types}
            rows = await self._fetch(
                consumer, "SELECT event_id::text AS id, consumer FROM processed_events WHERE merchant_id = $1", m
            )
            applied = Counter(r["id"] for r in rows)
            applied_total += len(rows)
            wrong = [r["id"] for r in rows if r["consumer"] != f"{consumer}.{published.get(r['id'], '?')}"]
            report.expect(
                not expected - set(applied),
                f"{consumer}: {len(expected - set(applied))} published "
                f"events never applied, e.g. {_sample(f'{e} ({published[e]})' for e in expected - set(applied))}",
            )
            report.expect(
                not set(applied) - expected,
                f"{consumer}: applied {len(set(applied) - expected)} events "
                f"no producer published to it, e.g. {_sample(set(applied) - expected)}",
            )
            twice = [e for e, n in applied.items() if n > 1]
            report.expect(not twice, f"{consumer}: {len(twice)} events applied more than once: {_sample(twice)}")
            report.expect(not wrong, f"{consumer}: {len(wrong)} events recorded under another consumer")
        report.figures["event applications"] = applied_total

        # routing: each ticket assigned or queued, the same assignee as tickets, agents' load = their tickets.
        routed = {
            str(r["ticket_id"]): r
            for r in await self._fetch(
                "routing",
                "SELECT ticket_id, assignee_id, queued_at FROM routing_tickets WHERE merchant_id = $1",
                m,
            )
        }
        unplaced = [
            t
            for t in tickets
            if t not in routed or (routed[t]["assignee_id"] is None and routed[t]["queued_at"] is None)
        ]
        report.expect(
            not unplaced, f"routing: {len(unplaced)} tickets neither assigned nor queued: {_sample(unplaced)}"
        )
        differ = [t for t in tickets if t in routed and routed[t]["assignee_id"] != tickets[t]]
        report.expect(
            not differ, f"{len(differ)} tickets whose assignee differs in tickets and routing: {_sample(differ)}"
        )
        load = Counter(r["assignee_id"] for r in routed.values() if r["assignee_id"])
        for r in await self._fetch("routing", "SELECT user_id, load FROM routing_agents WHERE merchant_id = $1", m):
            report.expect(
                r["load"] == load[r["user_id"]],
                f"routing: agent {r['user_id']} has load {r['load']} for {load[r['user_id']]} tickets",
            )
        assigned = {t for t, a in tickets.items() if a}
        report.figures["assigned"] = len(assigned)
        report.figures["queued"] = sum(1 for t in tickets if t in routed and routed[t]["queued_at"] is not None)

        # knowledge: one suggestion per ticket (its only output), however often ticket.created reached it.
        suggested = Counter(
            r["ticket"]
            for r in await self._fetch(
                "knowledge",
                "SELECT envelope->'payload'->>'ticket_id' AS ticket FROM outbox"
                " WHERE merchant_id = $1 AND event_type = 'knowledge.articles_suggested'",
                m,
            )
        )
        odd = [t for t in tickets if suggested[t] != 1]
        report.expect(not odd, f"knowledge: {len(odd)} tickets without exactly one suggestion: {_sample(odd)}")

        # sla: both clocks of every ticket (one row per metric and run: the key allows no second).
        clocks: defaultdict[str, set[str]] = defaultdict(set)
        for r in await self._fetch("sla", "SELECT ticket_id, metric FROM sla_clocks WHERE merchant_id = $1", m):
            clocks[str(r["ticket_id"])].add(r["metric"])
        no_clocks = [t for t in tickets if not set(CLOCK_METRICS) <= clocks[t]]
        report.expect(not no_clocks, f"sla: {len(no_clocks)} tickets without both clocks: {_sample(no_clocks)}")

        # notify: one 'assigned_to_you' per assignment, to the assignee, each with one email that was sent.
        notes = await self._fetch(
            "notify",
            "SELECT n.id::text AS id, n.ticket_id::text AS ticket, n.recipient_id, e.status"
            " FROM notifications n LEFT JOIN email_deliveries e"
            " ON e.merchant_id = n.merchant_id AND e.notification_id = n.id"
            " WHERE n.merchant_id = $1 AND n.kind = 'assigned_to_you'",
            m,
        )
        per_ticket = Counter(r["ticket"] for r in notes)
        for t in tickets:
            wanted = assigned_events[t]
            report.expect(
                wanted == (1 if t in assigned else 0),
                f"tickets: {wanted} ticket.assigned events for ticket {t} (assignee {tickets[t]})",
            )
            report.expect(
                per_ticket[t] == wanted,
                f"notify: {per_ticket[t]} 'assigned' notifications for ticket {t}, which had {wanted} assignments",
            )
        wrong_person = [r["id"] for r in notes if tickets.get(r["ticket"]) != r["recipient_id"]]
        report.expect(not wrong_person, f"notify: {len(wrong_person)} 'assigned' notices to someone else")
        unsent = [r["id"] for r in notes if r["status"] != "sent"]
        report.expect(not unsent, f"notify: {len(unsent)} 'assigned' emails not sent: {_sample(unsent)}")
        report.figures["assigned notifications"] = len(notes)

        # Every email notify recorded as sent reached the mail server, and nothing else did.
        sent = {
            r["id"]
            for r in await self._fetch(
                "notify",
                "SELECT notification_id::text AS id FROM email_deliveries WHERE merchant_id = $1 AND status = 'sent'",
                m,
            )
        }
        pending = await self._fetch(
            "notify", "SELECT status, count(*) AS n FROM email_deliveries WHERE status <> 'sent' GROUP BY status"
        )
        report.expect(not pending, f"notify: emails not sent: {[(r['status'], r['n']) for r in pending]}")
        received = Counter(self.message_ids())
        report.expect(
            set(received) == sent,
            f"mail: {len(sent - set(received))} sent emails never received, "
            f"{len(set(received) - sent)} received that notify never sent",
        )
        report.expect(
            {r["id"] for r in notes} <= set(received), "mail: an 'assigned' email did not reach the mail server"
        )
        report.figures |= {f"unrouted {kind} (no consumer)": n for kind, n in sorted(self.unrouted.items())}
        report.figures["unrouted copies published again"] = self.unrouted_copies - len(self.unrouted_ids)
        report.figures["emails"] = len(received)
        report.figures["emails resent (same Message-ID)"] = sum(received.values()) - len(received)
        return report

    def message_ids(self) -> list[str]:
        """The notification id in each received email's Message-ID (`<notification-id@domain>`)."""
        messages = list(self.mailbox.messages)
        ids = []
        for message in messages:
            found = UUID.search(message.get("Message-ID") or "")
            if found:
                ids.append(found.group(0))
        return ids
