"""Domain errors: each names what is wrong and where, in Bahasa Indonesia.

Entry points turn them into a page message or a JSON error with a 4xx status;
raising one inside a write transaction rolls the whole transaction back.
"""
from __future__ import annotations


class DomainError(Exception):
    code = "bad_request"
    status = 400

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(DomainError):
    """Invalid data; ``fields`` maps a field path (``rhk[0].iki[0].target``) to what is wrong."""

    code = "validation_error"
    status = 422

    def __init__(self, fields: dict[str, str], message: str = "Data tidak valid"):
        super().__init__(message, {"fields": fields})
        self.fields = fields

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.fields.items())


class Conflict(DomainError):
    """The state does not allow the action (task already completed, instance changed meanwhile)."""

    code = "conflict"
    status = 409


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Unavailable(DomainError, RuntimeError):
    """A service the request needs (the PDF renderer) is down: 503 with Retry-After; nothing was written."""

    code = "service_unavailable"
    status = 503
    retry_after = 60

    def __init__(self, message: str, technical: str = ""):
        super().__init__(message)
        self.technical = technical  # for logs and the admin's view of a failed job, not for the user

    def __str__(self) -> str:
        return self.technical or self.message
