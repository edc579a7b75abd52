"""The per-ticket aggregate: clocks driven by ticket facts, timers fired, and replay in version order."""

from datetime import UTC, datetime, time, timedelta
from uuid import UUID

from hypothesis import given, settings, strategies as st

from helpdesk_sla.domain import (
    ESCALATION_SETTLE_SECONDS,
    BusinessCalendar,
    Clock,
    ClockState,
    EscalationStep,
    Metric,
    Placement,
    SlaEventKind,
    SlaPolicy,
    TicketFact,
    TicketSla,
)

HOUR = 3600
T0 = datetime(2024, 5, 6, 8, tzinfo=UTC)
ALWAYS = BusinessCalendar.twenty_four_seven()
LADDER = (
    EscalationStep(level=2, after_breach_seconds=0, metric=Metric.RESOLUTION),
    EscalationStep(level=3, after_breach_seconds=HOUR, metric=Metric.RESOLUTION),
)
NORMAL = ("normal", None, ())
URGENT = ("urgent", None, ())


def later(seconds):
    return T0 + timedelta(seconds=seconds)


def placement(priority="normal", number=1, version=1, calendar=ALWAYS, calendar_id=None, **fields):
    fields.setdefault("targets", {Metric.FIRST_RESPONSE: HOUR, Metric.NEXT_RESPONSE: HOUR, Metric.RESOLUTION: 8 * HOUR})
    policy = SlaPolicy(id=UUID(int=number), version=version, priority=priority, calendar_id=calendar_id, **fields)
    return Placement(policy, calendar, 1 if calendar_id else None)


def states(ticket):
    return {(t.metric.value, t.run): t.clock.state.value for t in ticket.clocks}


def test_a_ticket_with_a_policy_starts_first_response_and_resolution_clocks():
    ticket = TicketSla.opened(placement(), T0)
    assert states(ticket) == {("first_response", 1): "running", ("resolution", 1): "running"}


def test_a_ticket_without_a_policy_has_no_clocks():
    assert TicketSla.opened(None, T0).clocks == []


def test_an_agent_reply_meets_the_first_response_and_announces_it():
    ticket = TicketSla.opened(placement(), T0)
    ticket.agent_replied(later(90))
    [met] = ticket.events
    assert (met.kind, met.metric, met.business_seconds_used, met.within_target) == (
        SlaEventKind.MET,
        Metric.FIRST_RESPONSE,
        90,
        True,
    )
    assert met.due_at == later(HOUR)


def test_customer_messages_after_an_agent_reply_start_next_response_runs():
    ticket = TicketSla.opened(placement(), T0)
    ticket.customer_wrote(later(5))
    assert ticket.current(Metric.NEXT_RESPONSE) is None
    ticket.agent_replied(later(10))
    ticket.customer_wrote(later(20))
    ticket.customer_wrote(later(25))
    ticket.agent_replied(later(50))
    ticket.customer_wrote(later(60))
    runs = [(t.run, t.clock.state, t.clock.started_at) for t in ticket.clocks if t.metric is Metric.NEXT_RESPONSE]
    assert runs == [(1, ClockState.MET, later(20)), (2, ClockState.RUNNING, later(60))]


def test_waiting_for_the_customer_pauses_every_clock_and_resolving_meets_them():
    ticket = TicketSla.opened(placement(), T0)
    ticket.status_is("waiting_customer", later(10))
    assert set(states(ticket).values()) == {"paused"}
    ticket.status_is("in_progress", later(13))
    ticket.status_is("resolved", later(20))
    assert set(states(ticket).values()) == {"met"}
    assert ticket.current(Metric.RESOLUTION).clock.elapsed_business_seconds(later(99)) == 17


def test_reopening_resumes_the_resolution_clock_and_closing_stops_the_rest():
    ticket = TicketSla.opened(placement(), T0)
    ticket.status_is("resolved", later(20))
    ticket.status_is("reopened", later(50))
    assert states(ticket)[("resolution", 1)] == "running"
    ticket.customer_wrote(later(55))
    ticket.status_is("resolved", later(60))
    ticket.status_is("closed", later(70))
    assert states(ticket) == {("first_response", 1): "met", ("resolution", 1): "met"}
    assert ticket.current(Metric.RESOLUTION).clock.elapsed_business_seconds(later(99)) == 30


def test_a_new_policy_retargets_open_clocks_keeping_their_elapsed_time():
    ticket = TicketSla.opened(placement(), T0)
    urgent = placement(
        "urgent", number=2, targets={Metric.RESOLUTION: HOUR}, calendar=BusinessCalendar.twenty_four_seven()
    )
    ticket.place(urgent, later(600))
    first, resolution = ticket.current(Metric.FIRST_RESPONSE), ticket.current(Metric.RESOLUTION)
    assert first.clock.state is ClockState.STOPPED
    assert (resolution.policy.priority, resolution.clock.due_at()) == ("urgent", later(HOUR))


def test_a_policy_counting_in_another_calendar_moves_the_clock_to_it():
    office = BusinessCalendar.from_weekly("UTC", {day: [(time(9), time(17))] for day in range(5)})
    ticket = TicketSla.opened(placement(), T0)
    ticket.place(placement(number=2, calendar=office, calendar_id=UUID(int=9)), later(60))
    resolution = ticket.current(Metric.RESOLUTION)
    assert resolution.clock.calendar == office and resolution.calendar_version == 1


def resolution_only(**fields):
    return placement(targets={Metric.RESOLUTION: 8 * HOUR}, escalation=LADDER, **fields)


def test_a_breach_fires_at_once_level_two_a_moment_later_and_level_three_after_its_delay():
    ticket = TicketSla.opened(resolution_only(), T0)
    [breach] = ticket.fire_due(later(8 * HOUR))
    assert (breach.kind, breach.metric) == (SlaEventKind.BREACHED, Metric.RESOLUTION)
    [level2] = ticket.fire_due(later(8 * HOUR + ESCALATION_SETTLE_SECONDS))
    assert (level2.kind, level2.level, level2.breached_at) == (SlaEventKind.ESCALATION_REQUESTED, 2, later(8 * HOUR))
    assert ticket.fire_due(later(8 * HOUR + 60)) == []
    [level3] = ticket.fire_due(later(9 * HOUR))
    assert (level3.level, level3.from_level, level3.breached_at) == (3, 2, later(8 * HOUR))


def ladder_on_first_response():
    steps = (
        EscalationStep(level=2, after_breach_seconds=0, metric=Metric.FIRST_RESPONSE),
        EscalationStep(level=3, after_breach_seconds=HOUR, metric=Metric.FIRST_RESPONSE),
    )
    return placement(targets={Metric.FIRST_RESPONSE: 60, Metric.RESOLUTION: 8 * HOUR}, escalation=steps)


def test_a_reply_sent_before_the_deadline_but_applied_after_the_breach_withdraws_it_and_its_ladder():
    created = fact(1, 0, placement=ladder_on_first_response())
    previous = TicketSla.replay(T0, [created])
    [breach] = previous.fire_due(later(60))
    assert breach.kind is SlaEventKind.BREACHED

    ticket = TicketSla.replay(T0, [created, fact(2, 59, author="agent")], previous)

    first = ticket.current(Metric.FIRST_RESPONSE)
    [met] = ticket.events
    assert (met.kind, met.metric, met.within_target) == (SlaEventKind.MET, Metric.FIRST_RESPONSE, True)
    assert first.clock.breached_at is None and first.clock.status is ClockState.MET
    assert [t for tracked, t in ticket.timers(later(61)) if tracked is first] == []
    assert ticket.fire_due(later(60 + ESCALATION_SETTLE_SECONDS)) == []
    assert ticket.fire_due(later(HOUR + 60)) == [] and ticket.escalation_level == 1


def test_a_pause_applied_after_the_breach_withdraws_it_and_the_clock_breaches_again_only_when_really_due():
    created = fact(1, 0, placement=ladder_on_first_response())
    previous = TicketSla.replay(T0, [created])
    previous.fire_due(later(60))

    ticket = TicketSla.replay(T0, [created, fact(2, 50, status="waiting_customer")], previous)
    assert ticket.current(Metric.FIRST_RESPONSE).clock.breached_at is None
    assert ticket.fire_due(later(70)) == []

    resumed = TicketSla.replay(T0, [created, fact(2, 50, "waiting_customer"), fact(3, 100, "open")], ticket)
    assert resumed.fire_due(later(105)) == []
    [breach] = resumed.fire_due(later(110))
    assert (breach.kind, breach.at) == (SlaEventKind.BREACHED, later(110))


def test_a_breach_the_late_facts_confirm_stands_and_its_ladder_goes_on():
    created = fact(1, 0, placement=ladder_on_first_response())
    previous = TicketSla.replay(T0, [created])
    previous.fire_due(later(60))

    ticket = TicketSla.replay(T0, [created, fact(2, 61, status="waiting_customer")], previous)

    assert ticket.current(Metric.FIRST_RESPONSE).clock.breached_at == later(60)
    resumed = TicketSla.replay(T0, [created, fact(2, 61, "waiting_customer"), fact(3, 62, "open")], ticket)
    [level2] = resumed.fire_due(later(62))
    assert (level2.kind, level2.level) == (SlaEventKind.ESCALATION_REQUESTED, 2)


def test_when_several_steps_are_due_at_once_only_the_highest_is_asked_for():
    ticket = TicketSla.opened(placement(escalation=LADDER), T0)
    events = ticket.fire_due(later(10 * HOUR))
    assert [(e.kind, e.level) for e in events if e.kind is SlaEventKind.ESCALATION_REQUESTED] == [
        (SlaEventKind.ESCALATION_REQUESTED, 3)
    ]


def test_a_level_reached_manually_is_never_asked_for_or_lowered():
    ticket = TicketSla.opened(resolution_only(), T0)
    ticket.escalated(3)
    ticket.escalated(2)
    events = ticket.fire_due(later(10 * HOUR))
    assert [e.kind for e in events] == [SlaEventKind.BREACHED]
    assert ticket.escalation_level == 3 and ticket.timers(later(10 * HOUR)) == []


def test_a_warning_fires_once_before_the_breach():
    ticket = TicketSla.opened(placement(warn_before_seconds=600), T0)
    [warning] = ticket.fire_due(later(HOUR - 600))
    assert (warning.kind, warning.metric, warning.at) == (SlaEventKind.WARNING, Metric.FIRST_RESPONSE, later(3000))
    assert ticket.fire_due(later(HOUR - 300)) == []


def test_a_late_reply_meets_the_clock_at_its_own_time_cutting_what_came_after():
    clock = Clock.start(Metric.FIRST_RESPONSE, HOUR, ALWAYS, T0)
    clock.pause(later(100))
    clock.resume(later(200))
    assert clock.meet_as_of(later(150)) is True
    assert (clock.met_at, clock.elapsed_business_seconds(later(999))) == (later(150), 100)
    assert clock.meet_as_of(later(10)) is False


def fact(version, seconds, status="new", attributes=NORMAL, **fields):
    return TicketFact(version=version, at=later(seconds), status=status, attributes=attributes, **fields)


def life():
    """A ticket's facts: customer and agent messages, a pause, an upgrade to urgent and a resolution."""
    return [
        fact(1, 0, placement=placement()),
        fact(2, 5, author="customer"),
        fact(3, 10, author="agent"),
        fact(4, 11, "waiting_customer"),
        fact(5, 30, "waiting_customer", author="customer"),
        fact(6, 31, "in_progress"),
        fact(7, 40, "in_progress", URGENT, placement=placement("urgent", number=2)),
        fact(8, 55, "in_progress", URGENT, author="agent"),
        fact(9, 60, "resolved", URGENT),
    ]


def shape(ticket):
    return [
        (t.metric, t.run, t.clock.state, t.clock.segments, t.clock.met_at, t.policy.priority) for t in ticket.clocks
    ]


@settings(max_examples=60, deadline=None)
@given(st.permutations(life()))
def test_replaying_facts_in_any_order_gives_the_same_clocks(facts):
    assert shape(TicketSla.replay(T0, list(facts))) == shape(TicketSla.replay(T0, life()))


def test_replay_keeps_what_was_announced_and_announces_only_what_is_new():
    ticket = TicketSla.replay(T0, [*life()[:1], fact(2, 10, status="resolved")])
    assert [e.metric for e in ticket.events] == [Metric.FIRST_RESPONSE, Metric.RESOLUTION]
    ticket.current(Metric.RESOLUTION).clock.breached_at = later(1)
    reopened = TicketSla.replay(T0, [*life()[:1], fact(2, 10, "resolved"), fact(3, 20, "reopened")], ticket)
    assert reopened.events == []
    assert reopened.current(Metric.RESOLUTION).clock.breached_at == later(1)
    again = TicketSla.replay(
        T0, [*life()[:1], fact(2, 10, "resolved"), fact(3, 20, "reopened"), fact(4, 30, "resolved")], reopened
    )
    assert [(e.kind, e.metric) for e in again.events] == [(SlaEventKind.MET, Metric.RESOLUTION)]


def test_a_warning_sent_before_a_retarget_is_forgotten_and_one_sent_after_is_kept():
    base = [fact(1, 0, placement=placement(warn_before_seconds=600))]
    previous = TicketSla.replay(T0, base)
    previous.current(Metric.RESOLUTION).clock.warned_at = later(100)
    retargeted = [*base, fact(2, 200, attributes=URGENT, placement=placement("urgent", 2, warn_before_seconds=60))]
    assert TicketSla.replay(T0, retargeted, previous).current(Metric.RESOLUTION).clock.warned_at is None
    previous.current(Metric.RESOLUTION).clock.warned_at = later(300)
    assert TicketSla.replay(T0, retargeted, previous).current(Metric.RESOLUTION).clock.warned_at == later(300)


def test_a_replan_fact_moves_open_clocks_to_the_new_version_after_the_facts_of_its_version():
    facts = [fact(1, 0, placement=placement()), fact(1, 100, replan=True, placement=placement(version=2))]
    ticket = TicketSla.replay(T0, facts)
    assert ticket.current(Metric.RESOLUTION).policy.version == 2
    assert ticket.current(Metric.RESOLUTION).clock.elapsed_business_seconds(later(100)) == 100
