from __future__ import annotations

import asyncio
import gc

from helpdesk_notify.live.api import credentials
from helpdesk_notify.live.collector import NEVER, scheduled_full_collections
from helpdesk_notify.live.hub import LiveSocket


def test_the_token_comes_from_the_subprotocol_header_or_the_query():
    assert credentials("q", []) == ("q", None)
    assert credentials(None, ["bearer", "jwt"]) == ("jwt", "bearer")
    assert credentials("q", ["bearer.jwt"]) == ("jwt", "bearer.jwt")
    assert credentials(None, ["chat"]) == (None, None)


async def test_full_collections_run_on_a_schedule_only_while_the_service_runs():
    before = gc.get_threshold()
    async with scheduled_full_collections(3600):
        assert gc.get_threshold()[2] == NEVER
    assert gc.get_threshold() == before
    async with scheduled_full_collections(0):
        assert gc.get_threshold() == before


async def test_a_socket_that_falls_too_far_behind_is_closed_and_replayed_frames_are_not_sent_twice():
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    socket = LiveSocket("m", "u", send, max_queue=2)
    socket.replayed_upto = 5
    socket.offer(5, "old")
    socket.offer(6, "new")
    socket.offer(7, "overflow")
    assert socket.closed.is_set() and socket.close_reason == "send queue overflow"
    writer = asyncio.create_task(socket.write())
    await asyncio.sleep(0.01)
    writer.cancel()
    assert sent == ["new"]
