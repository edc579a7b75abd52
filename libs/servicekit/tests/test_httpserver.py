"""BoundedHttpProtocol over real sockets: slow or oversized request headers are cut off; everything else is served."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator

import uvicorn
import websockets
from fastapi import FastAPI, Request, WebSocket

from helpdesk_servicekit.httpserver import BoundedHttpProtocol
from helpdesk_servicekit.testing.helpers import eventually, free_port

TIMEOUT = 1.0


class QuickProtocol(BoundedHttpProtocol):
    header_timeout_seconds = TIMEOUT
    max_header_bytes = 16 * 1024


def an_app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.post("/echo-size")
    async def echo_size(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.websocket("/ws")
    async def live(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.send_text(await websocket.receive_text())

    return app


@contextlib.asynccontextmanager
async def server() -> AsyncIterator[tuple[str, int]]:
    port = free_port()
    config = uvicorn.Config(
        an_app(), host="127.0.0.1", port=port, http=QuickProtocol, ws="websockets-sansio", log_config=None
    )
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    await eventually(lambda: running.started, timeout=10)
    try:
        yield "127.0.0.1", port
    finally:
        running.should_exit = True
        await asyncio.wait_for(task, 10)


def answer(address: tuple[str, int], *sends: bytes, pause: float = 0.0, timeout: float = 10.0) -> tuple[bytes, float]:
    """What the server sends back (until it closes) to `sends`, and how long after connecting it closed."""
    with socket.create_connection(address, timeout=timeout) as conn:
        started = time.monotonic()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for data in sends:
                conn.sendall(data)
                time.sleep(pause)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := conn.recv(65536):
                received += chunk
        return received, time.monotonic() - started


async def test_a_client_that_sends_nothing_is_closed_after_the_header_timeout():
    async with server() as address:
        received, after = await asyncio.to_thread(answer, address)
    assert received.startswith(b"HTTP/1.1 408")
    assert TIMEOUT <= after < TIMEOUT + 5


async def test_a_client_that_trickles_its_headers_is_closed_after_the_header_timeout():
    trickle = [b"GET /hello HTTP/1.1\r\n", *(b"X-Slow-%d: a\r\n" % i for i in range(40))]
    async with server() as address:
        received, after = await asyncio.to_thread(answer, address, *trickle, pause=0.1)
    assert received.startswith(b"HTTP/1.1 408")
    assert after < 4.0 + TIMEOUT  # 40 lines at 0.1 s would take 4 s: cut off at the deadline


async def test_oversized_headers_are_431_and_the_server_keeps_serving():
    async with server() as address:
        one_big, _ = await asyncio.to_thread(answer, address, b"GET /hello HTTP/1.1\r\nX-Big: " + b"a" * 1_000_000)
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(50_000))
        many_small, _ = await asyncio.to_thread(answer, address, b"GET /hello HTTP/1.1\r\n" + many + b"\r\n")
        fine, _ = await asyncio.to_thread(
            answer, address, b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
    assert one_big.startswith(b"HTTP/1.1 431") and many_small.startswith(b"HTTP/1.1 431")
    assert fine.startswith(b"HTTP/1.1 200") and fine.endswith(b'{"hello":"world"}')


async def test_bodies_keep_alive_and_websockets_are_not_cut_off():
    body = b"a" * 1_000_000  # a body is not headers: no 431, and its slow arrival is not a header timeout
    request = b"POST /echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    second = b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    async with server() as address:
        posted, _ = await asyncio.to_thread(
            answer, address, request, body[:500_000], body[500_000:], second, pause=TIMEOUT * 0.8
        )
        async with websockets.connect(f"ws://{address[0]}:{address[1]}/ws") as ws:
            assert await ws.recv() == "hi"
            await asyncio.sleep(TIMEOUT * 1.5)  # past the header deadline: an upgraded socket is not cut off
            await ws.send("still here")
            assert await ws.recv() == "still here"
    assert posted.startswith(b"HTTP/1.1 200") and b'{"size":1000000}' in posted
    assert posted.count(b"HTTP/1.1 200") == 2  # the kept-alive connection served its second request
