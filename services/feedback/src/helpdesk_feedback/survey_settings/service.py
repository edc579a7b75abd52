"""Use cases of the survey settings: managers read and change them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_feedback.domain.surveys import SCALES
from helpdesk_feedback.survey_settings import repository
from helpdesk_feedback.survey_settings.schemas import SurveySettingsPatch, SurveySettingsRead, SurveyTypeRead
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions


async def _read(session: AsyncSession, merchant_id: str) -> SurveySettingsRead:
    configs, changed = await repository.load_configs(session, merchant_id)
    blocks = {}
    for config in configs:
        low, high = SCALES[config.survey_type]
        blocks[config.survey_type] = SurveyTypeRead(
            enabled=config.enabled,
            trigger=config.trigger,
            delay_seconds=config.delay_seconds,
            expiry_seconds=config.expiry_seconds,
            question=config.question,
            include_auto_closed=config.include_auto_closed,
            scale_min=low,
            scale_max=high,
            updated_at=changed.get(config.survey_type),
        )
    return SurveySettingsRead(**blocks)


async def get_settings(sessions: Sessions, principal: Principal) -> SurveySettingsRead:
    async with unit_of_work(sessions) as session:
        return await _read(session, principal.merchant_id)


async def change_settings(sessions: Sessions, principal: Principal, data: SurveySettingsPatch) -> SurveySettingsRead:
    """Apply the given fields of each given type; the others keep their values."""
    async with unit_of_work(sessions) as session:
        for survey_type in ("csat", "nps", "ces"):
            patch = getattr(data, survey_type)
            if patch is not None:
                given = patch.model_dump(exclude_none=True)
                await repository.merge_config(session, principal.merchant_id, survey_type, given, principal.user_id)
        read = await _read(session, principal.merchant_id)
        await session.commit()
    return read
