"""Who is asking: the identity every repository scopes its queries by."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from store.models import Role


@dataclass(frozen=True)
class Principal:
    """An authenticated user as seen by repositories and services."""

    user_id: uuid.UUID
    role: Role
