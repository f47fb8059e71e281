"""The admin's form for a specialist's credentials: licences, certifications, malpractice cover, capacity.
Rows are parallel form fields; blank rows are ignored; a bad value is named by row and field, and
everything typed stays on the page."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from review_api.deps import SessionDep
from review_api.specialists.schemas import SpecialistProfileIn
from review_api.specialists.service import present, put_profile
from store.errors import DomainError, NotFound
from store.repositories.users import SpecialistRepository
from workspace.admin import AdminForm, AdminPage
from workspace.sessions import SignedIn
from workspace.web import PREFIX, refused, render, see_other

router = APIRouter(prefix=f"{PREFIX}/admin/specialists", include_in_schema=False)
BLANK_ROWS = 2
Rows = Annotated[list[str], Form()]


@dataclass
class CredentialForm:
    """What the form shows: the values as typed (strings), so a refused form comes back unchanged."""

    credentials: str = ""
    subspecialties: str = ""
    malpractice_expires_on: str = ""
    weekly_capacity: str = "5"
    active: bool = True
    licenses: list[dict[str, str]] = field(default_factory=list)
    certifications: list[dict[str, str]] = field(default_factory=list)

    def with_blank_rows(self) -> CredentialForm:
        """Room to add licences and certifications."""
        self.licenses += [{"state": "", "number": "", "expires_on": ""}] * BLANK_ROWS
        self.certifications += [{"board": "", "specialty": "", "expires_on": ""}] * BLANK_ROWS
        return self

    def profile(self) -> SpecialistProfileIn:
        """The profile the form describes (raises ValidationError naming the bad fields)."""
        return SpecialistProfileIn.model_validate(
            {
                "credentials": self.credentials.strip(),
                "subspecialties": [name.strip() for name in self.subspecialties.split(",") if name.strip()],
                "malpractice_expires_on": self.malpractice_expires_on or None,
                "weekly_capacity": self.weekly_capacity,
                "active": self.active,
                "licenses": [row for row in self.licenses if any(row.values())],
                "certifications": [
                    {**row, "expires_on": row["expires_on"] or None}
                    for row in self.certifications
                    if any(row.values())
                ],
            }
        )


@router.get("/{user_id}")
def credentials_page(
    request: Request, user_id: uuid.UUID, signed_in: AdminPage, session: SessionDep
) -> Response:
    """A specialist's credentials, editable."""
    specialist = _specialist(session, signed_in, user_id)
    form = CredentialForm(
        credentials=specialist.credentials,
        subspecialties=", ".join(specialist.subspecialties),
        malpractice_expires_on=str(specialist.malpractice_expires_on or ""),
        weekly_capacity=str(specialist.weekly_capacity),
        active=specialist.active,
        licenses=[
            {"state": item.state, "number": item.number, "expires_on": str(item.expires_on)}
            for item in specialist.licenses
        ],
        certifications=[
            {"board": item.board, "specialty": item.specialty, "expires_on": str(item.expires_on or "")}
            for item in specialist.certifications
        ],
    )
    return _render(request, specialist, form.with_blank_rows())


@router.post("/{user_id}")
def save_credentials(
    request: Request,
    user_id: uuid.UUID,
    signed_in: AdminForm,
    session: SessionDep,
    credentials: Annotated[str, Form(max_length=100)] = "",
    subspecialties: Annotated[str, Form(max_length=2000)] = "",
    malpractice_expires_on: Annotated[str, Form(max_length=10)] = "",
    weekly_capacity: Annotated[str, Form(max_length=3)] = "5",
    active: Annotated[bool, Form()] = False,
    license_state: Rows = [],  # noqa: B006 - FastAPI copies form defaults
    license_number: Rows = [],  # noqa: B006
    license_expires_on: Rows = [],  # noqa: B006
    certification_board: Rows = [],  # noqa: B006
    certification_specialty: Rows = [],  # noqa: B006
    certification_expires_on: Rows = [],  # noqa: B006
) -> Response:
    """Replace the profile; a refusal names the row and field and keeps what was typed."""
    form = CredentialForm(
        credentials,
        subspecialties,
        malpractice_expires_on,
        weekly_capacity,
        active,
        _rows(("state", "number", "expires_on"), license_state, license_number, license_expires_on),
        _rows(
            ("board", "specialty", "expires_on"),
            certification_board,
            certification_specialty,
            certification_expires_on,
        ),
    )
    specialist = _specialist(session, signed_in, user_id)
    try:
        put_profile(session, signed_in.principal, user_id, form.profile())
    except ValidationError as error:
        return _render(request, specialist, form, problems=_problems(error), status_code=422)
    except DomainError as error:
        refused(session, request, error)
        return _render(request, specialist, form, problems=[error.detail], status_code=error.status)
    return see_other(f"{PREFIX}/admin?saved={user_id}")


def _specialist(session: SessionDep, signed_in: SignedIn, user_id: uuid.UUID) -> Any:
    profile = SpecialistRepository(session).get_readable(signed_in.principal, user_id)
    if profile is None:
        raise NotFound("no specialist profile for this account")
    return present(profile, dt.date.today())


def _rows(names: tuple[str, str, str], *columns: list[str]) -> list[dict[str, str]]:
    return [
        dict(zip(names, (value.strip() for value in values), strict=True))
        for values in zip(*columns, strict=False)
    ]


def _problems(error: ValidationError) -> list[str]:
    """Each bad value as "licences, row 2, expires on: <reason>" (never the value itself)."""
    described = []
    for item in error.errors():
        location = [str(part) for part in item["loc"]]
        if len(location) >= 2 and location[1].isdigit():
            location[1] = f"row {int(location[1]) + 1}"
        described.append(", ".join(part.replace("_", " ") for part in location) + f": {item['msg']}")
    return described


def _render(
    request: Request, specialist: Any, form: CredentialForm, status_code: int = 200, **context: Any
) -> Response:
    return render(
        request, "credentials.html", status_code=status_code, specialist=specialist, form=form, **context
    )
