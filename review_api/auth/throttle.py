"""Failed sign-ins per account: each is audited under a keyed hash of the e-mail, and after
``MAX_FAILURES`` within ``WINDOW`` the account's sign-in is refused until the window passes, whatever the
password. Counting by e-mail, whether or not an account has it, keeps the refusal from telling which
e-mails exist."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from review_api.context import current_request
from store import audit
from store.audit import AuditEntry
from store.errors import TooManyRequests
from store.models import AuditEvent

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
FAILED_SIGN_IN = "auth.sign_in.failed"


def attempt_key(email: str, signing_key: str) -> str:
    """The e-mail as the audit log keeps it: an HMAC, so the log does not list who was tried."""
    return hmac.new(signing_key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def refuse_if_throttled(session: Session, key: str) -> None:
    """Raise 429 when the e-mail has failed ``MAX_FAILURES`` times within the last ``WINDOW``."""
    since = dt.datetime.now(dt.UTC) - WINDOW
    failures = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == FAILED_SIGN_IN,
            AuditEvent.resource_id == key,
            AuditEvent.occurred_at > since,
        )
    )
    if (failures or 0) >= MAX_FAILURES:
        minutes = int(WINDOW.total_seconds() // 60)
        raise TooManyRequests(
            f"too many failed sign-ins for this account; try again in {minutes} minutes or ask an admin"
        )


def record_failure(session_factory: sessionmaker[Session], key: str) -> None:
    """Audit a failed sign-in in a transaction of its own (the request's rolls back with the refusal)."""
    context = current_request()
    with session_factory() as session, session.begin():
        audit.append(
            session,
            AuditEntry(
                action=FAILED_SIGN_IN,
                resource_type="account",
                resource_id=key,
                case_id=None,
                outcome="denied",
                actor_id=None,
                actor_role=None,
                request_id=context.request_id,
                client_address=context.client_address,
            ),
        )
