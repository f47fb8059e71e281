"""The audit log is append-only in the database, and any alteration or deletion is detected."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from store import audit
from store.audit import AuditEntry, verify_chain


def append_three(session: Session) -> list[int]:
    return [audit.append(session, AuditEntry(action=f"test.{n}", resource_type="test")).seq for n in range(3)]


def disable_guard(session: Session) -> None:
    # A superuser bypassing the triggers: the attack the hash chain exists to reveal.
    session.execute(text("SET LOCAL session_replication_role = replica"))


class TestAppendOnly:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_events SET outcome = 'denied' WHERE seq = :seq",
            "DELETE FROM audit_events WHERE seq = :seq",
        ],
    )
    def test_database_refuses_changes(self, session: Session, statement: str) -> None:
        seq = append_three(session)[0]
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(statement), {"seq": seq})

    def test_database_refuses_truncate(self, session: Session) -> None:
        append_three(session)
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text("TRUNCATE audit_events"))


class TestTamperDetection:
    def test_intact_chain_verifies(self, session: Session) -> None:
        append_three(session)
        assert verify_chain(session) == []

    def test_altered_row_is_reported(self, session: Session) -> None:
        seqs = append_three(session)
        disable_guard(session)
        session.execute(
            text("UPDATE audit_events SET actor_role = 'admin' WHERE seq = :seq"), {"seq": seqs[1]}
        )
        problems = verify_chain(session)
        assert [(p.seq, p.problem) for p in problems] == [(seqs[1], "row content does not match its hash")]

    def test_deleted_row_is_reported(self, session: Session) -> None:
        seqs = append_three(session)
        disable_guard(session)
        session.execute(text("DELETE FROM audit_events WHERE seq = :seq"), {"seq": seqs[1]})
        problems = verify_chain(session)
        assert {p.seq for p in problems} == {seqs[2]}
        assert any("missing" in p.problem for p in problems)

    def test_rewritten_row_with_recomputed_hash_breaks_the_next_link(self, session: Session) -> None:
        seqs = append_three(session)
        disable_guard(session)
        session.execute(
            text("UPDATE audit_events SET hash = :fake WHERE seq = :seq"), {"fake": "f" * 64, "seq": seqs[0]}
        )
        problems = verify_chain(session)
        assert {(p.seq, p.problem) for p in problems} >= {(seqs[1], "link to the previous row is broken")}
