"""GET /v1/ws: a user's live notifications. Auth with `?token=` or the `Sec-WebSocket-Protocol` header
(`bearer, <jwt>` or `bearer.<jwt>`); a bad token closes with 4401. `?since=<notification id>` replays what was
missed from the inbox first. The server pings with {"type": "ping"}; any frame from the client counts as alive."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from helpdesk_notify.inbox import repository as inbox
from helpdesk_notify.inbox.schemas import NotificationRead
from helpdesk_notify.live.hub import LiveHub, LiveSocket
from helpdesk_servicekit.auth import JwtVerifier, Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.errors import Unauthorized

router = APIRouter(tags=["live"])

CLOSE_UNAUTHORIZED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_TOO_SLOW = 4408
REPLAY_LIMIT = 1000


def credentials(query_token: str | None, protocols: list[str]) -> tuple[str | None, str | None]:
    """The token and the subprotocol to answer with (browsers need one of theirs echoed)."""
    for index, protocol in enumerate(protocols):
        if protocol.lower().startswith("bearer."):
            return protocol[len("bearer.") :], protocol
        if protocol.lower() == "bearer" and index + 1 < len(protocols):
            return protocols[index + 1], protocol
    return query_token, None


@router.websocket("/v1/ws")
async def live(websocket: WebSocket) -> None:
    token, subprotocol = credentials(websocket.query_params.get("token"), list(websocket.scope.get("subprotocols", [])))
    await websocket.accept(subprotocol=subprotocol)
    verifier: JwtVerifier = websocket.app.state.jwt
    try:
        if not token:
            raise Unauthorized("a token is required")
        principal = await verifier.verify(token)
    except Unauthorized:
        await websocket.close(CLOSE_UNAUTHORIZED, "invalid or missing token")
        return
    since_raw = websocket.query_params.get("since")
    try:
        since = uuid.UUID(since_raw) if since_raw else None
    except ValueError:
        await websocket.close(CLOSE_BAD_REQUEST, "since is not a notification id")
        return
    hub: LiveHub = websocket.app.state.live
    socket = LiveSocket(principal.merchant_id, principal.user_id, websocket.send_text, hub.max_queue)
    hub.add(socket)  # before the replay, so nothing published meanwhile is missed
    try:
        replayed = await _replay(websocket, socket, principal, since)
        await websocket.send_text(json.dumps({"type": "hello", "user_id": principal.user_id, **replayed}))
        await _serve(websocket, socket)
    except WebSocketDisconnect:
        pass
    finally:
        hub.remove(socket)


async def _replay(
    websocket: WebSocket, socket: LiveSocket, principal: Principal, since: uuid.UUID | None
) -> dict[str, object]:
    if since is None:
        return {"replayed": 0}
    async with unit_of_work(websocket.app.state.sessions) as session:
        rows = await inbox.since(session, principal.merchant_id, principal.user_id, since, REPLAY_LIMIT)
    if rows is None:
        return {"replayed": 0, "since_unknown": True}
    for row in rows:
        notification = NotificationRead(**row).model_dump(mode="json")
        await websocket.send_text(json.dumps({"type": "notification", "notification": notification}))
        socket.replayed_upto = row["seq"]
    return {"replayed": len(rows)}


async def _serve(websocket: WebSocket, socket: LiveSocket) -> None:
    """Write queued frames and read the client's until either side ends or the hub drops the socket."""
    writer = asyncio.create_task(socket.write())
    reader = asyncio.create_task(_read(websocket, socket))
    closer = asyncio.create_task(socket.closed.wait())
    try:
        done, _ = await asyncio.wait({writer, reader, closer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (writer, reader, closer):
            task.cancel()
        for task in (writer, reader, closer):
            with contextlib.suppress(BaseException):
                await task
    if closer in done:
        code = CLOSE_TOO_SLOW if socket.close_reason == "send queue overflow" else 1001
        with contextlib.suppress(Exception):
            await websocket.close(code, socket.close_reason)


async def _read(websocket: WebSocket, socket: LiveSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        socket.last_seen = time.monotonic()
        if message.get("text") == '{"type": "ping"}' or message.get("text") == '{"type":"ping"}':
            socket.offer(0, '{"type": "pong"}')
