"""The admin's page: accounts (create, activate, deactivate) and specialists' credentials and licences with
expiry warnings."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from review_api.deps import SessionDep
from review_api.specialists.service import list_specialists
from review_api.users.schemas import UserCreate, UserUpdate
from review_api.users.service import create_user, list_users, update_user
from store.errors import DomainError
from store.models import Role
from workspace.sessions import SignedIn
from workspace.web import PREFIX, refused, render, role_form, role_page, see_other

router = APIRouter(prefix=f"{PREFIX}/admin", include_in_schema=False)
AdminPage = Annotated[SignedIn, Depends(role_page(Role.ADMIN))]
AdminForm = Annotated[SignedIn, Depends(role_form(Role.ADMIN))]
ACCOUNTS_LIMIT = 500


@router.get("")
def admin_page(request: Request, signed_in: AdminPage, session: SessionDep) -> Response:
    """Accounts, and specialists with credential warnings (expired or expiring within 60 days) first."""
    return _render_admin(request, session, signed_in)


@router.post("/users")
def create_account(
    request: Request,
    signed_in: AdminForm,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create an account; a bad field is named on the page and the other fields are kept."""
    entered = {"email": email, "full_name": full_name, "role": role}
    try:
        create_user(session, UserCreate(email=email, full_name=full_name, role=Role(role), password=password))
    except ValidationError as error:
        fields = ", ".join(str(item["loc"][0]) for item in error.errors())
        problem = f"check these fields: {fields} (passwords need at least 12 characters)"
        return _render_admin(request, session, signed_in, problem=problem, entered=entered, status_code=422)
    except ValueError:
        return _render_admin(
            request, session, signed_in, problem="choose a role", entered=entered, status_code=422
        )
    except DomainError as error:
        refused(session, request, error)
        return _render_admin(
            request, session, signed_in, problem=error.detail, entered=entered, status_code=error.status
        )
    return see_other(f"{PREFIX}/admin?created=1")


@router.post("/users/{user_id}/active")
def set_active(
    request: Request,
    user_id: uuid.UUID,
    signed_in: AdminForm,
    session: SessionDep,
    active: Annotated[bool, Form()],
) -> Response:
    """Activate or deactivate an account (a deactivated account's sessions stop working at once)."""
    try:
        update_user(session, signed_in.principal, user_id, UserUpdate(active=active))
    except DomainError as error:
        refused(session, request, error)
        return _render_admin(request, session, signed_in, problem=error.detail, status_code=error.status)
    return see_other(f"{PREFIX}/admin#user-{user_id}")


def _render_admin(
    request: Request, session: SessionDep, signed_in: SignedIn, status_code: int = 200, **context: Any
) -> Response:
    principal = signed_in.principal
    users, _ = list_users(session, principal, role=None, offset=0, limit=ACCOUNTS_LIMIT)
    specialists = sorted(
        list_specialists(session, principal),
        key=lambda specialist: (not specialist.warnings, specialist.full_name),
    )
    return render(
        request,
        "admin.html",
        status_code=status_code,
        users=users,
        specialists=specialists,
        roles=list(Role),
        created="created" in request.query_params,
        saved="saved" in request.query_params,
        **context,
    )
