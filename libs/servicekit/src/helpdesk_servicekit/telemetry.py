"""OpenTelemetry tracing (no-op without an exporter) and JSON logs carrying trace and correlation ids."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import context as otel_context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


class _Added(SpanProcessor):
    """Processors added after the provider was installed (a test's in-memory exporter); each can be removed."""

    def __init__(self) -> None:
        self.processors: tuple[SpanProcessor, ...] = ()

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        for processor in self.processors:
            processor.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        for processor in self.processors:
            processor.on_end(span)

    def shutdown(self) -> None:
        for processor in self.processors:
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(processor.force_flush(timeout_millis) for processor in self.processors)


_added = _Added()
_provider: TracerProvider | None = None


def configure_tracing(service: str, span_processor: SpanProcessor | None = None) -> TracerProvider:
    """Install a tracer provider once per process; export over OTLP only when an endpoint is set.

    `span_processor` (e.g. a test's `SimpleSpanProcessor(InMemorySpanExporter())`) is added to the process's
    provider whether this call installs it or it exists already; `remove_span_processor` takes it off again.
    """
    global _provider
    if _provider is None:
        provider = TracerProvider(resource=Resource.create({"service.name": f"helpdesk-{service}"}))
        provider.add_span_processor(_added)
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        _provider = provider
    if span_processor is not None and span_processor not in _added.processors:
        _added.processors = (*_added.processors, span_processor)
    return _provider


def remove_span_processor(span_processor: SpanProcessor) -> None:
    _added.processors = tuple(p for p in _added.processors if p is not span_processor)


def tracer(name: str = "helpdesk") -> trace.Tracer:
    return trace.get_tracer(name)


def extract_context(headers: Mapping[str, Any]) -> otel_context.Context:
    return propagate.extract({k: str(v) for k, v in headers.items()})


@contextlib.contextmanager
def publish_span(
    event_type: str, headers: Mapping[str, Any] | None, producer: str | None = None
) -> Iterator[dict[str, Any]]:
    """A producer span around one publish, child of the trace context stored in `headers` (the outbox row's).

    Yields the headers to send: the same, with `traceparent` now naming the publish span, so each consumer's
    span descends from it. Without tracing configured in this process the headers go on unchanged."""
    carried = dict(headers or {})
    if _provider is None:
        yield carried
        return
    attributes = {"messaging.system": "rabbitmq", "messaging.operation": "publish", "event_type": event_type}
    if producer:
        attributes["producer"] = producer
    with tracer().start_as_current_span(
        f"publish {event_type}", context=extract_context(carried), kind=trace.SpanKind.PRODUCER, attributes=attributes
    ):
        propagate.inject(carried)
        yield carried


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import UTC, datetime

        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if trace_id := current_trace_id():
            entry["trace_id"] = trace_id
        if cid := correlation_id.get():
            entry["correlation_id"] = cid
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
