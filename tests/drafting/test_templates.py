"""The opinion templates: data files a clinician edits, one per subspecialty family."""

from __future__ import annotations

from pathlib import Path

import pytest

from prompts import opinion_templates
from prompts.opinion_templates import OpinionTemplateError, families, load_opinion_template, template_for
from triage.taxonomy import subspecialties

CORE_SECTIONS = {
    "reason_for_review",
    "records_reviewed",
    "clinical_history",
    "assessment",
    "discrepancies",
    "recommendations",
    "answers",
    "limitations",
}


class TestTheTemplates:
    def test_the_seven_families_exist(self) -> None:
        assert set(families()) >= {
            "general",
            "oncology",
            "cardiology",
            "neurology",
            "orthopedics",
            "radiology_review",
            "pathology_review",
        }

    @pytest.mark.parametrize("family", families())
    def test_every_template_has_the_core_sections_required(self, family: str) -> None:
        template = load_opinion_template(family)
        required = {section.id for section in template.sections if section.required}
        assert required >= CORE_SECTIONS
        assert all(section.sources and section.guidance for section in template.sections)

    def test_every_subspecialty_gets_a_template_and_families_claim_real_subspecialties(self) -> None:
        claimed = {s for family in families() for s in load_opinion_template(family).subspecialties} - {"*"}
        assert claimed <= set(subspecialties())
        assert template_for("medical_oncology").family == "oncology"
        assert template_for("pathology").family == "pathology_review"
        assert template_for("dermatology").family == "general"
        assert template_for(None).family == "general"

    def test_standard_statements_are_read(self) -> None:
        limitations = load_opinion_template("general").section("limitations")
        assert limitations.standard == (
            "This review is based on the records supplied; the patient was not examined.",
        )


class TestEditing:
    def test_a_new_version_is_picked_up_and_the_old_one_kept(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for path in opinion_templates.OPINION_DIR.glob("general.v1.md"):
            (tmp_path / path.name).write_text(path.read_text())
        edited = (tmp_path / "general.v1.md").read_text().replace("title: Second opinion", "title: Edited")
        (tmp_path / "general.v2.md").write_text(edited)
        monkeypatch.setattr(opinion_templates, "OPINION_DIR", tmp_path)
        load_opinion_template.cache_clear()
        try:
            assert load_opinion_template("general").version == 2
            assert load_opinion_template("general").title == "Edited"
            assert load_opinion_template("general", 1).title == "Second opinion"
        finally:
            load_opinion_template.cache_clear()

    def test_a_section_without_its_fields_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_path / "broken.v1.md").write_text(
            "title: Broken\n\n## reason_for_review: Reason\nJust guidance.\n"
        )
        monkeypatch.setattr(opinion_templates, "OPINION_DIR", tmp_path)
        load_opinion_template.cache_clear()
        try:
            with pytest.raises(OpinionTemplateError, match="reason_for_review"):
                load_opinion_template("broken")
        finally:
            load_opinion_template.cache_clear()
