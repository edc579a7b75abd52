"""Problems (RFC 9457) specific to the tickets service, on top of servicekit's."""

from __future__ import annotations

from helpdesk_servicekit.errors import Conflict, Problem, Unprocessable


class ReopenWindowClosed(Conflict):
    type_slug, title = "reopen-window-expired", "Ticket can no longer be reopened"


class UnsupportedAttachment(Problem):
    status, type_slug, title = 415, "attachment-refused", "Attachment type not accepted"


def field_error(field: str, message: str, code: str = "value_error") -> Unprocessable:
    """A 422 naming one bad field, shaped like the request-validation errors."""
    return Unprocessable(message, errors=[{"field": field, "message": message, "code": code}])
