"""Payloads of the events the knowledge service produces."""

from __future__ import annotations

from helpdesk_contracts.envelope import Payload

EVENTS: tuple[type[Payload], ...] = ()
