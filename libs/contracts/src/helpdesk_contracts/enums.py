"""Enumerations shared on the wire.

Adding a value to an enum that a published event carries is a breaking change: an older consumer would
refuse the event. The schema check refuses it within a version (see the contracts README).
"""

from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    MANAGER = "manager"


class TicketStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_THIRD_PARTY = "waiting_third_party"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 (low) to 3 (urgent): the one place priority order is written down."""
        return _PRIORITY_ORDER.index(self)


_PRIORITY_ORDER = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class EscalationReason(StrEnum):
    MANUAL = "manual"
    SLA_BREACH = "sla_breach"


class SlaMetric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class CompensationType(StrEnum):
    STORE_CREDIT = "store_credit"
    VOUCHER = "voucher"
    REFUND = "refund"
    DISCOUNT = "discount"
