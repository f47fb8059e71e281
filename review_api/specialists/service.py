"""Specialist profiles and the credential checks that gate assignment and sign-off."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from review_api import auditing
from review_api.specialists.schemas import (
    CertificationOut,
    LicenseOut,
    SpecialistProfileIn,
    SpecialistPublic,
)
from store.errors import Conflict, NotFound
from store.models import BoardCertification, Role, SpecialistProfile, StateLicense
from store.principal import Principal
from store.repositories.users import SpecialistRepository, UserRepository

EXPIRY_WARNING_DAYS = 60


def credential_problems(profile: SpecialistProfile, patient_state: str, today: dt.date) -> list[str]:
    """Why this specialist may not take (or sign) a case from ``patient_state`` today; empty if they may."""
    problems = []
    if not profile.active:
        problems.append("the specialist is not accepting cases")
    license = next((item for item in profile.licenses if item.state == patient_state), None)
    if license is None:
        problems.append("no licence for the patient's state")
    elif license.expires_on < today:
        problems.append("the licence for the patient's state has expired")
    if profile.malpractice_expires_on is None or profile.malpractice_expires_on < today:
        problems.append("malpractice coverage is missing or expired")
    if not profile.certifications:
        problems.append("no board certification on file")
    elif all(cert.expires_on is not None and cert.expires_on < today for cert in profile.certifications):
        problems.append("every board certification has expired")
    return problems


def expiry_warnings(profile: SpecialistProfile, today: dt.date, days: int = EXPIRY_WARNING_DAYS) -> list[str]:
    """Credentials that have lapsed or lapse within ``days`` (default :data:`EXPIRY_WARNING_DAYS`)."""
    horizon = today + dt.timedelta(days=days)
    dated: list[tuple[str, dt.date | None]] = [
        (f"licence {item.state}", item.expires_on) for item in profile.licenses
    ]
    dated += [(f"certification {item.board}", item.expires_on) for item in profile.certifications]
    dated.append(("malpractice coverage", profile.malpractice_expires_on))
    warnings = []
    for label, expires_on in dated:
        if expires_on is None:
            continue
        if expires_on < today:
            warnings.append(f"{label} expired on {expires_on.isoformat()}")
        elif expires_on <= horizon:
            warnings.append(f"{label} expires on {expires_on.isoformat()}")
    return warnings


def present(profile: SpecialistProfile, today: dt.date) -> SpecialistPublic:
    """The API view of a profile."""
    return SpecialistPublic(
        user_id=profile.user_id,
        full_name=profile.user.full_name,
        email=profile.user.email,
        credentials=profile.credentials,
        subspecialties=list(profile.subspecialties),
        licenses=[LicenseOut.model_validate(item) for item in profile.licenses],
        certifications=[CertificationOut.model_validate(item) for item in profile.certifications],
        malpractice_expires_on=profile.malpractice_expires_on,
        weekly_capacity=profile.weekly_capacity,
        active=profile.active,
        warnings=expiry_warnings(profile, today),
    )


def list_specialists(
    session: Session,
    principal: Principal,
    *,
    subspecialty: str | None = None,
    active: bool | None = None,
    expiring_within_days: int | None = None,
) -> list[SpecialistPublic]:
    """The profiles the caller may read, with their expiry warnings; with ``expiring_within_days`` only
    those with a credential expired or expiring that soon. The read is audited."""
    profiles = SpecialistRepository(session).list_readable(
        principal, subspecialty=subspecialty, active=active
    )
    auditing.record(session, "specialist.list", "specialist_profile")
    today = dt.date.today()
    if expiring_within_days is not None:
        profiles = [p for p in profiles if expiry_warnings(p, today, expiring_within_days)]
    return [present(profile, today) for profile in profiles]


def put_profile(
    session: Session, principal: Principal, user_id: uuid.UUID, data: SpecialistProfileIn
) -> SpecialistProfile:
    """Create or replace a specialist's profile; the account must have the specialist role."""
    user = UserRepository(session).get_readable(principal, user_id)
    if user is None:
        raise NotFound("user not found")
    if user.role is not Role.SPECIALIST:
        raise Conflict("only accounts with the specialist role have a specialist profile")
    repository = SpecialistRepository(session)
    profile = repository.get_readable(principal, user_id)
    if profile is None:
        profile = SpecialistProfile(user_id=user_id, licenses=[], certifications=[])
        session.add(profile)
    profile.credentials = data.credentials
    profile.subspecialties = sorted(set(data.subspecialties))
    profile.malpractice_expires_on = data.malpractice_expires_on
    profile.weekly_capacity = data.weekly_capacity
    profile.active = data.active
    # Delete the old credentials before inserting the new ones, or the (specialist, state) key would clash.
    profile.licenses.clear()
    profile.certifications.clear()
    session.flush()
    profile.licenses = [StateLicense(**item.model_dump()) for item in data.licenses]
    profile.certifications = [BoardCertification(**item.model_dump()) for item in data.certifications]
    session.flush()
    auditing.record(session, "specialist.put", "specialist_profile", resource_id=user_id)
    session.expire(profile)
    reloaded = repository.get_readable(principal, user_id)
    assert reloaded is not None
    return reloaded
