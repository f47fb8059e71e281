"""The patient's stated age band and sex, read from the shapes the eval texts use, and the subgroup
breakdowns built from them."""

from __future__ import annotations

import pytest

from evals.demographics import NOT_STATED, age_band, demographic_groups, stated_demographics
from evals.details import Details


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- 31-year-old woman, previously well\n- 5 days of blurred vision", ("18-44", "female")),
        ("Dear colleague, an 81-year-old man, ex-smoker with severe COPD", ("65+", "male")),
        ("70M. PSA 28 ng/mL (4.1 three years ago).", ("65+", "male")),
        ("35F, 'penicillin allergy' label since age 4", ("18-44", "female")),
        ("52 yo F with a breast lump", ("45-64", "female")),
        ("Referral: aged 67, chest pain on exertion. He stops after 100 m.", ("65+", "male")),
        ("Our daughter is 16 and has had type 1 diabetes for six years", ("0-17", "female")),
        ("Writing for my husband, 58, type 1 diabetic for 30 years.", ("45-64", "male")),
        ("Caller: I'm ringing for my dad, he's 72. He wants a second opinion", ("65+", "male")),
        ("My baby boy is 5 days old, breastfed. He looked a bit yellow", ("0-17", "male")),
        ("I am woman 44 years old. In 3 months I will travel", ("18-44", "female")),
        ("Caller: I'm 39, male. I wanted a second opinion on my asthma", ("18-44", "male")),
        ("Specimen from a 57-year-old postmenopausal woman, screen-detected", ("45-64", "female")),
        ("I'm 31 and 28 weeks pregnant with my second baby.", ("18-44", "female")),
        ("33-year-old in her second pregnancy. She has chronic hypertension.", ("18-44", "female")),
        ("Mrs Khan was reviewed in clinic; her INR is stable.", (NOT_STATED, "female")),
    ],
)
def test_explicit_statements_give_the_group(text: str, expected: tuple[str, str]) -> None:
    assert stated_demographics(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The writer's own age is stated, not their sex; the pronouns are a relative's.
        ("I'm 45. My mother had breast cancer at 49; she is well now.", ("45-64", NOT_STATED)),
        # A pregnancy, a dose and a size are not ages; "since age 4" is not the patient's age now.
        ("I'm 34 weeks with my first baby. Took 500 mg. Lump 3 cm. Allergic since age 4.", (NOT_STATED,) * 2),
        # The pronouns disagree (the patient and her husband): no sex rather than a guess.
        ("Seen with her husband; he reports she has been confused.", (NOT_STATED, NOT_STATED)),
        # The first description is the patient's; a relative's age later on is not.
        ("I'm 52 and well. My dad died suddenly at 68; my father is 90.", ("45-64", NOT_STATED)),
        ("My partner is 23 and has a peanut allergy.", ("18-44", NOT_STATED)),
        ("MRI PELVIS\nFINDINGS: Cervical tumour 52 x 44 x 40 mm.", (NOT_STATED, NOT_STATED)),
    ],
)
def test_without_a_plain_statement_the_answer_is_not_stated(text: str, expected: tuple[str, str]) -> None:
    assert stated_demographics(text) == expected


def test_age_bands_have_inclusive_lower_bounds() -> None:
    assert [age_band(age) for age in (0, 17, 18, 44, 45, 64, 65, 104, 150, None)] == [
        "0-17",
        "0-17",
        "18-44",
        "18-44",
        "45-64",
        "45-64",
        "65+",
        "65+",
        NOT_STATED,
        NOT_STATED,
    ]


def test_a_sampled_metric_is_broken_down_by_age_band_and_sex_with_intervals() -> None:
    details = Details()
    texts = ["70M. Chest pain.", "35F, rash.", "61M, ulcer.", "Unknown patient."]
    details.outcomes("urgency_accuracy", [True, False, True, True])
    details.by_groups("urgency_accuracy", demographic_groups(texts))
    assert details.subgroups["urgency_accuracy_by_sex"] == {
        "female": {"n": 1, "value": 0.0, "interval": [0.0, 0.0]},
        "male": {"n": 2, "value": 1.0, "interval": [1.0, 1.0]},
        NOT_STATED: {"n": 1, "value": 1.0, "interval": [1.0, 1.0]},
    }
    assert set(details.subgroups["urgency_accuracy_by_age_band"]) == {"18-44", "45-64", "65+", NOT_STATED}


def test_a_ratio_metric_is_summed_within_each_group() -> None:
    details = Details()
    details.ratios("flag_recall", [1, 0, 2], [2, 0, 2])  # the middle case has no gold flag
    details.by_groups("flag_recall", {"sex": ["male", "female", "male"]})
    groups = details.subgroups["flag_recall_by_sex"]
    assert groups["male"]["value"] == 0.75
    assert groups["female"] == {"n": 1, "value": None, "interval": None}
