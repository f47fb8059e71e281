"""The ``reconsult`` command line."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from reconsult.offline import apply_offline_defaults

apply_offline_defaults()

from reconsult.runtime import Runtime, build_runtime  # noqa: E402 - after the offline defaults
from reconsult.settings import get_settings  # noqa: E402

app = typer.Typer(help="reconsult: the AI layer for medical second opinions.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation suites for clinical QA.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
triage_app = typer.Typer(help="Subspecialty and urgency triage", no_args_is_help=True)
app.add_typer(triage_app, name="triage")
discrepancy_app = typer.Typer(help="Discrepancies between a diagnosis and the records", no_args_is_help=True)
app.add_typer(discrepancy_app, name="discrepancy")

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
    if no_serve:
        typer.echo(f"worker: {runtime.worker().drain()} queued run(s) processed")
        return
    with _worker_process():
        _serve(runtime, host, port)


@contextlib.contextmanager
def _worker_process() -> Iterator[None]:
    """A ``reconsult worker`` process beside the API, stopped with it."""
    import subprocess

    process = subprocess.Popen([sys.executable, "-m", "reconsult", "worker"])
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Process the queued runs, then exit")] = False,
) -> None:
    """Take pipeline runs from the queue and run them (several workers may share one database)."""
    import signal
    import threading

    pipeline_worker = _runtime().worker()
    if once:
        typer.echo(f"{pipeline_worker.drain()} run(s) processed")
        return
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    typer.echo(f"worker {pipeline_worker.name} waiting for runs; Ctrl-C stops it")
    pipeline_worker.run_forever(stop)


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


def _inputs(paths: list[str], json_output: bool, failures: list[str]) -> Iterator[tuple[str, str]]:
    """Each readable input as (path, text); an unreadable one is reported, noted in ``failures``, skipped."""
    import json

    from reconsult.deid_cli import read_input

    for path in paths:
        try:
            yield path, read_input(path)
        except ValueError as error:
            failures.append(path)
            typer.echo(json.dumps({"path": path, "error": str(error)}) if json_output else f"{path}: {error}")


@app.command("deid")
def deid(
    paths: Annotated[list[str], typer.Argument(help="Files to de-identify, or - for standard input")],
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per input on stdout")] = False,
) -> None:
    """De-identify clinical text; all inputs share one surrogate map, like the records of one case."""
    import json

    from records.deid import default_deidentifier
    from records.vault import PhiVault

    deidentifier, vault, failures = default_deidentifier(), PhiVault.new(), list[str]()
    for path, text in _inputs(paths, json_output, failures):
        result = deidentifier.deidentify(text, vault)
        if json_output:
            spans = [
                span.model_dump(include={"start", "end", "category", "surrogate"}) for span in result.spans
            ]
            typer.echo(json.dumps({"path": path, "text": result.text, "spans": spans}))
        else:
            typer.echo(f"==> {path} ({len(result.spans)} identifiers replaced)\n{result.text}")
    if failures:
        raise typer.Exit(1)


@app.command("summarize")
def summarize(
    paths: Annotated[list[Path], typer.Argument(help="Record files of one case (any supported format)")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object")] = False,
    deidentified: Annotated[
        bool, typer.Option("--deidentified", help="Show the text as the model saw it (surrogates)")
    ] = False,
) -> None:
    """Ingest, de-identify and summarise local files as one case; every item cites its source span."""
    import json

    from llm.gateway import Gateway
    from reconsult.settings import get_settings
    from reconsult.summarize_cli import summarize_paths
    from summarizer.schemas import ITEM_LISTS

    output = summarize_paths(paths, Gateway(get_settings().gateway_config()), deidentified=deidentified)
    if json_output:
        typer.echo(json.dumps(output, ensure_ascii=False))
    else:
        typer.echo("\n".join(_summary_lines(output, ITEM_LISTS)))
    if output["errors"] and not output["documents"]:
        raise typer.Exit(1)


def _summary_lines(output: dict[str, object], sections: tuple[str, ...]) -> list[str]:
    lines = [f"patient: {output['patient']}"]
    for section in sections:
        items = output[section]
        assert isinstance(items, list)
        if items:
            lines.append(f"{section.replace('_', ' ')}:")
        for item in items:
            cited = ", ".join(f"{c['path']}[{c['start']}:{c['end']}]" for c in item["citations"])
            lines.append(f"  - {item['text']}  ({cited})")
    errors = output["errors"]
    assert isinstance(errors, list)
    lines += [f"error: {error['path']}: {error['reason']}" for error in errors]
    lines.append(f"verification: {output['verification']}")
    return lines


@discrepancy_app.command("check")
def discrepancy_check(
    paths: Annotated[list[Path], typer.Argument(help="Record files of one case (any supported format)")],
    diagnosis: Annotated[str, typer.Option(help="The submitted (referring) diagnosis")] = "",
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object")] = False,
) -> None:
    """Check the diagnosis against local files as one case: typed flags citing the claim and the evidence."""
    import json

    from llm.gateway import Gateway
    from reconsult.discrepancy_cli import check_paths, flag_lines
    from reconsult.settings import get_settings

    output = check_paths(paths, diagnosis, Gateway(get_settings().gateway_config()))
    typer.echo(json.dumps(output, ensure_ascii=False) if json_output else "\n".join(flag_lines(output)))
    if output["errors"] and not output["documents"]:
        raise typer.Exit(1)


@triage_app.command("train")
def triage_train(
    mtsamples: Annotated[Path, typer.Option(help="MTSamples-format training CSV")] = Path(
        "../shared/data/mtsamples/train.csv"
    ),
    vignettes: Annotated[
        Path | None, typer.Option(help="Urgency vignettes file (default: every file in evals/datasets)")
    ] = None,
) -> None:
    """Train the subspecialty model (MTSamples train + dev vignettes) and the urgency model (dev vignettes);
    write their artifacts to triage/models."""
    from evals.triage_suite import load_vignettes
    from llm.embeddings import default_embedder
    from triage.subspecialty import MODEL_FILE, LabelledNote, train
    from triage.urgency import MODEL_FILE as URGENCY_FILE
    from triage.urgency import train_urgency

    embedder = default_embedder()
    dev = load_vignettes(vignettes, split="dev")
    referrals = [LabelledNote(v.text, v.subspecialty) for v in dev]  # referral-style text beside long notes
    subspecialty_model = train(mtsamples, embedder, referrals)
    subspecialty_model.save()
    classes, temperature = len(subspecialty_model.classes), subspecialty_model.temperature
    typer.echo(f"{MODEL_FILE}: {classes} subspecialties, temperature {temperature:.3f}")
    train_urgency([v.text for v in dev], [v.urgency for v in dev], embedder).save()
    typer.echo(f"{URGENCY_FILE}: trained on {len(dev)} dev vignettes")


@triage_app.command("classify")
def triage_classify(
    paths: Annotated[list[str], typer.Argument(help="Record files, or - for text on standard input")],
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per input")] = False,
    requested_specialty: Annotated[
        str | None, typer.Option(help="The subspecialty the referrer asked for (a taxonomy slug)")
    ] = None,
) -> None:
    """Suggest urgency (with reasons) and the top three subspecialties for each input, as its own case."""
    import json

    from llm.gateway import Gateway
    from reconsult.settings import get_settings
    from records.deid import certify, default_deidentifier
    from records.vault import PhiVault
    from triage.service import triage

    gateway, failures = Gateway(get_settings().gateway_config()), list[str]()
    for path, text in _inputs(paths, json_output, failures):
        vault = PhiVault.new()
        output = triage(
            gateway, {"d1": certify(text, vault, default_deidentifier())}, requested_specialty
        ).output
        result = {
            "path": path,
            "urgency": {
                "level": output.urgency.level,
                "needs_review": output.urgency.needs_review,
                "reasons": [
                    vault.reidentify(f"{reason.text}: {reason.quotes[0].quote}")
                    for reason in output.urgency.reasons
                ],
            },
            "subspecialties": [{"name": s.name, "probability": s.probability} for s in output.subspecialties],
        }
        typer.echo(json.dumps(result) if json_output else _triage_line(result))
    if failures:
        raise typer.Exit(1)


def _triage_line(result: dict[str, Any]) -> str:
    urgency, top = result["urgency"], result["subspecialties"]
    review = " (needs review)" if urgency["needs_review"] else ""
    names = ", ".join(f"{s['name']} {s['probability']:.2f}" for s in top)
    reasons = "".join(f"\n    - {reason}" for reason in urgency["reasons"])
    return f"==> {result['path']}: {urgency['level']}{review}; {names}{reasons}"


@eval_app.command("compare")
def eval_compare(
    first: Annotated[Path, typer.Argument(help="A run folder (eval run --suite all) or a result file")],
    second: Annotated[Path, typer.Argument(help="The run to compare with the first")],
    output: Annotated[
        Path | None,
        typer.Option(
            help="Comparison page to write (default: compare-<first>-vs-<second>.html beside the first)"
        ),
    ] = None,
) -> None:
    """Metrics of two runs side by side with paired significance, also written as a self-contained HTML page
    (and markdown beside it); exit 1 when the second regresses."""
    from evals.compare import compare_runs, default_output, load_run, write_comparison

    comparisons = compare_runs(load_run(first), load_run(second))
    if not comparisons:
        typer.echo("the two runs share no suite", err=True)
        raise typer.Exit(2)
    typer.echo(f"{'suite':<12} {'metric':<36} {'first':>9} {'second':>9} {'delta':>9}  significance")
    typer.echo("\n".join(comparison.line() for comparison in comparisons))
    regressions = [c for c in comparisons if c.regression]
    typer.echo(f"{len(regressions)} regression(s)")
    page = write_comparison(comparisons, first, second, output or default_output(first, second))
    typer.echo(f"comparison: {page} (and {page.with_suffix('.md').name})")
    if regressions:
        raise typer.Exit(1)


@eval_app.command("gate")
def eval_gate(
    results: Annotated[
        list[Path] | None, typer.Argument(help="Result files to check (default: run the gated suites)")
    ] = None,
    fast: Annotated[bool, typer.Option("--fast", help="Only the fast subset make test runs")] = False,
    gates_file: Annotated[
        Path | None, typer.Option("--gates", help="Thresholds file (default: evals/gates.json)")
    ] = None,
    output_dir: Annotated[Path, typer.Option(help="Where result files of the runs go")] = Path(
        "reports/evals"
    ),
) -> None:
    """Check suite results against the thresholds in evals/gates.json; exit 1 if any check fails."""
    import json

    from evals.gate import check_result, gates, run_gate
    from evals.runner import run_suite, write_result

    config = gates(gates_file) if gates_file else gates()
    if results:
        checks = [check for path in results for check in check_result(json.loads(path.read_text()), config)]
    else:
        checks = run_gate(run_suite, fast, lambda result: write_result(result, output_dir), config)
    typer.echo("\n".join(check.line() for check in checks))
    failed = [check for check in checks if not check.passed]
    typer.echo(f"gate: {len(checks) - len(failed)} of {len(checks)} checks pass")
    if failed or not checks:
        raise typer.Exit(1)


def _run_all_suites(limit: int | None, split: str, output_dir: Path, record: bool, model: str | None) -> None:
    """Every suite, then the report folder (metrics.json, report.md, report.html) beside their results,
    and the run recorded in the database for QA to list and open through the API."""
    import datetime as dt

    from evals.models import gateway_for
    from evals.provenance import dataset_digests, prompt_versions
    from evals.report import write_report
    from evals.runner import SUITES, run_suite, write_result
    from reconsult.settings import get_settings

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = output_dir / f"run-{stamp}"
    results = []
    gateway = gateway_for(model, get_settings().gateway_config())
    with typer.progressbar(list(SUITES), label="suites", item_show_func=lambda name: name) as suites:
        for name in suites:
            results.append(run_suite(name, data=None, limit=limit, split=split, gateway=gateway))
            write_result(results[-1], folder)
    meta: dict[str, Any] = {"run_id": f"run-{stamp}", "split": split, "model": model or "offline engine"}
    meta |= {"prompt_versions": prompt_versions(), "dataset_digests": dataset_digests()}
    page = write_report(results, folder, meta)
    typer.echo(f"report: {page}")
    if record:
        _record_eval_run(folder, meta, [result["suite"] for result in results])


def _record_eval_run(folder: Path, meta: dict[str, Any], suites: list[str]) -> None:
    """Store a report folder's run in the database (the QA API lists and opens it)."""
    import json

    from store.models import EvalRun
    from store.repositories.evals import EvalRunRepository

    runtime = _runtime()
    with runtime.session_factory.begin() as session:
        run = EvalRunRepository(session).add(
            EvalRun(
                name=meta["run_id"],
                model=meta["model"],
                split=meta["split"],
                suites=suites,
                prompt_versions=meta["prompt_versions"],
                dataset_digests=meta["dataset_digests"],
                metrics=json.loads((folder / "metrics.json").read_text()),
                report_html=(folder / "report.html").read_text(),
            )
        )
        typer.echo(f"recorded as eval run {run.id} (QA: GET /evals/{run.id}/report)")


@eval_app.command("run")
def eval_run(
    suite: Annotated[
        str,
        typer.Option(help="Suite to run: deid, summary, triage, discrepancy, drafting, or all (a report)"),
    ] = "deid",
    data: Annotated[
        Path | None, typer.Option(help="Run on this dataset file instead of the defaults")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many texts per dataset")] = None,
    split: Annotated[str, typer.Option(help="dev, test or all")] = "test",
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object")] = False,
    output_dir: Annotated[Path, typer.Option(help="Where result files go")] = Path("reports/evals"),
    record: Annotated[
        bool, typer.Option(help="With --suite all: record the run in the database for the QA API")
    ] = True,
    model: Annotated[
        str | None,
        typer.Option(
            help="With --suite all: a litellm model for every task, or 'scripted' (default: offline)"
        ),
    ] = None,
) -> None:
    """Run an evaluation suite, print its metrics and save the result as JSON."""
    import json

    from evals.runner import SUITES, run_suite, summary_lines, write_result

    if suite == "all":
        _run_all_suites(limit, split, output_dir, record, model)
        return
    if suite not in SUITES:
        typer.echo(f"unknown suite {suite!r}; choose from {', '.join(SUITES)} or all", err=True)
        raise typer.Exit(2)
    result = run_suite(suite, data=data, limit=limit, split=split)
    saved = write_result(result, output_dir)
    if json_output:
        typer.echo(
            json.dumps({"suite": result["suite"], "dataset": result["dataset"], "metrics": result["metrics"]})
        )
    else:
        typer.echo("\n".join(summary_lines(result)))
        typer.echo(f"result saved to {saved}")
