"""Routing's pure domain: strategies, rules and the ticket projection's transitions (no I/O, no clock)."""
