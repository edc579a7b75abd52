"""Wiring only: settings, routers, consumers and the invitation timer worker into the servicekit app factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_feedback.feature_requests.api import router as feature_requests_router
from helpdesk_feedback.invitations.api import router as answers_router
from helpdesk_feedback.invitations.service import invitation_worker
from helpdesk_feedback.results.api import router as results_router
from helpdesk_feedback.settings import FeedbackSettings
from helpdesk_feedback.survey_settings.api import router as settings_router
from helpdesk_feedback.tickets.consumers import consumers
from helpdesk_servicekit.app import ServiceSpec, create_app, run as run_service
from helpdesk_servicekit.openapi import document_problems
from helpdesk_servicekit.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: ServiceSettings) -> FastAPI:
    # The token routes (`/v1/surveys/{token}`) come after the fixed ones so `settings` and `results` win.
    app = create_app(
        ServiceSpec(
            settings=settings,
            migrations_dir=MIGRATIONS,
            routers=[settings_router, results_router, answers_router, feature_requests_router],
            consumers=consumers,
            background=[invitation_worker],
            title="Helpdesk feedback",
            description="CSAT, NPS and CES surveys after resolution, their results, and feature requests with votes.",
        )
    )
    return document_problems(app)


def run() -> None:
    run_service(build, FeedbackSettings)
