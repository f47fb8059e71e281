"""Per-request context (request id, client address, principal) for audit entries and problem responses."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.principal import Principal

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


@dataclass
class RequestContext:
    """What the audit log records about the request in flight."""

    request_id: str
    client_address: str | None
    principal: Principal | None = field(default=None)


_current: ContextVar[RequestContext | None] = ContextVar("reconsult_request", default=None)


def current_request() -> RequestContext:
    """The context of the request being served (a blank one outside requests, e.g. in the CLI)."""
    context = _current.get()
    if context is None:
        context = RequestContext(request_id=uuid.uuid4().hex, client_address=None)
        _current.set(context)
    return context


class RequestContextMiddleware:
    """Assigns each request an id (or keeps a well-formed incoming one) and echoes it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = (
            dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        )
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        client = scope.get("client")
        token = _current.set(
            RequestContext(request_id=request_id, client_address=client[0] if client else None)
        )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append(
                    (REQUEST_ID_HEADER.lower().encode(), request_id.encode())
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
