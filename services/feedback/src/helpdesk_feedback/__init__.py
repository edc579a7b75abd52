"""Feedback service: CSAT / NPS / CES surveys after resolution, their results, and feature requests with votes."""
