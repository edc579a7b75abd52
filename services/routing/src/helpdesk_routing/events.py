"""Routing's one producer: every event it publishes is staged through this in the use case's transaction."""

from helpdesk_servicekit import outbox

events = outbox.Producer("routing")
