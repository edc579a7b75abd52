"""Domain policies and calendars by version, cached: a stored version never changes, so a process-wide cache is
always right. Which version is *current* is asked of the database each time."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import normalize_tags
from helpdesk_sla.domain import BusinessCalendar, Placement, SlaPolicy, choose_policy
from helpdesk_sla.policies import repository
from helpdesk_sla.policies.mapping import ALWAYS_OPEN, to_calendar, to_policy

K = TypeVar("K")
V = TypeVar("V")
VersionKey = tuple[str, uuid.UUID, int]


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class Catalog:
    """Loads policy and calendar versions as domain objects, a batch at a time."""

    def __init__(self, size: int = 20_000) -> None:
        self._policies: _Lru[VersionKey, SlaPolicy] = _Lru(size)
        self._calendars: _Lru[VersionKey, BusinessCalendar] = _Lru(size)
        # Equal calendars share one object, so the business-time caches keyed by calendar hit on identity.
        self._interned: dict[BusinessCalendar, BusinessCalendar] = {}

    async def policies(self, session: AsyncSession, keys: Iterable[VersionKey]) -> dict[VersionKey, SlaPolicy]:
        """The policy versions named by `keys` (one query for those not cached)."""
        wanted = set(keys)
        found = {key: policy for key in wanted if (policy := self._policies.get(key)) is not None}
        missing = sorted(wanted - found.keys(), key=str)
        for row in await repository.policy_versions(session, missing):
            key = (row.merchant_id, row.id, row.version)
            found[key] = policy = to_policy(row.id, row.version, dict(row._mapping))
            self._policies.put(key, policy)
        return found

    async def calendars(
        self, session: AsyncSession, keys: Iterable[tuple[str, uuid.UUID | None, int | None]]
    ) -> dict[tuple[str, uuid.UUID | None, int | None], BusinessCalendar]:
        """The calendar versions named by `keys`; a key without a calendar id means 24/7."""
        wanted = set(keys)
        found: dict[tuple[str, uuid.UUID | None, int | None], BusinessCalendar] = {}
        missing: list[VersionKey] = []
        for key in wanted:
            merchant_id, calendar_id, version = key
            if calendar_id is None or version is None:
                found[key] = ALWAYS_OPEN
            elif (calendar := self._calendars.get((merchant_id, calendar_id, version))) is not None:
                found[key] = calendar
            else:
                missing.append((merchant_id, calendar_id, version))
        for row in await repository.calendar_versions(session, sorted(missing, key=str)):
            calendar = to_calendar(row.time_zone, row.always_open, row.weekly_hours, row.holidays)
            if len(self._interned) > self._calendars.size:
                self._interned.clear()
            calendar = self._interned.setdefault(calendar, calendar)
            self._calendars.put((row.merchant_id, row.calendar_id, row.version), calendar)
            found[(row.merchant_id, row.calendar_id, row.version)] = calendar
        return found

    async def placements(
        self, session: AsyncSession, merchant_id: str, keys: Iterable[tuple[uuid.UUID, int, int | None]]
    ) -> dict[tuple[uuid.UUID, int, int | None], Placement]:
        """Placements named by (policy id, policy version, calendar version) keys of one merchant."""
        keys = set(keys)
        policies = await self.policies(session, [(merchant_id, p, v) for p, v, _ in keys])
        wanted = {key: policies[(merchant_id, key[0], key[1])] for key in keys}
        calendars = await self.calendars(
            session, [(merchant_id, policy.calendar_id, key[2]) for key, policy in wanted.items()]
        )
        return {
            key: Placement(policy, calendars[(merchant_id, policy.calendar_id, key[2])], key[2])
            for key, policy in wanted.items()
        }

    async def placement(self, session: AsyncSession, merchant_id: str, policy: SlaPolicy) -> Placement:
        """`policy` with the current version of its calendar."""
        if policy.calendar_id is None:
            return Placement(policy, ALWAYS_OPEN, None)
        version = await repository.current_calendar_version(session, merchant_id, policy.calendar_id)
        if version is None:  # cannot happen: a policy only names an existing calendar, and calendars are kept
            return Placement(policy, ALWAYS_OPEN, None)
        key = (merchant_id, policy.calendar_id, version)
        calendars = await self.calendars(session, [key])
        return Placement(policy, calendars[key], version)

    async def matching(
        self, session: AsyncSession, merchant_id: str, priority: str, category_id: uuid.UUID | None, tags: Sequence[str]
    ) -> Placement | None:
        """Where a ticket with these attributes is measured now: the most specific active policy, or None."""
        rows = await repository.active_policies(session, merchant_id)
        candidates = [self._policy_from_row(merchant_id, row) for row in rows]
        chosen = choose_policy(candidates, priority=priority, category_id=category_id, tags=normalize_tags(tags))
        return None if chosen is None else await self.placement(session, merchant_id, chosen)

    async def latest(self, session: AsyncSession, merchant_id: str, policy_id: uuid.UUID) -> Placement | None:
        """The current version of one policy, active or not, with its calendar's current version."""
        row = await repository.get_policy(session, merchant_id, policy_id)
        if row is None:
            return None
        return await self.placement(session, merchant_id, self._policy_from_row(merchant_id, row))

    def _policy_from_row(self, merchant_id: str, row: Any) -> SlaPolicy:
        key = (merchant_id, row.id, row.version)
        policy = self._policies.get(key)
        if policy is None:
            policy = to_policy(row.id, row.version, dict(row._mapping))
            self._policies.put(key, policy)
        return policy


catalog = Catalog()
