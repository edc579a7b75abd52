"""Rebuild the agent metric rollups from the recorded facts:

    python -m helpdesk_routing.metrics.rebuild [--merchant M]

Reads HELPDESK_* settings like the service; safe while the service runs (one transaction).
"""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import text

from helpdesk_routing.metrics import repository
from helpdesk_routing.settings import RoutingSettings
from helpdesk_servicekit.db import make_engine, make_session_factory, unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.settings import SettingsError, exit_on_bad_settings, load_settings


async def rebuild(sessions: Sessions, merchant_id: str | None = None) -> int:
    """Replace the daily rollups (of one merchant, or all) with sums over the facts; returns rows written."""
    async with unit_of_work(sessions) as session:
        await session.execute(text("LOCK TABLE routing_agent_daily IN SHARE ROW EXCLUSIVE MODE"))
        written = await repository.rebuild(session, merchant_id)
        await session.commit()
    return written


async def _main(merchant_id: str | None) -> None:
    try:
        settings = load_settings(RoutingSettings)
    except SettingsError as exc:
        exit_on_bad_settings(exc)
        return
    engine = make_engine(settings.service_dsn, 2)
    try:
        written = await rebuild(make_session_factory(engine), merchant_id)
        print(f"rebuilt {written} daily rollup rows")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m helpdesk_routing.metrics.rebuild")
    parser.add_argument("--merchant", default=None, help="only this merchant (default: all)")
    args = parser.parse_args()
    asyncio.run(_main(args.merchant))


if __name__ == "__main__":
    main()
