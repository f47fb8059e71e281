"""Password hashing (argon2id) and short-lived signed access tokens (JWT, HS256)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from store.models import Role, User

_hasher = PasswordHasher()
_ALGORITHM = "HS256"
_AUDIENCE = "reconsult-api"
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A real hash to verify against when the e-mail is unknown, so sign-in takes as long either way.
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def verify_password_or_dummy(user: User | None, password: str) -> bool:
    """Verify against the user's hash, or burn the same time on a dummy hash when there is no user."""
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(user.password_hash, password)


@dataclass(frozen=True)
class TokenClaims:
    """What an access token asserts."""

    user_id: uuid.UUID
    role: Role
    password_epoch: int


def create_access_token(user: User, signing_key: str, lifetime: dt.timedelta) -> str:
    """A signed token for ``user`` that expires after ``lifetime``."""
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": str(user.id),
        "role": user.role.value,
        "aud": _AUDIENCE,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        "pwe": password_epoch(user),
    }
    return jwt.encode(claims, signing_key, algorithm=_ALGORITHM)


def password_epoch(user: User) -> int:
    """When the user's password last changed, in microseconds; a token carries it, so changing the
    password revokes every token issued before."""
    return int(user.password_changed_at.timestamp() * 1_000_000)


def decode_access_token(token: str, signing_key: str) -> TokenClaims | None:
    """The token's claims, or None if it is malformed, forged or expired."""
    try:
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["exp", "sub", "pwe"]},
        )
        return TokenClaims(
            user_id=uuid.UUID(claims["sub"]),
            role=Role(claims["role"]),
            password_epoch=int(claims["pwe"]),
        )
    except (jwt.PyJWTError, KeyError, ValueError):
        return None
