"""Wiring only: settings, routers and the ticket consumer into the servicekit app factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_knowledge.articles.api import router as articles_router
from helpdesk_knowledge.categories.api import router as categories_router
from helpdesk_knowledge.feedback.api import router as feedback_router
from helpdesk_knowledge.search.api import router as search_router
from helpdesk_knowledge.settings import KnowledgeSettings
from helpdesk_knowledge.suggestions.api import router as suggestions_router
from helpdesk_knowledge.suggestions.consumers import consumers
from helpdesk_servicekit.app import ServiceSpec, create_app, run as run_service
from helpdesk_servicekit.openapi import document_problems
from helpdesk_servicekit.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: ServiceSettings) -> FastAPI:
    app = create_app(
        ServiceSpec(
            settings=settings,
            migrations_dir=MIGRATIONS,
            # search first: /v1/articles/search must not be taken for an article id
            routers=[search_router, articles_router, feedback_router, categories_router, suggestions_router],
            consumers=consumers,
            title="Helpdesk knowledge",
            description="Articles with versions, KB categories, full-text search, feedback, ticket suggestions.",
        )
    )
    return document_problems(app)


def run() -> None:
    run_service(build, KnowledgeSettings)
