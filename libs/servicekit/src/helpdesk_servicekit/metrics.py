"""Prometheus metrics shared by every service."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("helpdesk_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "helpdesk_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_CONSUMED = Counter(
    "helpdesk_events_consumed_total", "Events handled by consumers", ["consumer", "event_type", "outcome"]
)
EVENT_HANDLING = Histogram("helpdesk_event_handling_seconds", "Event handling time", ["consumer", "event_type"])
OUTBOX_PUBLISHED = Counter("helpdesk_outbox_published_total", "Outbox rows published")
OUTBOX_FAILURES = Counter("helpdesk_outbox_publish_failures_total", "Outbox publish attempts that failed")
