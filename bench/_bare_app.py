"""The baseline for bench/ticket_create.py: a bare FastAPI + asyncpg endpoint that inserts one row."""

import os
import uuid
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=10, max_size=10)
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bare_tickets (id uuid PRIMARY KEY, subject text NOT NULL,"
            " description text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/bare", status_code=201)
async def create(request: Request) -> JSONResponse:
    data = await request.json()
    ticket_id = uuid.uuid4()
    async with request.app.state.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO bare_tickets (id, subject, description) VALUES ($1, $2, $3)",
            ticket_id,
            data["subject"],
            data.get("description", ""),
        )
    return JSONResponse({"id": str(ticket_id), "subject": data["subject"]}, status_code=201)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
