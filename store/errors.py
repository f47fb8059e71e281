"""Domain errors. Each carries the HTTP status it maps to, so an expected condition is never a 500.

Messages must never contain PHI: they end up in responses and may end up in logs.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """An expected failure with its HTTP status, a short title and a PHI-free detail."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str] = "bad-request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    """The resource does not exist, or the caller may not know that it does."""

    status, title, slug = 404, "Not found", "not-found"


class Forbidden(DomainError):
    """The caller's role may not do this at all."""

    status, title, slug = 403, "Forbidden", "forbidden"


class Conflict(DomainError):
    """The request clashes with the resource's current state (an illegal transition, a missing consent)."""

    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(DomainError):
    """An If-Match precondition did not hold."""

    status, title, slug = 412, "Precondition failed", "precondition-failed"


class Unprocessable(DomainError):
    """The request is well formed but its content is invalid."""

    status, title, slug = 422, "Unprocessable content", "unprocessable"


class PayloadTooLarge(DomainError):
    """An upload exceeds a size limit."""

    status, title, slug = 413, "Payload too large", "payload-too-large"


class UnsupportedMediaType(DomainError):
    """An upload is of a type the service does not accept."""

    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class Unauthorized(DomainError):
    """Missing, invalid or expired credentials."""

    status, title, slug = 401, "Unauthorized", "unauthorized"


class TooManyRequests(DomainError):
    """Too many attempts in a short time (failed sign-ins): wait before trying again."""

    status, title, slug = 429, "Too many requests", "too-many-requests"
