"""Queries of the survey settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_feedback.domain.surveys import SURVEY_TYPES, SurveyConfig

_COLUMNS = "survey_type, enabled, trigger, delay_seconds, expiry_seconds, question, include_auto_closed"


async def load_configs(session: AsyncSession, merchant_id: str) -> tuple[list[SurveyConfig], dict[str, datetime]]:
    """Every type's settings (defaults where the merchant stored none) and when each was last changed."""
    rows = (
        await session.execute(
            text(f"SELECT {_COLUMNS}, updated_at FROM survey_settings WHERE merchant_id = :m"), {"m": merchant_id}
        )
    ).all()
    stored = {row.survey_type: row for row in rows}
    configs = []
    for survey_type in SURVEY_TYPES:
        row = stored.get(survey_type)
        if row is None:
            configs.append(SurveyConfig.default(survey_type))
        else:
            values = {k: v for k, v in row._mapping.items() if k != "updated_at"}
            configs.append(SurveyConfig(**values))
    return configs, {t: r.updated_at for t, r in stored.items()}


async def load_config(session: AsyncSession, merchant_id: str, survey_type: str) -> SurveyConfig:
    configs, _ = await load_configs(session, merchant_id)
    return next(c for c in configs if c.survey_type == survey_type)


async def merge_config(
    session: AsyncSession, merchant_id: str, survey_type: str, given: dict[str, Any], user_id: str
) -> None:
    """Store the given fields over the current ones (the defaults the first time), in one statement."""
    fields = ("enabled", "trigger", "delay_seconds", "expiry_seconds", "question", "include_auto_closed")
    first = SurveyConfig.default(survey_type)  # type: ignore[arg-type]
    values = {f: given.get(f) if given.get(f) is not None else getattr(first, f) for f in fields}
    params = {"m": merchant_id, "t": survey_type, "u": user_id} | values | {f"g_{f}": given.get(f) for f in fields}
    updates = ", ".join(f"{f} = COALESCE(CAST(:g_{f} AS {_TYPES[f]}), survey_settings.{f})" for f in fields)
    await session.execute(
        text(
            f"INSERT INTO survey_settings (merchant_id, {_COLUMNS}, updated_by)"
            " VALUES (:m, :t, :enabled, :trigger, :delay_seconds, :expiry_seconds, :question, :include_auto_closed, :u)"
            f" ON CONFLICT (merchant_id, survey_type) DO UPDATE SET {updates}, updated_by = :u, updated_at = now()"
        ),
        params,
    )


_TYPES = {
    "enabled": "boolean",
    "trigger": "text",
    "delay_seconds": "integer",
    "expiry_seconds": "integer",
    "question": "text",
    "include_auto_closed": "boolean",
}
