"""Business-hours calendars and business-time arithmetic. Pure: no I/O, never reads the clock.

Instants cross the boundary as timezone-aware datetimes and come back in UTC. Internally they are
integer microseconds since the epoch, so adding and measuring business time is exact to the microsecond.

Local wall times are turned into instants with these rules (they apply to open hours and holidays alike):
  * a repeated wall time (autumn fall-back) means its first occurrence, so an interval from 00:00 to
    00:00 lasts 25 hours on that day;
  * a skipped wall time (spring-forward gap) means the first instant after the gap, so 02:30 in
    Europe/Berlin on the last Sunday of March opens at 03:00 and 00:00-00:00 lasts 23 hours.
  Both rules keep the mapping monotonic, so intervals never turn inside out on DST days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from helpdesk_sla.domain.errors import CalendarError

_US_PER_SECOND = 1_000_000
_DAY_US = 86_400 * _US_PER_SECOND
_WEEK_US = 7 * _DAY_US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Bounds memory per calendar; a cleared cache only costs rebuilding a few days.
_MAX_CACHED_DAYS = 4096
_MAX_IDLE_DAYS = 35


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Open hours on one weekday (0=Monday..6=Sunday), local wall time.

    An end at or before the start runs past midnight into the next day (22:00-06:00); 00:00-00:00 is
    the whole day. Any other interval with start == end is rejected as zero-length.
    """

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class PartialHoliday:
    """A local window [start, end) of one day when the calendar is closed; an end of 00:00 means midnight."""

    day: date
    start: time
    end: time


@dataclass(frozen=True)
class BusinessCalendar:
    """When the business is open: weekly hours in an IANA time zone minus holidays, or always (24/7)."""

    time_zone: str
    weekly: tuple[WeeklyHours, ...] = ()
    holidays: frozenset[date] = frozenset()
    partial_holidays: tuple[PartialHoliday, ...] = ()
    always_open: bool = False

    def __post_init__(self) -> None:
        # Normalise so that equal calendars compare and hash equal and share one cached schedule.
        object.__setattr__(self, "weekly", tuple(self.weekly))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "partial_holidays", tuple(self.partial_holidays))
        validate_calendar(self)
        object.__setattr__(self, "weekly", tuple(sorted(self.weekly, key=lambda h: (h.weekday, h.start))))
        object.__setattr__(
            self, "partial_holidays", tuple(sorted(self.partial_holidays, key=lambda p: (p.day, p.start)))
        )
        # The hash is taken on every business-time call, so compute it once.
        object.__setattr__(
            self,
            "_hash",
            hash((self.time_zone, self.weekly, self.holidays, self.partial_holidays, self.always_open)),
        )

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]

    @classmethod
    def twenty_four_seven(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """A calendar that is always open; business time is wall-clock time."""
        return cls(time_zone=time_zone, always_open=True)

    @classmethod
    def from_weekly(
        cls,
        time_zone: str,
        weekly: Mapping[int, Iterable[tuple[time, time]]],
        holidays: Iterable[date] = (),
        partial_holidays: Iterable[PartialHoliday | tuple[date, time, time]] = (),
    ) -> BusinessCalendar:
        """Build a calendar from {weekday: [(start, end), ...]} and holiday lists."""
        return cls(
            time_zone=time_zone,
            weekly=tuple(WeeklyHours(day, start, end) for day, hours in weekly.items() for start, end in hours),
            holidays=frozenset(holidays),
            partial_holidays=tuple(
                p if isinstance(p, PartialHoliday) else PartialHoliday(*p) for p in partial_holidays
            ),
        )


def validate_calendar(calendar: BusinessCalendar) -> None:
    """Raise CalendarError unless the calendar is well formed."""
    _zone(calendar.time_zone)
    if calendar.always_open and (calendar.weekly or calendar.holidays or calendar.partial_holidays):
        raise CalendarError("a 24/7 calendar cannot also have weekly hours or holidays")
    spans: list[tuple[int, int, WeeklyHours]] = []
    for hours in calendar.weekly:
        if not isinstance(hours, WeeklyHours):
            raise CalendarError(f"weekly hours must be WeeklyHours, got {hours!r}")
        weekday = hours.weekday
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise CalendarError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
        start, end = _window_us(hours.start, hours.end, f"open hours on {_WEEKDAYS[weekday]}")
        spans.append((weekday * _DAY_US + start, weekday * _DAY_US + end, hours))
    spans.sort(key=lambda span: span[:2])
    # The week is a circle: hours running past Sunday midnight may collide with Monday's.
    pairs = list(pairwise(spans))
    if len(spans) > 1:
        last = spans[-1]
        pairs.append((last, (spans[0][0] + _WEEK_US, spans[0][1] + _WEEK_US, spans[0][2])))
    for (_, first_end, first), (second_start, _, second) in pairs:
        if second_start < first_end:
            raise CalendarError(f"open hours overlap: {_describe(first)} and {_describe(second)}")
    for day in calendar.holidays:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise CalendarError(f"holidays must be dates, got {day!r}")
    for partial in calendar.partial_holidays:
        if not isinstance(partial, PartialHoliday):
            raise CalendarError(f"partial holidays must be PartialHoliday, got {partial!r}")
        if not isinstance(partial.day, date) or isinstance(partial.day, datetime):
            raise CalendarError(f"a partial holiday needs a date, got {partial.day!r}")
        start, end = _window_us(partial.start, partial.end, f"partial holiday on {partial.day}")
        if end > _DAY_US:
            raise CalendarError(f"partial holiday on {partial.day} cannot run past midnight")


def add_business_seconds(calendar: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """The UTC instant at which `seconds` business seconds have elapsed after `start`.

    With seconds > 0 the result is always the end of an open moment (never strictly inside closed time).
    With seconds == 0 the result is `start` itself, even in closed hours: no time has to pass.
    """
    _require_aware(start)
    if not (math.isfinite(seconds) and seconds >= 0):
        raise CalendarError(f"business seconds must be a finite number >= 0, got {seconds!r}")
    start = start.astimezone(UTC)
    if calendar.always_open:
        return start + timedelta(seconds=seconds)
    remaining = round(seconds * _US_PER_SECOND)
    if remaining == 0:
        return start
    if not calendar.weekly:
        raise CalendarError("the calendar has no open hours")
    schedule = _schedule(calendar)
    cursor = (start - _EPOCH) // _ONE_US
    # Start a day early: yesterday's hours may run past midnight into today.
    ordinal = start.astimezone(schedule.zone).toordinal() - 1
    idle_days = 0
    while True:
        consumed = False
        for open_start, open_end in schedule.day(ordinal):
            if open_end <= cursor:
                continue
            begin = open_start if open_start > cursor else cursor
            available = open_end - begin
            if remaining <= available:
                return _EPOCH + timedelta(microseconds=begin + remaining)
            remaining -= available
            consumed = True
        idle_days = 0 if consumed else idle_days + 1
        # Past the last holiday, weekly hours come round within a week (two, if a DST change swallows
        # them), so a long idle run there means the loop would never end.
        if idle_days > _MAX_IDLE_DAYS and ordinal > schedule.last_closed_ordinal:
            raise CalendarError("the calendar has no open time left")
        ordinal += 1


def business_seconds_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Business seconds elapsed in [start, end); 0 when end <= start."""
    _require_aware(start)
    _require_aware(end)
    if end <= start:
        return 0.0
    if calendar.always_open:
        return (end - start).total_seconds()
    schedule = _schedule(calendar)
    low, high = (start - _EPOCH) // _ONE_US, (end - _EPOCH) // _ONE_US
    total = 0
    last = end.astimezone(schedule.zone).toordinal()
    for ordinal in range(start.astimezone(schedule.zone).toordinal() - 1, last + 1):
        for open_start, open_end in schedule.day(ordinal):
            overlap = min(open_end, high) - max(open_start, low)
            if overlap > 0:
                total += overlap
    return total / _US_PER_SECOND


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether business time is running at the instant `at`."""
    return business_seconds_between(calendar, at, at + _ONE_US) > 0


class _Schedule:
    """One calendar's open intervals in UTC microseconds, built lazily per local date they start on."""

    __slots__ = ("_closed", "_days", "_hours", "last_closed_ordinal", "zone")

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.zone = _zone(calendar.time_zone)
        self._hours: list[list[tuple[time, time]]] = [[] for _ in range(7)]
        for hours in calendar.weekly:
            self._hours[hours.weekday].append((hours.start, hours.end))
        self._closed: dict[date, list[tuple[time, time]]] = {day: [(_MIDNIGHT, _MIDNIGHT)] for day in calendar.holidays}
        for partial in calendar.partial_holidays:
            self._closed.setdefault(partial.day, []).append((partial.start, partial.end))
        self.last_closed_ordinal = max((day.toordinal() for day in self._closed), default=0)
        self._days: dict[int, tuple[tuple[int, int], ...]] = {}

    def day(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        found = self._days.get(ordinal)
        if found is None:
            if len(self._days) >= _MAX_CACHED_DAYS:
                self._days.clear()
            found = self._days[ordinal] = self._build(date.fromordinal(ordinal))
        return found

    def _build(self, day: date) -> tuple[tuple[int, int], ...]:
        opens = sorted(self._instants(day, start, end) for start, end in self._hours[day.weekday()])
        # Hours starting today end tomorrow at the latest, so only today's and tomorrow's holidays matter.
        closed = sorted(
            self._instants(closed_day, start, end)
            for closed_day in (day, day + _ONE_DAY)
            for start, end in self._closed.get(closed_day, ())
        )
        return tuple(_subtract(opens, closed))

    def _instants(self, day: date, start: time, end: time) -> tuple[int, int]:
        end_day = day if end > start else day + _ONE_DAY
        return self._local_us(datetime.combine(day, start)), self._local_us(datetime.combine(end_day, end))

    def _local_us(self, wall: datetime) -> int:
        zone = self.zone
        instant = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of a repeated wall time
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return (instant - _EPOCH) // _ONE_US
        # Skipped wall time: binary-search the first instant whose wall time reaches it (the gap's end).
        low, high = sorted(
            (wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) - _EPOCH) // _ONE_US for fold in (0, 1)
        )
        while low < high:
            middle = (low + high) // 2
            shown = (_EPOCH + timedelta(microseconds=middle)).astimezone(zone).replace(tzinfo=None)
            if shown >= wall:
                high = middle
            else:
                low = middle + 1
        return low


def _subtract(opens: list[tuple[int, int]], closed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    result = []
    for start, end in opens:
        for closed_start, closed_end in closed:
            if closed_end <= start or closed_start >= end:
                continue
            if closed_start > start:
                result.append((start, closed_start))
            start = max(start, closed_end)
        if start < end:
            result.append((start, end))
    return result


@lru_cache(maxsize=256)
def _schedule(calendar: BusinessCalendar) -> _Schedule:
    return _Schedule(calendar)


@lru_cache(maxsize=512)
def _cached_zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def _zone(key: str) -> ZoneInfo:
    try:
        return _cached_zone(key)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        raise CalendarError(f"unknown time zone {key!r}") from exc


def _window_us(start: time, end: time, what: str) -> tuple[int, int]:
    """Offsets from the day's midnight of a local window; an end at or before the start is tomorrow."""
    for wall in (start, end):
        if not isinstance(wall, time) or wall.tzinfo is not None:
            raise CalendarError(f"{what}: times must be naive local times, got {wall!r}")
    start_us, end_us = _time_us(start), _time_us(end)
    if start_us == end_us and start_us != 0:
        raise CalendarError(f"{what}: zero-length interval {start}-{end} (use 00:00-00:00 for a whole day)")
    if end_us <= start_us:
        end_us += _DAY_US
    return start_us, end_us


def _time_us(wall: time) -> int:
    return ((wall.hour * 60 + wall.minute) * 60 + wall.second) * _US_PER_SECOND + wall.microsecond


def _describe(hours: WeeklyHours) -> str:
    return f"{_WEEKDAYS[hours.weekday]} {hours.start:%H:%M}-{hours.end:%H:%M}"


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise CalendarError(f"expected a timezone-aware datetime, got {instant!r}")
