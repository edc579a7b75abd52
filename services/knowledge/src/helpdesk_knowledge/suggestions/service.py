"""Suggestions: for the ticket form (GET /v1/kb/suggest) and for every new ticket (ticket.created), and the
deflection funnel that follows them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_contracts import Envelope, TicketCreated
from helpdesk_contracts.knowledge import KnowledgeArticlesSuggested, SuggestedArticle
from helpdesk_knowledge.articles.service import events, locale_or_422
from helpdesk_knowledge.domain.deflection import (
    CLOCK_SKEW,
    DEFLECTION_WINDOW,
    SUGGESTIONS_PER_TICKET,
    deflection_rate,
)
from helpdesk_knowledge.domain.locales import language_of, normalize_locale
from helpdesk_knowledge.domain.suggest import any_of, rarest_terms
from helpdesk_knowledge.search import repository as search, term_stats
from helpdesk_knowledge.suggestions import repository
from helpdesk_knowledge.suggestions.schemas import (
    DeflectionReport,
    FormFunnel,
    Suggested,
    Suggestion,
    TicketArticle,
    TicketFunnel,
    TicketSuggestion,
)
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.errors import NotFound, Unprocessable

Sessions = async_sessionmaker[AsyncSession]
MAX_TEXT = 5_000  # characters of a ticket the suggestion reads


async def top_articles(
    session: AsyncSession, merchant_id: str, text: str, language: str | None, limit: int
) -> list[Suggested]:
    """The best published articles for free text: any of its telling words may match, best ranked first."""
    shares = await term_stats.common_terms(session)
    queries = []
    for lexemes_language, lexemes in await search.ticket_lexemes(session, merchant_id, language, text[:MAX_TEXT]):
        query = any_of(rarest_terms(lexemes, shares))
        if query is not None:
            queries.append((lexemes_language, query))
    if not queries:
        return []
    rows = await search.suggest(session, merchant_id, queries, limit)
    return [Suggested(article_id=r.id, title=r.title, slug=r.slug, score=round(r.score, 6)) for r in rows]


async def suggest_for_form(
    sessions: Sessions, principal: Principal, text: str, locale: str | None, limit: int
) -> Suggestion:
    """Articles for what a customer is typing; a customer's request enters the deflection funnel."""
    locale = locale_or_422(locale, "query.locale") if locale else normalize_locale(principal.locale or "")
    language = language_of(locale) if locale else None
    async with unit_of_work(sessions) as session:
        articles = await top_articles(session, principal.merchant_id, text, language, limit)
        if principal.is_staff:
            return Suggestion(suggestion_id=None, articles=articles)
        suggestion_id = uuid.uuid4()
        await repository.insert(
            session,
            principal.merchant_id,
            suggestion_id,
            source="form",
            customer_id=principal.user_id,
            ticket_id=None,
            query=text,
            language=language,
            article_ids=[a.article_id for a in articles],
            now=utcnow(),
        )
        await session.commit()
    return Suggestion(suggestion_id=suggestion_id, articles=articles)


async def suggest_for_ticket(session: AsyncSession, envelope: Envelope, event: TicketCreated) -> None:
    """A new ticket: close the funnel of the customer's recent form suggestions, then suggest for the ticket
    (once per ticket, however often it is announced) and publish `knowledge.articles_suggested`."""
    ticket, merchant_id = event.ticket, envelope.merchant_id
    await repository.mark_followed_by_ticket(
        session, merchant_id, ticket.customer_id, ticket.ticket_id, ticket.created_at, DEFLECTION_WINDOW, CLOCK_SKEW
    )
    locale = normalize_locale(ticket.locale) if ticket.locale else None
    language = language_of(locale) if locale else None
    # Another service's text: a NUL or a lone surrogate would make PostgreSQL refuse the statement (and park the event).
    text = "\n".join(part for part in (ticket.subject, ticket.description) if part).replace("\x00", " ")
    text = text.encode("utf-8", "replace").decode("utf-8")
    articles = await top_articles(session, merchant_id, text, language, SUGGESTIONS_PER_TICKET)
    suggestion_id = uuid.uuid4()
    inserted = await repository.insert(
        session,
        merchant_id,
        suggestion_id,
        source="ticket",
        customer_id=ticket.customer_id,
        ticket_id=ticket.ticket_id,
        query=text,
        language=language,
        article_ids=[a.article_id for a in articles],
        now=utcnow(),
    )
    if not inserted:
        return
    payload = KnowledgeArticlesSuggested(
        ticket_id=ticket.ticket_id,
        suggestion_id=suggestion_id,
        customer_id=ticket.customer_id,
        articles=[SuggestedArticle(**a.model_dump()) for a in articles],
    )
    key, cause = str(ticket.ticket_id), str(envelope.event_id)
    await events.stage(session, payload, merchant_id=merchant_id, ordering_key=key, causation_id=cause)


async def opened(sessions: Sessions, principal: Principal, suggestion_id: uuid.UUID, article_id: uuid.UUID) -> None:
    """The customer the suggestion was made for opened one of its articles."""
    async with unit_of_work(sessions) as session:
        row = await repository.get(session, principal.merchant_id, suggestion_id)
        if row is None or row.customer_id != principal.user_id:
            raise NotFound(f"suggestion {suggestion_id} not found")
        if article_id not in row.article_ids:
            message = f"article {article_id} was not suggested here"
            raise Unprocessable(message, errors=[{"field": "body.article_id", "message": message}])
        await repository.mark_opened(session, principal.merchant_id, suggestion_id, article_id, utcnow())
        await session.commit()


async def deflection(sessions: Sessions, principal: Principal, since: datetime, until: datetime) -> DeflectionReport:
    try:
        since, until = since.astimezone(UTC), until.astimezone(UTC)
    except OverflowError:
        message = "`from` and `to` must be between years 1 and 9999 in UTC"
        raise Unprocessable(message, errors=[{"field": "query.from", "message": message}]) from None
    if until <= since:
        message = "`to` must be after `from`"
        raise Unprocessable(message, errors=[{"field": "query.to", "message": message}])
    async with unit_of_work(sessions) as session:
        row = await repository.funnel(session, principal.merchant_id, since, until, utcnow() - DEFLECTION_WINDOW)
    form = FormFunnel(
        requests=row.form_requests,
        suggested=row.suggested,
        opened=row.opened,
        opened_then_ticket=row.opened_then_ticket,
        deflected=row.deflected,
        pending=row.pending,
        not_opened_then_ticket=row.not_opened_then_ticket,
        deflection_rate=deflection_rate(row.deflected, row.opened_then_ticket),
    )
    tickets = TicketFunnel(tickets=row.tickets, suggested=row.tickets_suggested, opened=row.tickets_opened)
    return DeflectionReport(
        from_=since,
        to=until,
        window_seconds=int(DEFLECTION_WINDOW.total_seconds()),
        form=form,
        new_tickets=tickets,
    )


async def for_ticket(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID) -> TicketSuggestion:
    """What was suggested for a ticket: to its customer and to staff; 404 to anyone else and before it exists."""
    async with unit_of_work(sessions) as session:
        row = await repository.for_ticket(session, principal.merchant_id, ticket_id)
    if row is None or not (principal.is_staff or row.customer_id == principal.user_id):
        raise NotFound(f"no suggestion for ticket {ticket_id}")
    opened = set(row.opened_article_ids or ())
    return TicketSuggestion(
        suggestion_id=row.id,
        ticket_id=ticket_id,
        created_at=row.created_at,
        articles=[
            TicketArticle(article_id=a, title=t, slug=s, opened=a in opened)
            for a, t, s in zip(row.article_ids, row.titles, row.slugs, strict=True)
        ],
    )
