"""Users and specialist profiles."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session, selectinload

from store.models import Role, SpecialistProfile, User
from store.principal import Principal


class UserRepository:
    """Staff accounts. Admins read all users, everyone else only themselves."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def readable_statement(self, principal: Principal) -> Select[User]:
        """The users ``principal`` may read."""
        statement = select(User)
        if principal.role is Role.ADMIN:
            return statement
        return statement.where(User.id == principal.user_id)

    def get_readable(self, principal: Principal, user_id: uuid.UUID) -> User | None:
        """One user, if ``principal`` may read it."""
        return self.session.scalars(self.readable_statement(principal).where(User.id == user_id)).first()

    def list_readable(
        self, principal: Principal, *, role: Role | None, offset: int, limit: int
    ) -> tuple[Sequence[User], int]:
        """A page of readable users, optionally of one role, with the total count."""
        statement = self.readable_statement(principal)
        if role is not None:
            statement = statement.where(User.role == role)
        total = self.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        page = self.session.scalars(statement.order_by(User.email).offset(offset).limit(limit)).all()
        return page, total

    def get_by_email(self, email: str) -> User | None:
        """The account with this e-mail (case-insensitive), for sign-in."""
        return self.session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()

    def get(self, user_id: uuid.UUID) -> User | None:
        """An account by id, unscoped: for authentication only."""
        return self.session.get(User, user_id)

    def add(self, user: User) -> User:
        """Insert a new account."""
        self.session.add(user)
        self.session.flush()
        return user


class SpecialistRepository:
    """Specialist profiles with licences and certifications. Readable by admin and ops (for routing)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def readable_statement(self, principal: Principal) -> Select[SpecialistProfile]:
        """The profiles ``principal`` may read: all for admin and ops, their own for a specialist."""
        statement = select(SpecialistProfile).options(
            selectinload(SpecialistProfile.licenses),
            selectinload(SpecialistProfile.certifications),
            selectinload(SpecialistProfile.user),
        )
        if principal.role in (Role.ADMIN, Role.OPS):
            return statement
        if principal.role is Role.SPECIALIST:
            return statement.where(SpecialistProfile.user_id == principal.user_id)
        return statement.where(false())

    def get_readable(self, principal: Principal, user_id: uuid.UUID) -> SpecialistProfile | None:
        """One profile, if readable."""
        statement = self.readable_statement(principal).where(SpecialistProfile.user_id == user_id)
        return self.session.scalars(statement).first()

    def list_readable(
        self, principal: Principal, *, subspecialty: str | None, active: bool | None
    ) -> Sequence[SpecialistProfile]:
        """Readable profiles, optionally filtered by subspecialty and active flag."""
        statement = self.readable_statement(principal)
        if subspecialty is not None:
            statement = statement.where(SpecialistProfile.subspecialties.contains([subspecialty]))
        if active is not None:
            statement = statement.where(SpecialistProfile.active.is_(active))
        return self.session.scalars(statement.join(SpecialistProfile.user).order_by(User.full_name)).all()
