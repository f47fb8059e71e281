"""What an eval run measured with: the prompt and opinion-template versions in use, and digests of the
datasets the suites read, so two reports can be told apart and a rerun checked against its original."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from evals.loaders import SHARED_DATA
from prompts.loader import TEMPLATE_DIR
from prompts.opinion_templates import OPINION_DIR

DATASETS = Path(__file__).parent / "datasets"
SHARED_FILES = (
    "mtsamples/dev.csv",
    "medec/MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv",
)
_VERSIONED = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d+)\.md$")


def prompt_versions() -> dict[str, dict[str, int]]:
    """The highest version of every prompt template and every opinion template."""
    return {"prompts": _highest(TEMPLATE_DIR), "opinion_templates": _highest(OPINION_DIR)}


def dataset_digests() -> dict[str, str]:
    """SHA-256 of each dataset file the suites read (our datasets and the shared files)."""
    files = {f"evals/datasets/{p.name}": p for p in sorted(DATASETS.glob("*.jsonl"))}
    files |= {f"shared/{name}": SHARED_DATA / name for name in SHARED_FILES if (SHARED_DATA / name).is_file()}
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}


def _highest(folder: Path) -> dict[str, int]:
    versions: dict[str, int] = {}
    for path in folder.glob("*.md"):
        match = _VERSIONED.match(path.name)
        if match:
            versions[match["name"]] = max(versions.get(match["name"], 0), int(match["version"]))
    return dict(sorted(versions.items()))
