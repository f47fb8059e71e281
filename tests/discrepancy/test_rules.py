"""The offline discrepancy rules, one behaviour per class, on short synthetic records."""

from __future__ import annotations

import pytest

from discrepancy.rules import CaseTexts, check
from discrepancy.schemas import FlagOutput


def flags(diagnosis: str, *documents: str) -> list[FlagOutput]:
    return check(CaseTexts(diagnosis, {f"d{i + 1}": text for i, text in enumerate(documents)}))


def types(diagnosis: str, *documents: str) -> set[str]:
    return {flag.type for flag in flags(diagnosis, *documents)}


def quoted(flag: FlagOutput, documents: dict[str, str], diagnosis: str) -> None:
    """Every quote of the flag is an exact substring of the text it names."""
    texts = {"diagnosis": diagnosis, **documents}
    for item in [flag.claim, *flag.evidence]:
        assert item.quote in texts[item.text_key]


class TestContradictedByFindings:
    def test_histology_that_excludes_the_diagnosis_is_flagged_with_both_sides(self) -> None:
        report = (
            "SPECIMEN: Right breast, core biopsy.\nMICROSCOPIC: No fibroepithelial lesion identified.\n"
            "DIAGNOSIS: Right breast, core biopsy: invasive lobular carcinoma, grade 2."
        )
        (flag,) = flags("Fibroadenoma, right breast", report)
        assert flag.type == "contradicted_by_findings"
        assert flag.claim.text_key == "diagnosis"
        assert any("invasive lobular carcinoma" in item.quote for item in flag.evidence)
        quoted(flag, {"d1": report}, "Fibroadenoma, right breast")

    def test_the_same_diagnosis_in_the_report_is_no_discrepancy(self) -> None:
        report = "DIAGNOSIS: Left breast, core biopsy: invasive lobular carcinoma, grade 2."
        assert "contradicted_by_findings" not in types("Invasive lobular carcinoma, left breast", report)

    def test_a_negated_or_suspected_alternative_does_not_contradict(self) -> None:
        report = "IMPRESSION: No evidence of haemorrhage. Possible small-cell carcinoma to be excluded?"
        assert "contradicted_by_findings" not in types("Acute ischaemic stroke", report)

    def test_a_refuting_result_contradicts(self) -> None:
        spirometry = "Test | Result\nFEV1/FVC (post-bronchodilator) | 0.84 |"
        assert "contradicted_by_findings" in types("COPD, GOLD grade 2", spirometry)


class TestUnsupportedAndMissingWorkup:
    def test_a_diagnosis_whose_defining_test_was_never_done_is_unsupported(self) -> None:
        labs = "Test | Result\nSerum cortisol | not measured | |\nSodium | 139 | mmol/L |"
        (flag,) = flags("Addison disease", labs)
        assert flag.type == "unsupported_by_records"
        assert flag.evidence[0].quote == "Serum cortisol | not measured | |"

    def test_a_done_defining_test_supports_it(self) -> None:
        labs = "Short Synacthen test: serum cortisol 182 nmol/L at 30 minutes. ACTH 410 ng/L."
        assert not types("Addison disease", labs)

    def test_a_gap_in_the_standard_workup_names_what_is_missing(self) -> None:
        pathology = "DIAGNOSIS: invasive ductal carcinoma, grade 3. ER positive (Allred 8/8). HER2: pending."
        (flag,) = [f for f in flags("Invasive ductal carcinoma, right breast", pathology)]
        assert flag.type == "missing_workup"
        assert flag.missing == "HER2 status"

    def test_a_complete_workup_is_not_flagged(self) -> None:
        pathology = "DIAGNOSIS: invasive ductal carcinoma. ER positive (Allred 8/8), HER2 negative (IHC 1+)."
        assert not types("Invasive ductal carcinoma, right breast", pathology)


class TestStageAndGrade:
    @pytest.mark.parametrize(
        ("diagnosis", "report"),
        [
            ("Stage IIA breast cancer", "DIAGNOSIS: pT2 pN1a (3/12). AJCC anatomic stage group IIB."),
            ("Prostate adenocarcinoma, Gleason 3+3=6", "Core 4: Gleason 3 + 3. Core 7: Gleason 4 + 3 = 7."),
            ("Melanoma, Breslow 0.7 mm", "DIAGNOSIS: nodular melanoma, Breslow thickness 1.4 mm."),
            ("Breast mass, BI-RADS 3", "IMPRESSION: Highly suspicious left breast mass. BI-RADS 4C."),
            ("Type 2 diabetes with CKD stage 3b", "Test | Result\neGFR | 22 | mL/min/1.73m2 |"),
        ],
    )
    def test_a_value_the_reports_do_not_give_is_a_mismatch(self, diagnosis: str, report: str) -> None:
        assert "stage_grade_mismatch" in types(diagnosis, report)

    def test_an_equal_value_is_not(self) -> None:
        assert "stage_grade_mismatch" not in types("Stage IIB breast cancer", "DIAGNOSIS: stage group IIB.")


class TestMedicines:
    def test_a_medicine_of_a_class_the_patient_is_allergic_to(self) -> None:
        medicines = "Current medications:\nAmoxicillin 500 mg three times daily\nParacetamol 1 g as needed"
        allergies = "Allergies: penicillin (anaphylaxis)."
        (flag,) = flags("Community-acquired pneumonia", medicines, allergies)
        assert flag.type == "medication_inconsistent"
        assert flag.claim.quote == "Amoxicillin 500 mg three times daily"

    def test_an_intolerance_or_a_stopped_medicine_is_not_a_conflict(self) -> None:
        medicines = "Current medications:\nCodeine 30 mg as needed\nAmoxicillin was stopped last week."
        allergies = "Allergies: codeine - nausea (intolerance, not allergy). Penicillin (rash)."
        assert not types("Pneumonia", medicines, allergies)

    @pytest.mark.parametrize(
        ("medicine", "finding"),
        [
            (
                "Lisinopril 20 mg once daily",
                "Single live intrauterine pregnancy, 14 weeks 2 days by dating scan.",
            ),
            ("Apixaban 5 mg twice daily", "Mechanical bileaflet prosthesis in the mitral position."),
            ("Metformin 1 g twice daily", "eGFR | 22 | mL/min/1.73m2"),
            ("Potassium chloride 600 mg twice daily", "Potassium | 6.2 | mmol/L"),
        ],
    )
    def test_a_contraindicated_medicine(self, medicine: str, finding: str) -> None:
        assert "medication_inconsistent" in types("Follow-up", f"Current medications:\n{medicine}", finding)


class TestReportInconsistency:
    def test_the_same_organ_on_different_sides(self) -> None:
        imaging = "FINDINGS: Left breast, 10 o'clock: 17 mm irregular spiculated mass."
        pathology = "SPECIMEN: Right breast, 10 o'clock, core biopsy.\nDIAGNOSIS: invasive ductal carcinoma."
        found = flags(
            "Invasive ductal carcinoma, left breast. ER positive, HER2 negative", imaging, pathology
        )
        (flag,) = [f for f in found if f.type == "report_inconsistency"]
        assert flag.claim.text_key == "d2"  # the odd one out

    def test_a_normal_opposite_side_is_not_an_inconsistency(self) -> None:
        imaging = "FINDINGS: Left breast: 17 mm spiculated mass. Right breast: no abnormality."
        assert "report_inconsistency" not in types("Left breast mass", imaging)

    def test_clear_margins_against_tumour_left_behind(self) -> None:
        pathology = "DIAGNOSIS: sarcoma, completely excised. Margins: all margins clear."
        operation = "Findings: a thin rim of gross tumour was left on the vessel wall."
        assert "report_inconsistency" in types("Sarcoma of the thigh", pathology, operation)

    def test_one_lesion_sized_very_differently(self) -> None:
        ct = "FINDINGS: Spiculated nodule in the right upper lobe measuring 18 x 15 mm."
        pet = "FINDINGS: FDG-avid right upper lobe mass measuring 34 x 29 mm."
        assert "report_inconsistency" in types("Lung nodule", ct, pet)


class TestNoDiscrepancy:
    def test_a_consistent_case_raises_nothing(self) -> None:
        pathology = (
            "SPECIMEN: Left breast, wide local excision.\nDIAGNOSIS: invasive ductal carcinoma, grade 2, "
            "pT2 pN0. ER positive (Allred 8/8), HER2 negative (IHC 1+). Margins clear."
        )
        medicines = "Current medications:\nLetrozole 2.5 mg once daily\nAllergies: penicillin (rash)."
        assert flags("Invasive ductal carcinoma, left breast, pT2 pN0", pathology, medicines) == []


class TestKnowledgeMechanisms:
    def test_a_finding_pointing_to_another_diagnosis_contradicts(self) -> None:
        note = "Examination: 4-5 Hz pill-rolling rest tremor of the right hand with bradykinesia."
        assert "contradicted_by_findings" in types("Essential tremor", note)

    def test_a_negative_defining_test_leaves_the_diagnosis_unsupported(self) -> None:
        ctpa = "IMPRESSION: No pulmonary embolism. No filling defects to subsegmental level."
        assert types("Unprovoked pulmonary embolism", ctpa) == {"unsupported_by_records"}

    def test_an_interaction_between_two_current_medicines(self) -> None:
        medicines = "Current medications:\nLinezolid 600 mg twice daily\nSertraline 150 mg once daily"
        (flag,) = flags("MRSA osteomyelitis", medicines)
        assert flag.type == "medication_inconsistent"
        assert "serotonin syndrome" in flag.why

    def test_two_records_disagreeing_on_an_attribute(self) -> None:
        booking = "Booking bloods: blood group O RhD positive."
        lab = "Test | Result\nABO and RhD group | O RhD negative |"
        assert "report_inconsistency" in types("Uncomplicated pregnancy", booking, lab)

    def test_a_workup_due_before_a_biologic_named_in_the_records(self) -> None:
        plan = "Plan: infliximab induction next week.\nInterferon-gamma release assay | not sent |"
        (flag,) = [f for f in flags("Crohn's disease", plan) if f.type == "missing_workup"]
        assert flag.missing == "hepatitis B serology, latent tuberculosis screening"
