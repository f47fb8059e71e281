"""``/auth``: exchange e-mail and password for a short-lived bearer token."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from review_api import auditing
from review_api.auth.service import authenticate
from review_api.context import current_request
from review_api.deps import CurrentPrincipal, SessionDep, SessionFactoryDep, SettingsDep
from review_api.security import create_access_token
from review_api.users.schemas import UserPublic
from store.errors import NotFound
from store.principal import Principal
from store.repositories.users import UserRepository

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


@router.post("/token", response_model=Token, summary="Sign in with e-mail (as username) and password")
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    session_factory: SessionFactoryDep,
    settings: SettingsDep,
) -> Token:
    """Issue an access token. Wrong e-mail and wrong password get the same answer in the same time; after
    five failures within 15 minutes an e-mail's sign-ins are refused (429) until the window passes."""
    user = authenticate(session, session_factory, settings.jwt_signing_key, form.username, form.password)
    current_request().principal = Principal(user_id=user.id, role=user.role)
    auditing.record(session, "auth.sign_in", "user", resource_id=user.id)
    lifetime = dt.timedelta(minutes=settings.access_token_minutes)
    return Token(
        access_token=create_access_token(user, settings.jwt_signing_key, lifetime),
        expires_in=int(lifetime.total_seconds()),
    )


@router.get("/me", response_model=UserPublic, summary="The signed-in account")
def me(principal: CurrentPrincipal, session: SessionDep) -> UserPublic:
    """The caller's own account."""
    user = UserRepository(session).get_readable(principal, principal.user_id)
    if user is None:
        raise NotFound("account not found")
    return UserPublic.model_validate(user)
