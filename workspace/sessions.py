"""Browser sessions of the workspace: a random token in an HttpOnly cookie, only its SHA-256 stored, with
idle and absolute expiry, ended by signing out or by a password change."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from reconsult.settings import Settings
from store.models import Role, User, WebSession
from store.principal import Principal
from store.repositories.users import UserRepository
from store.repositories.web_sessions import WebSessionRepository

COOKIE_NAME = "reconsult_session"


@dataclass(frozen=True)
class SignedIn:
    """The account behind a live session (plain values: pages and error pages render after the request's
    database session has closed), with the session's CSRF token that signs every form."""

    user_id: uuid.UUID
    role: Role
    full_name: str
    session_id: uuid.UUID
    csrf_token: str

    @property
    def principal(self) -> Principal:
        """The account as the services know it."""
        return Principal(user_id=self.user_id, role=self.role)


def start(session: Session, user: User, settings: Settings) -> str:
    """Start a session for ``user``; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    WebSessionRepository(session).add(
        WebSession(
            token_sha256=_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=settings.web_session_hours),
        )
    )
    return token


def find(session: Session, token: str, settings: Settings) -> SignedIn | None:
    """The live session of ``token`` (touched, so idle expiry restarts), or None if there is none: ended,
    expired, idle too long, the account inactive, or its password changed since sign-in."""
    now = dt.datetime.now(dt.UTC)
    idle = dt.timedelta(minutes=settings.web_session_idle_minutes)
    web_session = WebSessionRepository(session).live(_digest(token), now, idle)
    if web_session is None:
        return None
    user = UserRepository(session).get(web_session.user_id)
    if user is None or not user.active or user.password_changed_at > web_session.created_at:
        return None
    web_session.last_seen_at = now
    return SignedIn(user.id, user.role, user.full_name, web_session.id, web_session.csrf_token)


def end(session: Session, signed_in: SignedIn) -> None:
    """Sign out: the cookie's token stops working at once."""
    WebSessionRepository(session).end(signed_in.session_id, dt.datetime.now(dt.UTC))


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
