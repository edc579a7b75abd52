"""Enumerations shared on the wire."""

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
