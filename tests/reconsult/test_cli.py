"""The ``reconsult`` command line, run as a user would run it, against a database of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from store.database import libpq_url


def run_cli(
    args: list[str], engine: Engine, data_dir: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "RECONSULT_MODE": "dev",
        "RECONSULT_DATABASE_URL": libpq_url(engine.url.render_as_string(hide_password=False)),
        "RECONSULT_DATA_DIR": str(data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "reconsult", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def test_demo_seeds_once_and_prints_credentials(fresh_engine: Engine, tmp_path: Path) -> None:
    first = run_cli(["demo", "--no-serve"], fresh_engine, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "ops@example.com" in first.stdout
    assert "password: demo-ops-password" in first.stdout
    with fresh_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM cases")) == 5
        assert connection.scalar(text("SELECT count(*) FROM records")) == 4
        # The queued runs were processed: each case with records is summarised and triaged.
        # Each run paused at the sign-off interrupt, waiting for a specialist to sign.
        awaiting = "SELECT count(*) FROM pipeline_runs WHERE status = 'awaiting_signoff'"
        assert connection.scalar(text(awaiting)) == 4
        assert connection.scalar(text("SELECT count(*) FROM case_summaries")) == 4
        assert connection.scalar(text("SELECT count(*) FROM discrepancy_reports")) == 4
        assert connection.scalar(text("SELECT count(*) FROM opinion_drafts")) == 4
        left_for_ops = (
            connection.execute(
                text(
                    "SELECT s.urgency FROM triage_suggestions s JOIN cases c ON c.id = s.case_id"
                    " WHERE c.status = 'processing'"
                )
            )
            .scalars()
            .all()
        )
        assert left_for_ops == ["emergent"]
    again = run_cli(["demo", "--no-serve"], fresh_engine, tmp_path)
    assert again.returncode == 0
    assert "already present" in again.stdout


def test_users_create_and_audit_verify_detects_tampering(fresh_engine: Engine, tmp_path: Path) -> None:
    created = run_cli(
        [
            "users",
            "create",
            "--email",
            "new.admin@example.com",
            "--role",
            "admin",
            "--full-name",
            "New Admin",
            "--password-stdin",
        ],
        fresh_engine,
        tmp_path,
        stdin="a-long-enough-password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "created admin new.admin@example.com" in created.stdout
    assert run_cli(["audit", "verify"], fresh_engine, tmp_path).returncode == 0

    with fresh_engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("UPDATE audit_events SET action = 'nothing.to.see' WHERE seq = 1"))
    tampered = run_cli(["audit", "verify"], fresh_engine, tmp_path)
    assert tampered.returncode == 1
    assert "row 1: row content does not match its hash" in tampered.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "wizard"], "role"),
        (["--role", "ops", "--email", "not-an-email"], "email"),
    ],
)
def test_users_create_rejects_bad_input(
    fresh_engine: Engine, tmp_path: Path, args: list[str], message: str
) -> None:
    base = {"--email": "x@example.com", "--role": "ops", "--full-name": "X"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["users", "create", *[part for pair in base.items() for part in pair], "--password-stdin"]
    result = run_cli(argv, fresh_engine, tmp_path, stdin="a-long-enough-password\n")
    assert result.returncode == 2
    assert message in result.stderr


def test_eval_run_all_writes_a_report_and_records_the_run(fresh_engine: Engine, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = run_cli(
        ["eval", "run", "--suite", "all", "--split", "dev", "--limit", "2", "--output-dir", str(reports)],
        fresh_engine,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (folder,) = reports.glob("run-*")
    assert {path.name for path in folder.iterdir()} >= {"metrics.json", "report.md", "report.html"}
    assert "95 % CI" in (folder / "report.html").read_text()
    with fresh_engine.connect() as connection:
        name, suites = connection.execute(text("SELECT name, suites FROM eval_runs")).one()
    assert name == folder.name
    assert set(suites) == {"deid", "summary", "triage", "discrepancy", "drafting"}
