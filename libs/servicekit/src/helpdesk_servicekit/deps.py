"""FastAPI dependencies every route uses. All async: FastAPI runs a plain `def` dependency in a thread pool,
which on the create-ticket path cost more than the database work.

A route takes `SessionsDep` for the unit-of-work factory, one of the principal aliases from `auth`
(`CurrentPrincipal`, `StaffPrincipal`, `ManagerPrincipal`, `CustomerPrincipal`) for who is calling, and
its typed settings as `Annotated[MySettings, Depends(settings_of(MySettings))]`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_servicekit.settings import ServiceSettings

Sessions = async_sessionmaker[AsyncSession]
S = TypeVar("S", bound=ServiceSettings)


async def get_sessions(request: Request) -> Sessions:
    return cast(Sessions, request.app.state.sessions)


SessionsDep = Annotated[Sessions, Depends(get_sessions)]


def settings_of(cls: type[S]) -> Callable[[Request], Awaitable[S]]:
    """A dependency giving the app's settings, typed as the service's own settings class."""

    async def get_settings(request: Request) -> S:
        settings = request.app.state.settings
        assert isinstance(settings, cls), f"app settings are {type(settings).__name__}, not {cls.__name__}"
        return settings

    return get_settings
