"""De-identification throughput: reconsult's engine against out-of-the-box Presidio, same texts, one run.

Both systems analyse and redact every text of the workload (our annotated clinical notes and the synthetic
clinical queries, all splits); each system is warmed up first and then timed over several rounds in turn,
and the median round counts. Prints characters per second for each and the ratio ours / baseline.

    .venv/bin/python benchmarks/deid_throughput.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from reconsult.offline import apply_offline_defaults

apply_offline_defaults()

from evals.deid_suite import presidio_baseline_system, reconsult_system  # noqa: E402
from evals.loaders import load_clinical_notes, load_clinical_queries  # noqa: E402


def workload() -> list[str]:
    """The fixed texts: every annotated note and every clinical query."""
    return [text.text for text in load_clinical_notes()] + [text.text for text in load_clinical_queries()]


def seconds_for(system: Callable[[str], object], texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        system(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = workload()
    characters = sum(len(text) for text in texts)
    systems = {"reconsult": reconsult_system(), "presidio-baseline": presidio_baseline_system()}
    for system in systems.values():  # warm caches and lazy loads before timing
        seconds_for(system, texts[:20])
    timings: dict[str, list[float]] = {name: [] for name in systems}
    for _round in range(args.rounds):  # interleaved, so machine noise hits both alike
        for name, system in systems.items():
            timings[name].append(seconds_for(system, texts))
    rate = {name: characters / statistics.median(values) for name, values in timings.items()}
    print(f"workload: {len(texts)} texts, {characters} characters, {args.rounds} rounds (median)")
    for name, value in rate.items():
        print(f"{name:<20} {value:>12,.0f} chars/s")
    print(f"ratio reconsult / presidio-baseline: {rate['reconsult'] / rate['presidio-baseline']:.2f}x")


if __name__ == "__main__":
    main()
