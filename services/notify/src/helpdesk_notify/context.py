"""What a consumer handler needs of its own app (settings, live hub), found from its session's engine.

Handlers get only (session, envelope, payload); two notify apps may run in one process (tests), each with its
own engine, so the app's context is registered under that engine when the app starts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from helpdesk_notify.settings import NotifySettings

if TYPE_CHECKING:
    from helpdesk_notify.live.hub import LiveFrame, LiveHub

_LIVE_KEY = "notify_live_frames"


@dataclass
class NotifyContext:
    settings: NotifySettings
    live: LiveHub


_contexts: dict[Any, NotifyContext] = {}


def register(engine: AsyncEngine, context: NotifyContext) -> None:
    _contexts[engine.sync_engine] = context


def unregister(engine: AsyncEngine) -> None:
    _contexts.pop(engine.sync_engine, None)


async def of(session: AsyncSession, timeout: float = 10.0) -> NotifyContext:
    """The context of the app this session belongs to (waits briefly while the app is still starting)."""
    key = session.sync_session.get_bind()
    deadline = asyncio.get_running_loop().time() + timeout
    while (context := _contexts.get(key)) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("notify context not registered for this engine")
        await asyncio.sleep(0.01)
    return context


def push_after_commit(session: AsyncSession, frames: list[LiveFrame]) -> None:
    """Hand `frames` to the live exchange once the session's transaction commits (never on rollback)."""
    if frames:
        session.sync_session.info.setdefault(_LIVE_KEY, []).extend(frames)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    frames = session.info.pop(_LIVE_KEY, None)
    if frames:
        context = _contexts.get(session.get_bind())
        if context is not None:
            context.live.publish_soon(frames)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_LIVE_KEY, None)
