"""Payloads of the events the feedback service produces."""

from __future__ import annotations

from helpdesk_contracts.envelope import Payload

EVENTS: tuple[type[Payload], ...] = ()
