"""``reconsult discrepancy check`` run as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MEDICINES = "Current medications:\nAmoxicillin 500 mg three times daily\nParacetamol 1 g as needed\n"
ALLERGIES = "Allergies and adverse drug reactions:\nPenicillin - anaphylaxis after amoxicillin.\n"
PATHOLOGY = "SPECIMEN: Right breast, core biopsy.\nDIAGNOSIS: invasive lobular carcinoma, grade 2.\n"


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconsult", "discrepancy", "check", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_flags_cite_files_and_the_diagnosis(tmp_path: Path) -> None:
    files = {"medications.txt": MEDICINES, "allergies.txt": ALLERGIES, "pathology.txt": PATHOLOGY}
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    paths = [str(tmp_path / name) for name in files]
    result = check(*paths, "--diagnosis", "Fibroadenoma, right breast", "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    by_type = {flag["type"]: flag for flag in output["flags"]}
    assert set(by_type) == {"medication_inconsistent", "contradicted_by_findings"}
    medicine = by_type["medication_inconsistent"]["claim"]
    assert medicine["path"].endswith("medications.txt")
    assert medicine["offsets"] == "file"
    assert MEDICINES[medicine["start"] : medicine["end"]] == "Amoxicillin 500 mg three times daily"
    claim = by_type["contradicted_by_findings"]["claim"]
    assert (claim["path"], claim["text"]) == ("diagnosis", "Fibroadenoma")


def test_a_missing_file_is_named_and_fails(tmp_path: Path) -> None:
    result = check(str(tmp_path / "nowhere.pdf"), "--diagnosis", "Asthma")
    assert result.returncode == 1
    assert "nowhere.pdf: no such file" in result.stdout
