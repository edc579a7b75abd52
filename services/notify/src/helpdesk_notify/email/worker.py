"""The background worker that drains the email queue: claim due rows, send, record the outcome, back off."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import aiosmtplib

from helpdesk_notify.email import repository
from helpdesk_notify.email.sender import Smtp, SmtpServer, build_message
from helpdesk_notify.settings import NotifySettings
from helpdesk_servicekit.app import Runtime
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.wakeup import Waker

log = logging.getLogger(__name__)

WAKE_CHANNEL = "notify_email"


def backoff(settings: NotifySettings, attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: exponential, capped."""
    return min(settings.email_retry_base_seconds * 2 ** max(attempts - 1, 0), settings.email_retry_max_seconds)


async def run_email_worker(runtime: Runtime[NotifySettings], stop: asyncio.Event) -> None:
    """Send queued email until `stop`; without HELPDESK_SMTP_URL the queue waits (nothing is dropped)."""
    settings = runtime.settings
    if not settings.smtp_url:
        log.warning("HELPDESK_SMTP_URL is not set: notification email stays queued")
        return
    smtp = Smtp(SmtpServer.from_url(settings.smtp_url), settings.smtp_timeout_seconds)
    waker = Waker(WAKE_CHANNEL, settings.listen_dsn)
    try:
        while not stop.is_set():
            await waker.arm()
            try:
                sent_all = await drain_once(runtime, smtp)
            except Exception:
                log.exception("email worker round failed")
                sent_all = True
            if not sent_all:
                continue  # a full batch: look again at once
            await waker.sleep(stop, await _seconds_to_next(runtime))
    finally:
        await waker.close()


async def _seconds_to_next(runtime: Runtime[NotifySettings]) -> float:
    poll = runtime.settings.email_poll_seconds
    try:
        async with unit_of_work(runtime.sessions) as session:
            due = await repository.next_due(session)
    except Exception:
        return poll
    if due is None:
        return poll
    return max(0.0, min(poll, (due - utcnow()).total_seconds()))


async def drain_once(runtime: Runtime[NotifySettings], smtp: Smtp) -> bool:
    """Send one batch of due email; True when the batch was not full."""
    settings = runtime.settings
    async with unit_of_work(runtime.sessions) as session:
        due = await repository.claim_due(session, settings.email_batch_size)
        if not due:
            return True
        client = smtp.client()
        connected = False
        try:
            await client.connect()
            connected = True
        except (aiosmtplib.SMTPException, OSError) as exc:
            reason = f"SMTP server unreachable: {exc}"
            for email in due:
                await _failed(session, settings, email, reason)
        if connected:
            try:
                for email in due:
                    try:
                        await client.send_message(build_message(email, settings.mail_from))
                    except aiosmtplib.SMTPRecipientsRefused as exc:
                        await repository.mark_attempt_failed(session, email, f"recipient refused: {exc}", None)
                    except (aiosmtplib.SMTPException, OSError) as exc:
                        await _failed(session, settings, email, f"SMTP error: {exc}")
                    else:
                        await repository.mark_sent(session, email)
            finally:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()
        await session.commit()
    return len(due) < settings.email_batch_size


async def _failed(session, settings: NotifySettings, email: repository.DueEmail, reason: str) -> None:  # type: ignore[no-untyped-def]
    attempts = email.attempts + 1
    if attempts >= settings.email_max_attempts:
        await repository.mark_attempt_failed(session, email, f"gave up after {attempts} attempts: {reason}", None)
        return
    retry_at = utcnow() + timedelta(seconds=backoff(settings, attempts))
    await repository.mark_attempt_failed(session, email, reason, retry_at)
