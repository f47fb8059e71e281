"""``reconsult deid --json``: one JSON object per input, one vault per invocation, errors per file.

Each run loads spaCy, so the module makes two runs, started together, and every test reads their output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from records.phi import PhiCategory

PROJECT = Path(__file__).resolve().parents[2]

FIRST = (
    "Patient: Ifeoma Okonkwo\n"
    "MRN: 00482913    DOB: 03/14/1931\n"
    "Phone: (617) 555-0143\n"
    "Admitted to Lakeshore General Hospital on 03/14/2023 with chest pain.\n"
)
SECOND = (
    "Patient Name: Ifeoma Okonkwo\n"
    "SSN: 123-45-6789\n"
    "Follow up with Dr. Rajesh Venkataraman in two weeks; troponin negative.\n"
)
STDIN = "Seen by Dr. Rajesh Venkataraman on 04/02/2023.\nPatient: Ifeoma Okonkwo\n"
PLANTED = (
    "Ifeoma",
    "Okonkwo",
    "Venkataraman",
    "00482913",
    "03/14/1931",
    "03/14/2023",
    "04/02/2023",
    "(617) 555-0143",
    "123-45-6789",
    "Lakeshore General Hospital",
)


@dataclass(frozen=True)
class CliRun:
    returncode: int
    lines: list[dict[str, Any]]
    stderr: str


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("deid-cli")
    files = {
        "first": folder / "first.txt",
        "second": folder / "second.txt",
        "missing": folder / "missing.txt",
    }
    files["first"].write_text(FIRST)
    files["second"].write_text(SECOND)
    return files


@pytest.fixture(scope="module")
def runs(inputs: dict[str, Path]) -> dict[str, CliRun]:
    """Both invocations, run side by side: all inputs readable (with stdin), and one missing file."""
    commands = {
        "ok": [str(inputs["first"]), str(inputs["second"]), "-"],
        "missing": [str(inputs["first"]), str(inputs["missing"]), str(inputs["second"])],
    }
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-m", "reconsult", "deid", "--json", *arguments],
            cwd=PROJECT,
            env=dict(os.environ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, arguments in commands.items()
    }
    finished = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(STDIN if name == "ok" else "", timeout=180)
        lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
        finished[name] = CliRun(process.returncode, lines, stderr)
    return finished


def originals(inputs: dict[str, Path]) -> dict[str, str]:
    return {str(inputs["first"]): FIRST, str(inputs["second"]): SECOND, "-": STDIN}


def spans_by_original(line: dict[str, Any], original: str) -> dict[str, str]:
    return {original[span["start"] : span["end"]]: span["surrogate"] for span in line["spans"]}


class TestJsonOutput:
    def test_one_object_per_input_in_order_and_exit_0(
        self, runs: dict[str, CliRun], inputs: dict[str, Path]
    ) -> None:
        run = runs["ok"]
        assert run.returncode == 0, run.stderr[-2000:]
        assert [line["path"] for line in run.lines] == [str(inputs["first"]), str(inputs["second"]), "-"]
        assert all(set(line) == {"path", "text", "spans"} for line in run.lines)

    def test_spans_point_into_the_original_text(
        self, runs: dict[str, CliRun], inputs: dict[str, Path]
    ) -> None:
        texts = originals(inputs)
        for line in runs["ok"].lines:
            original = texts[line["path"]]
            assert line["spans"]
            previous_end = 0
            for span in line["spans"]:
                assert set(span) == {"start", "end", "category", "surrogate"}
                assert previous_end <= span["start"] < span["end"] <= len(original)
                assert original[span["start"] : span["end"]].strip()
                assert PhiCategory(span["category"])
                previous_end = span["end"]
            rebuilt, position = [], 0
            for span in line["spans"]:
                rebuilt += [original[position : span["start"]], span["surrogate"]]
                position = span["end"]
            assert "".join([*rebuilt, original[position:]]) == line["text"]

    def test_no_planted_identifier_is_left(self, runs: dict[str, CliRun]) -> None:
        for line in runs["ok"].lines:
            assert [item for item in PLANTED if item in line["text"]] == [], line["path"]
        assert "troponin negative" in runs["ok"].lines[1]["text"]

    def test_one_vault_per_invocation_gives_the_patient_one_surrogate(
        self, runs: dict[str, CliRun], inputs: dict[str, Path]
    ) -> None:
        texts = originals(inputs)
        surrogates = {
            spans_by_original(line, texts[line["path"]]).get("Ifeoma Okonkwo") for line in runs["ok"].lines
        }
        assert len(surrogates) == 1
        assert None not in surrogates

    def test_separate_invocations_use_separate_vaults(
        self, runs: dict[str, CliRun], inputs: dict[str, Path]
    ) -> None:
        first_ok, first_missing = runs["ok"].lines[0], runs["missing"].lines[0]
        assert (
            spans_by_original(first_ok, FIRST)["00482913"]
            != spans_by_original(first_missing, FIRST)["00482913"]
        )


class TestMissingFile:
    def test_an_error_object_is_printed_and_the_exit_code_is_1(
        self, runs: dict[str, CliRun], inputs: dict[str, Path]
    ) -> None:
        run = runs["missing"]
        assert run.returncode == 1
        assert run.lines[1] == {"path": str(inputs["missing"]), "error": "no such file"}

    def test_the_other_files_are_still_de_identified(
        self, runs: dict[str, CliRun], inputs: dict[str, Path]
    ) -> None:
        run = runs["missing"]
        assert [line["path"] for line in run.lines] == [
            str(inputs["first"]),
            str(inputs["missing"]),
            str(inputs["second"]),
        ]
        for line in (run.lines[0], run.lines[2]):
            assert line["spans"]
            assert "Okonkwo" not in line["text"]
            assert "00482913" not in line["text"]
            assert "123-45-6789" not in line["text"]
