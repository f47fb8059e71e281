"""Request dependencies: settings, the transactional session, the authenticated principal, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from reconsult.settings import Settings
from review_api.context import current_request
from review_api.security import decode_access_token, password_epoch
from store.blobs import BlobStore
from store.database import forget_rollback_hooks, run_rollback_hooks
from store.errors import Forbidden, Unauthorized
from store.models import Role
from store.principal import Principal
from store.repositories.users import UserRepository

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> sessionmaker[Session]:
    """The app's session factory."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_blob_store(request: Request) -> BlobStore:
    """The app's blob store."""
    store: BlobStore = request.app.state.blob_store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
BlobStoreDep = Annotated[BlobStore, Depends(get_blob_store)]


def get_session(factory: SessionFactoryDep) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back if it raises.

    Services never commit; this is the only place that does.
    """
    with factory() as session:
        try:
            yield session
            session.commit()
            forget_rollback_hooks(session)
        except BaseException:
            session.rollback()
            run_rollback_hooks(session)
            raise


# scope="function": commit before the response is sent, so a failed commit is reported, not hidden.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_principal(
    token: Annotated[str | None, Depends(oauth2_scheme)], session: SessionDep, settings: SettingsDep
) -> Principal:
    """The authenticated user behind the bearer token."""
    claims = decode_access_token(token, settings.jwt_signing_key) if token else None
    if claims is None:
        raise Unauthorized("a valid bearer token is required; sign in at /auth/token")
    user = UserRepository(session).get(claims.user_id)
    if user is None or not user.active:
        raise Unauthorized("the account is inactive or no longer exists")
    if claims.password_epoch != password_epoch(user):
        raise Unauthorized("the password changed after this token was issued; sign in again")
    principal = Principal(user_id=user.id, role=user.role)
    current_request().principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that admits only the given roles (403 otherwise)."""
    allowed = frozenset(roles)

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(role.value for role in allowed))
            raise Forbidden(f"this action is reserved for: {names}")
        return principal

    return check


AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
OpsPrincipal = Annotated[Principal, Depends(require_roles(Role.OPS))]
CaseReaderPrincipal = Annotated[Principal, Depends(require_roles(Role.OPS, Role.SPECIALIST, Role.QA))]
AuditReaderPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.QA))]
SpecialistReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.ADMIN, Role.OPS, Role.SPECIALIST))
]
SpecialistPrincipal = Annotated[Principal, Depends(require_roles(Role.SPECIALIST))]
QaPrincipal = Annotated[Principal, Depends(require_roles(Role.QA))]
