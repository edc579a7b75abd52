"""The service's one producer: use cases stage their events through it in their own transaction."""

from helpdesk_servicekit import outbox

events = outbox.Producer("feedback")
