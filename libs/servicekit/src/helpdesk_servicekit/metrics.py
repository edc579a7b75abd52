"""Prometheus metrics shared by every service."""

from prometheus_client import Counter, Gauge, Histogram

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
CONSUMER_INFRA_RETRIES = Counter(
    "helpdesk_consumer_infrastructure_retries_total",
    "Handler attempts that failed because a dependency was unavailable (retried, never dead-lettered)",
    ["consumer"],
)
CONSUMERS_PAUSED = Gauge(
    "helpdesk_consumers_paused", "1 while a service's consumers wait for an unavailable dependency", ["service"]
)
DEAD_LETTERS = Gauge("helpdesk_dead_letters", "Messages waiting in a service's dead-letter queue", ["service"])
OUTBOX_PUBLISHED = Counter("helpdesk_outbox_published_total", "Outbox rows published")
OUTBOX_FAILURES = Counter("helpdesk_outbox_publish_failures_total", "Outbox rows the broker did not confirm")
