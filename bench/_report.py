"""One step of the e2e bench and how its figures are judged and printed (text and Markdown from the same dict)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from _baselines import Latencies
from _load import percentile
from _observe import AgentSockets, EventClock, Sample

from helpdesk_contracts.topology import CONSUMES

# Milestone -> (source, AMQP hops on its path). The floor of a milestone is bare HTTP + hops x AMQP round trip.
MILESTONES = {
    "decided": ("routing.assignment_decided on the exchange", 2),  # ticket.created→routing, decision→tap
    "assigned": ("ticket.assigned on the exchange", 3),  # + decision→tickets
    "sla": ("first sla.clock_changed on the exchange", 2),  # ticket.created→sla, clock_changed→tap
    "notified": ("assigned_to_you frame on the agent's WebSocket", 4),  # ticket.assigned→notify, live fan-out
}
SHOWN = ("assigned", "sla", "notified")
CONSUMERS_OF = {e: sum(e in types for types in CONSUMES.values()) for types in CONSUMES.values() for e in types}
GOAL_NOTIFIED_P99_MS, GOAL_NOTIFIED_RATE, GOAL_SUSTAINED = 150.0, 50.0, 100.0


@dataclass
class Step:
    rate: float
    seconds: float
    load_before: float
    load_after: float = 0.0
    created: dict[str, float] = field(default_factory=dict)
    http: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    load_seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    machine_busy: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    drain_seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    relay: dict[str, list[float]] = field(default_factory=dict)
    cpu_seconds_total: float = 0.0
    cpu_seconds_idle: float = 0.0
    events: dict[str, int] = field(default_factory=dict)

    @property
    def busy_cpu(self) -> float:
        """CPU seconds the step's tickets cost: everything used from its start until drained, less idling."""
        return self.cpu_seconds_total - self.cpu_seconds_idle

    def _arrivals(self, clock: EventClock, sockets: AgentSockets) -> dict[str, dict[str, float]]:
        return {
            "decided": clock.first["routing.assignment_decided"],
            "assigned": clock.first["ticket.assigned"],
            "sla": clock.first["sla.clock_changed"],
            "notified": sockets.notified,
        }

    def missing(self, clock: EventClock, sockets: AgentSockets) -> int:
        arrivals = self._arrivals(clock, sockets)
        return sum(1 for t in self.created for seen in arrivals.values() if t not in seen)

    def collect(self, clock: EventClock, sockets: AgentSockets) -> None:
        for name, seen in self._arrivals(clock, sockets).items():
            self.latencies[name] = [seen[t] - due for t, due in self.created.items() if t in seen]
        for event_type, delays in clock.relay.items():
            self.relay[event_type] = [delays[t] for t in self.created if t in delays]

    def backlog(self) -> dict[str, Any]:
        """End, max and growth over the second half of the load (last sample - the one at mid-step)."""
        if not self.samples:
            return {}
        mid = self.samples[len(self.samples) // 2]
        end = self.samples[-1]
        return {
            "outbox_end": end.outbox_total,
            "outbox_max": max(s.outbox_total for s in self.samples),
            "queues_end": end.queue_total,
            "queues_max": max(s.queue_total for s in self.samples),
            "growth_second_half": end.total - mid.total,
            "outbox_end_by_service": end.outbox,
            "deepest_queues_end": dict(sorted(end.queues.items(), key=lambda kv: -kv[1])[:5]),
        }

    def as_dict(self, bare: Latencies, rtt: Latencies) -> dict[str, Any]:
        achieved = len(self.created) / self.load_seconds if self.load_seconds else 0.0
        backlog = self.backlog()
        figures: dict[str, Any] = {}
        complete = {}
        for name, values in [("create_http", self.http), *self.latencies.items()]:
            p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
            hops = MILESTONES[name][1] if name in MILESTONES else 0
            floor50, floor99 = bare.ms(0.5) + hops * rtt.ms(0.5), bare.ms(0.99) + hops * rtt.ms(0.99)
            figures[name] = {
                "p50_ms": round(p50, 1),
                "p99_ms": round(p99, 1),
                "max_ms": round(max(values) * 1000, 1) if values else None,
                "floor_p50_ms": round(floor50, 2),
                "floor_p99_ms": round(floor99, 2),
                "ratio_p50": round(p50 / floor50, 2),
                "ratio_p99": round(p99 / floor99, 2),
            }
            if name in MILESTONES:
                complete[name] = len(values)
        growth_limit = max(20.0, 0.5 * self.rate)
        all_seen = all(n >= 0.99 * len(self.created) for n in complete.values())
        sustained = achieved >= 0.95 * self.rate and backlog.get("growth_second_half", 0) <= growth_limit and all_seen
        return {
            "rate": self.rate,
            "achieved": round(achieved, 1),
            "tickets": len(self.created),
            "errors": len(self.errors),
            "error_samples": self.errors[:3],
            "seen": complete,
            "figures": figures,
            "backlog": backlog,
            "written_to_seen_ms": {
                event: {"p50": round(percentile(v, 0.5) * 1000, 1), "p99": round(percentile(v, 0.99) * 1000, 1)}
                for event, v in self.relay.items()
            },
            "backlog_growth_limit": growth_limit,
            "sustained": sustained,
            "drain_seconds": round(self.drain_seconds, 1),
            "cpu_share_of_a_core": {k: round(v, 2) for k, v in self.cpu.items()},
            "machine_busy": round(self.machine_busy, 2),
            # CPU of the services, PostgreSQL and RabbitMQ from the step's start until it drained, per ticket, and
            # the rate two dedicated cores could carry at that cost (an estimate: the machine is shared).
            "cpu_ms_per_ticket": round(1000 * self.busy_cpu / max(1, len(self.created)), 1),
            "two_core_rate_estimate": round(2 * len(self.created) / self.busy_cpu, 1) if self.busy_cpu > 0 else None,
            "cpu_seconds_total_and_idle_share": [round(self.cpu_seconds_total, 1), round(self.cpu_seconds_idle, 1)],
            "events_per_ticket": {k: round(n / max(1, len(self.created)), 2) for k, n in sorted(self.events.items())},
            "deliveries_per_ticket": round(
                sum(n * CONSUMERS_OF.get(k, 0) for k, n in self.events.items()) / max(1, len(self.created)), 1
            ),
            "load_average": [self.load_before, self.load_after],
        }


def summary(step: Step) -> str:
    lat = {n: step.latencies.get(n, []) for n in SHOWN}
    parts = " ".join(
        f"{n} p50/p99 {percentile(v, 0.5) * 1000:.0f}/{percentile(v, 0.99) * 1000:.0f} ms" for n, v in lat.items()
    )
    b = step.backlog()
    return (
        f"step {step.rate:g}/s: {len(step.created)} tickets in {step.load_seconds:.1f}s, {parts}; "
        f"backlog end outbox {b.get('outbox_end')} queues {b.get('queues_end')}; drain {step.drain_seconds:.1f}s"
    )


def _pair(a: float, b: float, fmt: str, unit: str = "") -> str:
    """ "a/b unit", or "—" when nothing was measured (no ticket reached the milestone before the drain ended)."""
    if a != a or b != b:  # NaN
        return "—"
    return f"{fmt.format(a)}/{fmt.format(b)}{unit}"


def _rows(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        "rate/s",
        "achieved",
        "create HTTP p50/p99",
        *(f"→{n} p50/p99" for n in SHOWN),
        "outbox end/max",
        "queues end/max",
        "growth",
        "notified by drain end",
        "sustained",
    ]
    rows = []
    for s in result["steps"]:
        f, b = s["figures"], s["backlog"]
        rows.append(
            [
                f"{s['rate']:g}",
                f"{s['achieved']:.1f}",
                *(_pair(f[n]["p50_ms"], f[n]["p99_ms"], "{:.0f}", " ms") for n in ("create_http", *SHOWN)),
                f"{b.get('outbox_end')}/{b.get('outbox_max')}",
                f"{b.get('queues_end')}/{b.get('queues_max')}",
                f"{b.get('growth_second_half')}",
                f"{s['seen']['notified']}/{s['tickets']}",
                "yes" if s["sustained"] else "no",
            ]
        )
    return head, rows


def _ratio_rows(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        "rate/s",
        "bare HTTP p50/p99",
        "AMQP rtt p50/p99",
        *(f"{n} xfloor p50/p99" for n in ("create_http", *SHOWN)),
    ]
    rows = []
    for s, http, amqp in zip(
        result["steps"], result["baselines"]["bare_http"], result["baselines"]["amqp_round_trip"], strict=True
    ):
        f = s["figures"]
        rows.append(
            [
                f"{s['rate']:g}",
                f"{http['p50_ms']:.1f}/{http['p99_ms']:.1f} ms",
                f"{amqp['p50_ms']:.1f}/{amqp['p99_ms']:.1f} ms",
                *(_pair(f[n]["ratio_p50"], f[n]["ratio_p99"], "{:.1f}") for n in ("create_http", *SHOWN)),
            ]
        )
    return head, rows


def verdict(result: dict[str, Any]) -> list[str]:
    sustained = [s["rate"] for s in result["steps"] if s["sustained"]]
    best = max(sustained, default=0.0)
    at_goal = [s for s in result["steps"] if s["rate"] == GOAL_NOTIFIED_RATE]
    lines = [
        f"highest rate sustained without the backlog growing: {best:g} tickets/s "
        f"(goal ≥ {GOAL_SUSTAINED:g}: {'met' if best >= GOAL_SUSTAINED else 'not met'})"
    ]
    if at_goal:
        p99 = at_goal[0]["figures"]["notified"]["p99_ms"]
        lines.append(
            f"p99 create→assigned→notified at {GOAL_NOTIFIED_RATE:g}/s: {p99:.0f} ms "
            f"(goal ≤ {GOAL_NOTIFIED_P99_MS:g} ms: {'met' if p99 <= GOAL_NOTIFIED_P99_MS else 'not met'})"
        )
    # Only a step whose every ticket reached every milestone has paid its tickets' whole cost.
    whole = [s for s in result["steps"] if all(n == s["tickets"] for n in s["seen"].values())]
    if whole:
        lines.append(
            "CPU per ticket (services + PostgreSQL + RabbitMQ from the step's start until drained, less the idle "
            "system's), in steps that drained: "
            + ", ".join(
                f"{s['cpu_ms_per_ticket']:.0f} ms at {s['rate']:g}/s ({s['deliveries_per_ticket']} consumer "
                f"deliveries per ticket) → two dedicated cores would carry about {s['two_core_rate_estimate']}/s"
                for s in whole
            )
        )
    else:
        lines.append("no step drained completely: no CPU-per-ticket estimate")
    la = result["load_average_start"], result["load_average_end"]
    lines.append(
        f"load average (1/5/15 min) at start {'/'.join(f'{x:.1f}' for x in la[0])}, at end "
        f"{'/'.join(f'{x:.1f}' for x in la[1])} on {result['cpus']} CPUs shared with other sessions"
    )
    return lines


def _text(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows])


def _md(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def table(result: dict[str, Any]) -> str:
    return "\n\n".join(
        [
            _text(*_rows(result)),
            "ratios to the floor (bare HTTP + hops x AMQP round trip, same rate):",
            _text(*_ratio_rows(result)),
            "\n".join(verdict(result)),
        ]
    )


def markdown(result: dict[str, Any]) -> str:
    hops = ", ".join(f"{n}: {src}, {h} hops" for n, (src, h) in MILESTONES.items() if n in SHOWN)
    cpu = "; ".join(
        f"{s['rate']:g}/s: "
        + ", ".join(f"{k} {v:.2f}" for k, v in s["cpu_share_of_a_core"].items())
        + f" (machine {s['machine_busy'] * 100:.0f}% busy)"
        for s in result["steps"]
    )
    return (
        f"# End-to-end benchmark (bench/e2e.py)\n\nRun {result['started_at']}, {result['step_seconds']:g} s per step, "
        f"{result['agents']} agents online, open-loop load; latencies from each request's due time.\n\n"
        f"{_md(*_rows(result))}\n\nRatios to the floor (bare FastAPI + asyncpg insert + hops x raw aio-pika round "
        f"trip at the same rate; {hops}):\n\n{_md(*_ratio_rows(result))}\n\n"
        + "\n".join(f"- {line}" for line in verdict(result))
        + f"\n- CPU per process, share of one core during the load: {cpu}\n"
        + (f"- {result['note']}\n" if result.get("note") else "")
    )
