"""Web workspace sessions: all SQL of starting, finding, touching and ending them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import WebSession


class WebSessionRepository:
    """Browser sessions, found by the SHA-256 of their cookie token."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, web_session: WebSession) -> WebSession:
        """Start a session."""
        self.session.add(web_session)
        self.session.flush()
        return web_session

    def live(self, token_sha256: str, now: dt.datetime, idle: dt.timedelta) -> WebSession | None:
        """The session with this token if it has not ended, expired or been idle longer than ``idle``."""
        return self.session.scalars(
            select(WebSession).where(
                WebSession.token_sha256 == token_sha256,
                WebSession.ended_at.is_(None),
                WebSession.expires_at > now,
                WebSession.last_seen_at > now - idle,
            )
        ).first()

    def end(self, session_id: uuid.UUID, now: dt.datetime) -> None:
        """Sign the session out."""
        self.session.execute(update(WebSession).where(WebSession.id == session_id).values(ended_at=now))
