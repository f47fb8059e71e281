"""Account management. Services flush but never commit: the request dependency does."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from review_api import auditing
from review_api.security import hash_password
from review_api.users.schemas import UserCreate, UserUpdate
from store.errors import Conflict, NotFound
from store.models import Role, User
from store.principal import Principal
from store.repositories.users import UserRepository


def create_user(session: Session, data: UserCreate) -> User:
    """Create an account; 409 if the e-mail is taken. Used by the API and the CLI."""
    repository = UserRepository(session)
    if repository.get_by_email(data.email) is not None:
        raise Conflict("an account with this e-mail already exists")
    user = repository.add(
        User(
            email=data.email.lower(),
            full_name=data.full_name,
            role=data.role,
            password_hash=hash_password(data.password),
        )
    )
    auditing.record(session, "user.create", "user", resource_id=user.id)
    return user


def list_users(
    session: Session, principal: Principal, *, role: Role | None, offset: int, limit: int
) -> tuple[Sequence[User], int]:
    """A page of the accounts the caller may read, optionally of one role, and the total; audited."""
    users, total = UserRepository(session).list_readable(principal, role=role, offset=offset, limit=limit)
    auditing.record(session, "user.list", "user")
    return users, total


def update_user(session: Session, principal: Principal, user_id: uuid.UUID, data: UserUpdate) -> User:
    """Change an account; a password change invalidates the tokens issued before it."""
    user = UserRepository(session).get_readable(principal, user_id)
    if user is None:
        raise NotFound("user not found")
    if user.id == principal.user_id and (data.active is False or (data.role and data.role != user.role)):
        raise Conflict("admins cannot deactivate or demote themselves; ask another admin")
    if data.full_name is not None:
        user.full_name = data.full_name
    if data.role is not None:
        user.role = data.role
    if data.active is not None:
        user.active = data.active
    if data.password is not None:
        user.password_hash = hash_password(data.password)
        user.password_changed_at = dt.datetime.now(dt.UTC)
    session.flush()
    auditing.record(session, "user.update", "user", resource_id=user.id)
    return user
