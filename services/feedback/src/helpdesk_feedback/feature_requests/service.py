"""Use cases of feature requests: submit, list, vote (one per user, frozen when final), status, merge, ticket links."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts.feedback import FeatureRequestStatusChanged
from helpdesk_feedback.domain.feature_requests import (
    MergeRefused,
    TransitionNotAllowed,
    VotesFrozen,
    check_merge,
    check_transition,
    check_votable,
)
from helpdesk_feedback.events import events
from helpdesk_feedback.feature_requests import repository
from helpdesk_feedback.feature_requests.schemas import (
    FeatureRequestCreate,
    FeatureRequestRead,
    MergeRead,
    Sort,
    TicketLinkRead,
)
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, Forbidden, InvalidTransition, NotFound, Unprocessable
from helpdesk_servicekit.idempotency import run_once
from helpdesk_servicekit.pagination import Page, decode_cursor, encode_cursor


def _read(row: Row[Any], voted: bool = False) -> FeatureRequestRead:
    values = {k: v for k, v in row._mapping.items() if k != "status_rank"}
    return FeatureRequestRead(**values, voted=voted)


async def _load(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID, *, for_update: bool = False
) -> Row[Any]:
    row = await repository.get(session, principal.merchant_id, request_id, for_update=for_update)
    if row is None:
        raise NotFound(f"feature request {request_id} not found")
    return row


async def _fresh(session: AsyncSession, principal: Principal, request_id: uuid.UUID) -> FeatureRequestRead:
    row = await _load(session, principal, request_id)
    voted = await repository.voted_among(session, principal.merchant_id, [request_id], principal.user_id)
    return _read(row, request_id in voted)


async def submit(
    sessions: Sessions, principal: Principal, data: FeatureRequestCreate, idempotency_key: str | None
) -> tuple[int, dict[str, Any]]:
    """Customers and staff submit a request; staff may link the ticket that asked for it."""
    if data.ticket_id is not None and not principal.is_staff:
        raise Forbidden("only agents and managers link tickets to feature requests")

    async def work(session: AsyncSession) -> FeatureRequestRead:
        request_id = uuid.uuid4()
        await repository.insert(
            session, principal.merchant_id, request_id, data.title, data.description, principal.user_id,
            principal.role.value,
        )
        if data.ticket_id is not None:
            await repository.link_ticket(session, principal.merchant_id, request_id, data.ticket_id, principal.user_id)
        return await _fresh(session, principal, request_id)

    fingerprint = ("submit_feature_request", data.model_dump(mode="json"))
    stored = await run_once(sessions, principal, idempotency_key, fingerprint, work, status_code=201)
    return stored.status_code, stored.body


async def get(sessions: Sessions, principal: Principal, request_id: uuid.UUID) -> FeatureRequestRead:
    async with unit_of_work(sessions) as session:
        return await _fresh(session, principal, request_id)


def _after(sort: str, cursor: str | None) -> tuple[int, datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    values = decode_cursor(cursor)
    try:
        if len(values) != 4 or values[0] != sort or not isinstance(values[1], int):
            raise ValueError
        key, created_at, request_id = values[1], datetime.fromisoformat(values[2]), uuid.UUID(values[3])
        if not -(2**31) <= key < 2**31 or created_at.tzinfo is None:
            raise ValueError
        return key, created_at, request_id
    except (TypeError, ValueError, AttributeError):
        raise Unprocessable(
            "cursor is not valid for this sort", errors=[{"field": "query.cursor", "message": "invalid cursor"}]
        ) from None


async def list_requests(
    sessions: Sessions,
    principal: Principal,
    *,
    sort: Sort,
    status: str | None,
    include_merged: bool,
    limit: int,
    cursor: str | None,
) -> Page[FeatureRequestRead]:
    """Most voted first (or newest, or by status), newest first among equals; cursor-paginated."""
    after = _after(sort, cursor)
    async with unit_of_work(sessions) as session:
        rows = await repository.page(
            session, principal.merchant_id, sort=sort, status=status, include_merged=include_merged, after=after,
            limit=limit + 1,
        )
        ids = [row.id for row in rows[:limit]]
        voted = await repository.voted_among(session, principal.merchant_id, ids, principal.user_id)
    items = [_read(row, row.id in voted) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        key = last.vote_count if sort == "votes" else last.status_rank if sort == "status" else 0
        next_cursor = encode_cursor(sort, key, last.created_at.isoformat(), str(last.id))
    return Page(items=items, next_cursor=next_cursor)


def _frozen(exc: VotesFrozen, row: Row[Any]) -> Conflict:
    return Conflict(str(exc), status_of_request=row.status, merged_into_id=str(row.merged_into_id or "") or None)


async def vote(sessions: Sessions, principal: Principal, request_id: uuid.UUID) -> FeatureRequestRead:
    """One vote per user: voting again changes nothing; a done, declined or merged request refuses (409)."""
    async with unit_of_work(sessions) as session:
        row = await _load(session, principal, request_id, for_update=True)
        try:
            check_votable(row.status, row.merged_into_id)
        except VotesFrozen as exc:
            raise _frozen(exc, row) from None
        await repository.add_vote(session, principal.merchant_id, request_id, principal.user_id)
        read = await _fresh(session, principal, request_id)
        await session.commit()
    return read


async def unvote(sessions: Sessions, principal: Principal, request_id: uuid.UUID) -> FeatureRequestRead:
    async with unit_of_work(sessions) as session:
        row = await _load(session, principal, request_id, for_update=True)
        try:
            check_votable(row.status, row.merged_into_id)
        except VotesFrozen as exc:
            raise _frozen(exc, row) from None
        await repository.remove_vote(session, principal.merchant_id, request_id, principal.user_id)
        read = await _fresh(session, principal, request_id)
        await session.commit()
    return read


async def _announce(
    session: AsyncSession,
    principal: Principal,
    row: Row[Any],
    status: str,
    voter_limit: int,
    merged_into_id: uuid.UUID | None = None,
) -> None:
    voter_ids = await repository.voters(session, principal.merchant_id, row.id, voter_limit)
    payload = FeatureRequestStatusChanged(
        feature_request_id=row.id,
        title=row.title,
        from_status=row.status,
        status=status,  # type: ignore[arg-type]
        voter_ids=voter_ids,
        merged_into_id=merged_into_id,
    )
    await events.stage(session, payload, merchant_id=principal.merchant_id, ordering_key=str(row.id))


async def change_status(
    sessions: Sessions, principal: Principal, request_id: uuid.UUID, status: str, voter_limit: int
) -> FeatureRequestRead:
    """Managers move a request along its lifecycle; voters hear of it. The same status again changes nothing."""
    async with unit_of_work(sessions) as session:
        row = await _load(session, principal, request_id, for_update=True)
        if row.merged_into_id is not None:
            raise Conflict(f"this request was merged into {row.merged_into_id}; change that one")
        if row.status == status:
            return await _fresh(session, principal, request_id)
        try:
            check_transition(row.status, status)
        except TransitionNotAllowed as exc:
            raise InvalidTransition(str(exc), current=exc.current, allowed=exc.allowed) from None
        await _announce(session, principal, row, status, voter_limit)
        await repository.set_status(session, principal.merchant_id, request_id, status, utcnow())
        read = await _fresh(session, principal, request_id)
        await session.commit()
    return read


async def merge(
    sessions: Sessions, principal: Principal, request_id: uuid.UUID, into_id: uuid.UUID, voter_limit: int
) -> MergeRead:
    """A duplicate merges into the original: votes and tickets move over (each user and ticket counted once),
    the duplicate is declined and points to the original; its voters hear of it."""
    if request_id == into_id:
        message = "a feature request cannot be merged into itself"
        raise Unprocessable(message, errors=[{"field": "body.into_id", "message": message}])
    async with unit_of_work(sessions) as session:
        rows = await repository.lock_pair(session, principal.merchant_id, request_id, into_id)
        if request_id not in rows:
            raise NotFound(f"feature request {request_id} not found")
        if into_id not in rows:
            message = f"feature request {into_id} not found"
            raise Unprocessable(message, errors=[{"field": "body.into_id", "message": message}])
        source, target = rows[request_id], rows[into_id]
        try:
            check_merge(
                source.id, source.status, source.merged_into_id, target.id, target.status, target.merged_into_id
            )
        except MergeRefused as exc:
            raise Conflict(str(exc)) from None
        await _announce(session, principal, source, "declined", voter_limit, merged_into_id=into_id)
        await repository.merge_into(session, principal.merchant_id, request_id, into_id)
        await repository.set_status(session, principal.merchant_id, request_id, "declined", utcnow(), into_id)
        read = MergeRead(
            duplicate=await _fresh(session, principal, request_id), original=await _fresh(session, principal, into_id)
        )
        await session.commit()
    return read


async def link_ticket(
    sessions: Sessions, principal: Principal, request_id: uuid.UUID, ticket_id: uuid.UUID
) -> FeatureRequestRead:
    """Staff record that a ticket asked for this request (once per ticket)."""
    async with unit_of_work(sessions) as session:
        row = await _load(session, principal, request_id, for_update=True)
        if row.merged_into_id is not None:
            raise Conflict(f"this request was merged into {row.merged_into_id}; link the ticket there")
        await repository.link_ticket(session, principal.merchant_id, request_id, ticket_id, principal.user_id)
        read = await _fresh(session, principal, request_id)
        await session.commit()
    return read


async def unlink_ticket(sessions: Sessions, principal: Principal, request_id: uuid.UUID, ticket_id: uuid.UUID) -> None:
    async with unit_of_work(sessions) as session:
        await _load(session, principal, request_id, for_update=True)
        if not await repository.unlink_ticket(session, principal.merchant_id, request_id, ticket_id):
            raise NotFound(f"ticket {ticket_id} is not linked to this request")
        await session.commit()


async def linked_tickets(sessions: Sessions, principal: Principal, request_id: uuid.UUID) -> list[TicketLinkRead]:
    async with unit_of_work(sessions) as session:
        await _load(session, principal, request_id)
        rows = await repository.linked_tickets(session, principal.merchant_id, request_id)
    return [TicketLinkRead.model_validate(dict(row._mapping)) for row in rows]
