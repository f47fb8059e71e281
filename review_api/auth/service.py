"""Checking a sign-in, for the API's token endpoint and the workspace's sign-in form alike."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from review_api.auth.throttle import attempt_key, record_failure, refuse_if_throttled
from review_api.security import verify_password_or_dummy
from store.errors import Unauthorized
from store.models import User
from store.repositories.users import UserRepository


def authenticate(
    session: Session, session_factory: sessionmaker[Session], signing_key: str, email: str, password: str
) -> User:
    """The active account with this e-mail and password. A wrong e-mail and a wrong password get the same
    answer in the same time; repeated failures for one e-mail are refused for a while (429)."""
    key = attempt_key(email, signing_key)
    refuse_if_throttled(session, key)
    user = UserRepository(session).get_by_email(email.strip())
    if not verify_password_or_dummy(user, password) or user is None or not user.active:
        # The request's transaction is refused anyway; ending it first means the failure, committed in a
        # transaction of its own, cannot be undone with it (tests share one connection between the two).
        session.rollback()
        record_failure(session_factory, key)
        raise Unauthorized("incorrect e-mail or password, or the account is inactive")
    return user
