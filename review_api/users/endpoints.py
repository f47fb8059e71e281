"""``/users``: staff accounts (admin only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from review_api import auditing
from review_api.deps import AdminPrincipal, SessionDep
from review_api.users import service
from review_api.users.schemas import UserCreate, UserPage, UserPublic, UserUpdate
from store.errors import NotFound
from store.models import Role
from store.repositories.users import UserRepository

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED, summary="Create an account")
def create_user(data: UserCreate, principal: AdminPrincipal, session: SessionDep) -> UserPublic:
    """Create a staff account with a role."""
    return UserPublic.model_validate(service.create_user(session, data))


@router.get("", response_model=UserPage, summary="List accounts")
def list_users(
    principal: AdminPrincipal,
    session: SessionDep,
    role: Role | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UserPage:
    """A page of accounts, optionally of one role."""
    users, total = service.list_users(session, principal, role=role, offset=offset, limit=limit)
    return UserPage(
        items=[UserPublic.model_validate(u) for u in users], total=total, offset=offset, limit=limit
    )


@router.get("/{user_id}", response_model=UserPublic, summary="Read an account")
def read_user(user_id: uuid.UUID, principal: AdminPrincipal, session: SessionDep) -> UserPublic:
    """One account."""
    user = UserRepository(session).get_readable(principal, user_id)
    if user is None:
        raise NotFound("user not found")
    auditing.record(session, "user.read", "user", resource_id=user.id)
    return UserPublic.model_validate(user)


@router.patch("/{user_id}", response_model=UserPublic, summary="Update an account")
def update_user(
    user_id: uuid.UUID, data: UserUpdate, principal: AdminPrincipal, session: SessionDep
) -> UserPublic:
    """Rename, change role, (de)activate or reset the password of an account."""
    return UserPublic.model_validate(service.update_user(session, principal, user_id, data))
