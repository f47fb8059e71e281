"""The README's first comparison for a new QA user, end to end: the suites run on the offline engine and on
the scripted stand-in, the two runs compared (table, HTML and markdown), the report opened in a real browser
with its intervals, subgroups and plots in view, and the gate failing once a threshold is raised above the
measured value.

Kept quick: the triage, discrepancy and drafting suites on the test split with ``--limit 2`` (the summary
and de-identification suites take minutes and have tests of their own), in one process so models load once,
and triage (which runs no gateway model, so both runs would measure the same) computed once for both.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from typer.testing import CliRunner, Result

from evals import runner
from evals.gate import GATES_FILE
from reconsult.cli import app
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

WALKED_SUITES = ("triage", "discrepancy", "drafting")
INTERVAL = re.compile(r"^\[\d\.\d{3}, \d\.\d{3}\]$")


@dataclass(frozen=True)
class Walkthrough:
    """The two run folders and what ``eval compare`` made of them."""

    offline: Path
    scripted: Path
    compare: Result
    comparison_page: Path


def cli(*args: str) -> Result:
    """The ``reconsult`` command, in this process."""
    return CliRunner().invoke(app, list(args))


def run_all(output_dir: Path, *model: str) -> Path:
    """``eval run --suite all`` as the README has it (small, unrecorded); returns the run folder."""
    options = ["--split", "test", "--limit", "2", "--no-record", "--output-dir", str(output_dir), *model]
    run = cli("eval", "run", "--suite", "all", *options)
    assert run.exit_code == 0, run.output
    (folder,) = output_dir.glob("run-*")
    return folder


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> Walkthrough:
    """Both runs and their comparison, shared by every test of the module."""
    root = tmp_path_factory.mktemp("qa")
    triage_once = functools.cache(runner.SUITES["triage"][0])
    suites = {name: runner.SUITES[name] for name in WALKED_SUITES}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "SUITES", suites | {"triage": (triage_once, suites["triage"][1])})
        offline = run_all(root / "offline")
        scripted = run_all(root / "scripted", "--model", "scripted")
    compare = cli("eval", "compare", str(offline), str(scripted))
    return Walkthrough(
        offline, scripted, compare, offline.parent / f"compare-{offline.name}-vs-{scripted.name}.html"
    )


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    """A page in Debian's headless Chromium."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1280, "height": 1000})
        browser.close()


def metric(run: Path, suite: str, name: str) -> float:
    value: float = json.loads((run / "metrics.json").read_text())["suites"][suite]["metrics"][name]
    return value


def test_the_report_shows_intervals_subgroups_and_plots(walkthrough: Walkthrough, browser_page: Page) -> None:
    browser_page.goto((walkthrough.offline / "report.html").as_uri())
    expect(browser_page.get_by_role("heading", name="Eval run")).to_be_visible()
    expect(browser_page.get_by_role("columnheader", name="95 % CI").first).to_be_visible()
    expect(browser_page.get_by_role("cell", name=INTERVAL).first).to_be_visible()
    for breakdown in ("urgency_accuracy_by_age_band", "under_triage_rate_by_sex", "flag_recall_by_sex"):
        expect(browser_page.get_by_role("heading", name=breakdown, exact=True)).to_be_visible()
    expect(browser_page.locator("svg").first).to_be_visible()
    expect(browser_page.get_by_text("Reliability diagram: urgency")).to_be_visible()


def test_the_comparison_page_holds_both_runs_side_by_side(
    walkthrough: Walkthrough, browser_page: Page
) -> None:
    assert walkthrough.compare.exit_code in (0, 1), walkthrough.compare.output
    assert f"comparison: {walkthrough.comparison_page}" in walkthrough.compare.output
    assert walkthrough.comparison_page.with_suffix(".md").is_file()
    browser_page.goto(walkthrough.comparison_page.as_uri())
    expect(browser_page.get_by_text("(offline engine)").first).to_be_visible()
    expect(browser_page.get_by_text("(scripted)").first).to_be_visible()
    # The scripted stand-in writes drafts without facts: the one count sure to differ between the runs.
    first, second = (
        metric(run, "drafting", "factual_sentences") for run in (walkthrough.offline, walkthrough.scripted)
    )
    assert first != second
    row = browser_page.get_by_role("row").filter(
        has=browser_page.get_by_role("cell", name="factual_sentences")
    )
    expect(row.get_by_role("cell").nth(1)).to_have_text(f"{first:g}")
    expect(row.get_by_role("cell").nth(3)).to_have_text(f"{second:g}")
    html = walkthrough.comparison_page.read_text()
    assert "<script" not in html
    assert "http" not in html  # nothing fetched: it opens offline


def test_the_gate_fails_after_a_threshold_is_raised_above_the_value(
    walkthrough: Walkthrough, tmp_path: Path
) -> None:
    (result,) = walkthrough.offline.glob("triage-*.json")
    value = metric(walkthrough.offline, "triage", "urgency_accuracy")
    exits = []
    for threshold in (value, value + 0.01):
        config = json.loads(GATES_FILE.read_text())
        config["suites"]["triage"]["thresholds"] = {"urgency_accuracy": {"min": threshold}}
        copy = tmp_path / f"gates-{threshold}.json"
        copy.write_text(json.dumps(config))
        exits.append(cli("eval", "gate", str(result), "--gates", str(copy)).exit_code)
    assert exits == [0, 1]
