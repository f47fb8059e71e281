"""Build ``records/data/common_words.txt`` (words clinical writers use in lower case) and
``records/data/clinical_vocabulary.txt`` (words of clinical text, any case).

A word that MTSamples (train split) writes in lower case nearly every time is a common word, not a name
or a place; the de-identifier drops NER detections made only of such words ("Specimen", "LEFT AXILLA",
"Glucose"). Names are written capitalised, so they do not make the list. Run:
``python -m records.build_lexicon ../shared/data/mtsamples/train.csv``.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

OUTPUT = Path(__file__).with_name("data") / "common_words.txt"
VOCABULARY_OUTPUT = Path(__file__).with_name("data") / "clinical_vocabulary.txt"
MIN_VOCABULARY_COUNT = 3
MIN_COUNT = 3
MIN_LOWERCASE_SHARE = 0.75
# A word in running text: not sentence-initial and not in capitals (headers), where its case is a choice.
_RUNNING_WORD = re.compile(r"(?<![.!?:;]\s)(?<![.!?:;]\s\s)(?<=[a-z,()]\s)([A-Za-z][a-z'-]{2,})")


def common_words(rows: list[str]) -> list[str]:
    """Words seen at least :data:`MIN_COUNT` times, lower-case in :data:`MIN_LOWERCASE_SHARE` of them."""
    total: Counter[str] = Counter()
    lowercase: Counter[str] = Counter()
    for text in rows:
        for word in _RUNNING_WORD.findall(text):
            key = word.lower()
            total[key] += 1
            lowercase[key] += word == key
    return sorted(w for w, n in total.items() if n >= MIN_COUNT and lowercase[w] >= MIN_LOWERCASE_SHARE * n)


def clinical_vocabulary(rows: list[str], names: set[str]) -> list[str]:
    """Every word MTSamples uses at least :data:`MIN_VOCABULARY_COUNT` times in any case: medical terms,
    drugs, eponyms. MTSamples is de-identified ("Dr. X"), so people's names hardly occur; the surrogate name
    pools are removed all the same."""
    counts = Counter(word.lower() for text in rows for word in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text))
    return sorted(w for w, n in counts.items() if n >= MIN_VOCABULARY_COUNT and w not in names)


def main(train_csv: str) -> None:
    """Write both word lists from the MTSamples training split."""
    csv.field_size_limit(1 << 30)
    with open(train_csv, newline="", encoding="utf-8") as source:
        rows = [row["transcription"] for row in csv.DictReader(source)]
    words = common_words(rows)
    OUTPUT.write_text("\n".join(words) + "\n")
    print(f"{len(words)} common words written to {OUTPUT}")
    pools = json.loads(OUTPUT.with_name("surrogates.json").read_text())
    names = {name.lower() for name in pools["given_names"] + pools["surnames"]}
    vocabulary = clinical_vocabulary(rows, names)
    VOCABULARY_OUTPUT.write_text("\n".join(vocabulary) + "\n")
    print(f"{len(vocabulary)} clinical vocabulary words written to {VOCABULARY_OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1])
