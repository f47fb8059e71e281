"""The ``reconsult`` command line."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from reconsult.offline import apply_offline_defaults

apply_offline_defaults()

from reconsult.runtime import Runtime, build_runtime  # noqa: E402 - after the offline defaults
from reconsult.settings import get_settings  # noqa: E402

app = typer.Typer(help="reconsult: the AI layer for medical second opinions.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")

HostOption = Annotated[str, typer.Option(help="Interface to listen on")]
PortOption = Annotated[int, typer.Option(help="Port to listen on")]


def _runtime(*, upgrade_schema: bool = True) -> Runtime:
    try:
        return build_runtime(get_settings(), upgrade_schema=upgrade_schema)
    except ValueError as error:  # settings refused (e.g. default secrets outside dev mode)
        typer.echo(f"configuration error: {error}", err=True)
        raise typer.Exit(2) from error


def _serve(runtime: Runtime, host: str, port: int) -> None:
    import uvicorn

    typer.echo(f"API on http://{host}:{port}  (OpenAPI docs: http://{host}:{port}/docs)  Ctrl-C stops it")
    uvicorn.run(runtime.create_app(), host=host, port=port, log_level="info", access_log=False)


@app.command()
def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Apply pending migrations and serve the case API."""
    _serve(_runtime(), host, port)


@app.command()
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed and exit without serving")] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Migrate, seed demo users, specialists and cases, print the credentials, then serve."""
    from reconsult.demo import DEMO_ACCOUNTS, seed

    runtime = _runtime()
    summary = seed(runtime)
    typer.echo(summary)
    typer.echo("\nDemo accounts (development only):")
    for account in DEMO_ACCOUNTS:
        typer.echo(f"  {account.role.value:<11} {account.email:<28} password: {account.password}")
    if not no_serve:
        _serve(runtime, host, port)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION."""
    from store import migrate

    runtime = _runtime(upgrade_schema=False)
    migrate.upgrade(runtime.engine, revision)
    typer.echo(f"database at {revision}")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Sign-in e-mail")],
    role: Annotated[str, typer.Option(help="admin, ops, specialist or qa")],
    full_name: Annotated[str, typer.Option("--full-name", help="Printed name")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input")] = False,
) -> None:
    """Create a staff account (the password is prompted for, never taken as an argument)."""
    from pydantic import ValidationError

    from review_api.users.schemas import UserCreate
    from review_api.users.service import create_user
    from store.errors import DomainError

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        data = UserCreate.model_validate(
            {"email": email, "full_name": full_name, "role": role, "password": password}
        )
    except ValidationError as error:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        typer.echo(f"invalid account: {fields}", err=True)
        raise typer.Exit(2) from error
    runtime = _runtime()
    with runtime.session_factory.begin() as session:
        try:
            user = create_user(session, data)
        except DomainError as error:
            typer.echo(f"refused: {error.detail}", err=True)
            raise typer.Exit(1) from error
        typer.echo(f"created {user.role.value} {user.email} ({user.id})")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain; exit 1 and list every altered or missing row if it is broken."""
    from store.audit import verify_chain

    runtime = _runtime()
    with runtime.session_factory() as session:
        problems = verify_chain(session)
    if not problems:
        typer.echo("audit chain intact")
        return
    for problem in problems:
        typer.echo(f"row {problem.seq}: {problem.problem}", err=True)
    typer.echo(f"audit chain BROKEN: {len(problems)} problem(s)", err=True)
    raise typer.Exit(1)
