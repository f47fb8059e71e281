"""The rare Safe Harbor categories added after the dev6 notes (evals/datasets/README_dev6.md): face-photo
references, ages over 89 in words and decades, device serials, biometric identifiers whose label comes earlier
in the sentence, and the look-alikes that must stay untouched.

These call the Presidio recognizers directly (no spaCy).
"""

from __future__ import annotations

import pytest

from records.deid import DEFAULT_THRESHOLD
from records.phi import PhiCategory
from records.recognizers import ClinicalDateRecognizer, LabeledValueRecognizer, ShapeRecognizer

ENTITIES = [category.value for category in PhiCategory]


def values(text: str, category: PhiCategory) -> set[str]:
    """The values found in ``text`` for one category, at or above the default threshold."""
    results = []
    for recognizer in (LabeledValueRecognizer(), ShapeRecognizer(), ClinicalDateRecognizer()):
        results += recognizer.analyze(text, ENTITIES)
    return {
        text[r.start : r.end]
        for r in results
        if r.score >= DEFAULT_THRESHOLD and r.entity_type == category.value
    }


class TestAgesOver89:
    @pytest.mark.parametrize(
        ("text", "age"),
        [
            ("She is a nonagenarian admitted with a fracture.", "nonagenarian"),
            ("a centenarian who lives alone", "centenarian"),
            ("(ninety-one years old)", "ninety-one"),
            ("NINETY-TWO-YEAR-OLD WOMAN WITH HEART BLOCK", "NINETY-TWO"),
            ("She is ninety-three and declines surgery.", "ninety-three"),
            ("Male, appears in his 90s.", "90s"),
            ("in her early nineties she moved", "nineties"),
            ("(she is 97 now)", "97"),
        ],
    )
    def test_found(self, text: str, age: str) -> None:
        assert age in values(text, PhiCategory.AGE_OVER_89)

    @pytest.mark.parametrize(
        "text",
        [
            "Octogenarian and nonagenarian cohorts differ in risk.",
            "in her 80s she still drove",
            "6-MINUTE WALK 90 M.",
            "Patients aged 90 and over get reduced doses.",
            "Infusion took ninety minutes.",
            "1 in 90 patients need revision; methadone 90 mg.",
        ],
    )
    def test_look_alikes_are_left(self, text: str) -> None:
        assert values(text, PhiCategory.AGE_OVER_89) == set()


class TestFacePhotos:
    @pytest.mark.parametrize(
        ("text", "photo"),
        [
            ("Photo taken and uploaded to chart (file IMG_0045.JPG, full face).", "IMG_0045.JPG"),
            ("ID verification: facial photograph in Media (PHOTO-SRI-558120).", "PHOTO-SRI-558120"),
            ("Secondary capture (face, for identity) stored as SC image SC-2201847-0001.", "SC-2201847-0001"),
            ("He sent a selfie via the portal (selfie_20241002.heic).", "selfie_20241002.heic"),
            ("a picture of her face - mom_face_0611.jpg - and of her leg", "mom_face_0611.jpg"),
        ],
    )
    def test_found(self, text: str, photo: str) -> None:
        assert photo in values(text, PhiCategory.PHOTO_REFERENCE)

    @pytest.mark.parametrize(
        "text",
        [
            "and one of her leg (leg.jpg).",
            "pic attached (rash_arm.jpg)",
            "Gross photo 2 of 2; photos normal; photo ID verified.",
            "Left shin close-up, photo 3 of 6, IMG_2231.JPG.",
        ],
    )
    def test_other_pictures_are_left(self, text: str) -> None:
        assert values(text, PhiCategory.PHOTO_REFERENCE) == set()


class TestDevicesAndBiometrics:
    def test_model_before_the_slash_is_not_the_serial(self) -> None:
        found = values("Model/Serial: CD3371-40Q / 810442771.", PhiCategory.DEVICE_ID)
        assert found == {"810442771"}

    def test_device_label_earlier_in_the_sentence(self) -> None:
        text = "Device ID in the manufacturer registry: SJM-810442771."
        assert values(text, PhiCategory.DEVICE_ID) == {"SJM-810442771"}

    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("Fingerprint ID on file for the e-prescribing token: FP-7719-3042.", "FP-7719-3042"),
            ("Her iris scan ID for the medication cabinet is IRS-550183.", "IRS-550183"),
            ("his retina scan ID RS-440917 opens the door", "RS-440917"),
        ],
    )
    def test_biometric_label_earlier_in_the_sentence(self, text: str, value: str) -> None:
        assert value in values(text, PhiCategory.BIOMETRIC_ID)

    def test_list_after_a_serial_stops_at_a_new_item(self) -> None:
        text = "CPAP serial 23191847265; compliance 91% of nights."
        assert values(text, PhiCategory.DEVICE_ID) == {"23191847265"}

    def test_commercial_driver_licence(self) -> None:
        assert values("CDL # K8812-40917, DOT card renewed", PhiCategory.LICENSE_NUMBER) == {"K8812-40917"}

    def test_clinical_words_are_left(self) -> None:
        text = "Fundus photos OU; retinal exam shows fluid. Iris normal. Serial troponins were flat."
        assert values(text, PhiCategory.BIOMETRIC_ID) == set()
        assert values(text, PhiCategory.DEVICE_ID) == set()
