"""Plain text, Markdown, HTML, DOCX, PDF and DICOM into documents whose spans point at real text."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest

from records.dicom_text import parse_dicom
from records.documents import Document, DocumentBuilder, DocumentStatus, SourceRef
from records.intake import RecordRejected
from records.kinds import RecordKind
from records.pdf import ocr_available, parse_pdf
from records.text_formats import parse_docx, parse_html, parse_text
from tests.records.helpers import assert_provenance

DICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
SOURCE = SourceRef(upload_id="up-1", filename="record")


def no_embedded(data: bytes, source: SourceRef) -> list[Document]:
    raise AssertionError("these formats embed nothing")


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


class TestPlainText:
    NOTE = (
        "DISCHARGE SUMMARY\n\nHISTORY OF PRESENT ILLNESS:\nChest pain for 3 days.\nWorse on exertion.\n\n"
        "ASSESSMENT: Stable angina.\nPLAN:\n- Start aspirin 81 mg daily\n- Stress test\n"
    )

    def test_sections_and_provenance(self, tmp_path: Path) -> None:
        document = parse_text(write(tmp_path, "n.txt", self.NOTE.encode()), SOURCE, no_embedded)[0]
        assert_provenance(document)
        by_section = {span.section: document.text[span.start : span.end] for span in document.spans}
        assert by_section["HISTORY OF PRESENT ILLNESS"].endswith("Chest pain for 3 days.\nWorse on exertion.")
        assert by_section["ASSESSMENT"] == "ASSESSMENT: Stable angina."
        assert "Start aspirin 81 mg daily" in by_section["PLAN"]
        for span in document.spans:
            assert document.text[span.start : span.end] in self.NOTE

    @pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
    def test_every_span_maps_back_to_the_file_as_open_reads_it(self, tmp_path: Path, line_end: str) -> None:
        raw = ("  " + self.NOTE.replace("PLAN:", "PLAN:   \n\n   ")).replace("\n", line_end)
        path = write(tmp_path, "n.txt", raw.encode())
        document = parse_text(path, SOURCE, no_embedded)[0]
        as_opened = path.read_text(encoding="utf-8")  # universal newlines, as open(path).read()
        for span in document.spans:
            source_start = span.source_offset(span.start)
            assert source_start is not None
            length = span.end - span.start
            assert as_opened[source_start : source_start + length] == document.text[span.start : span.end]

    def test_markdown_headings(self, tmp_path: Path) -> None:
        markdown = b"# Referral\n\nPlease review.\n\n## Medications\n\n* metformin 500 mg BID\n"
        document = parse_text(write(tmp_path, "r.md", markdown), SOURCE, no_embedded)[0]
        assert document.title == "Referral"
        section_of = {document.text[s.start : s.end]: s.section for s in document.spans}
        assert section_of["* metformin 500 mg BID"] == "Medications"


class TestHtml:
    def test_blocks_tables_and_sections(self, tmp_path: Path) -> None:
        page = b"""<html><head><title>Lab report</title><script>var x = 'not text';</script></head><body>
        <h1>Results</h1><p>Fasting   sample.</p>
        <table><tr><th>Test</th><th>Value</th></tr><tr><td>HbA1c</td><td>7.2 %</td></tr></table>
        <ul><li>Repeat in <b>3 months</b></li></ul></body></html>"""
        document = parse_html(write(tmp_path, "l.html", page), SOURCE, no_embedded)[0]
        assert_provenance(document)
        assert document.title == "Lab report"
        assert "HbA1c | 7.2 %" in document.text
        assert "Repeat in 3 months" in document.text
        assert "not text" not in document.text
        assert {span.section for span in document.spans} == {"Results"}


class TestDocx:
    def test_headings_paragraphs_and_tables(self, tmp_path: Path) -> None:
        import docx

        word = docx.Document()
        word.add_heading("Operative note", level=1)
        word.add_paragraph("Laparoscopic cholecystectomy without complication.")
        table = word.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text = "Estimated blood loss"
        table.rows[0].cells[1].text = "20 mL"
        path = tmp_path / "op.docx"
        word.save(str(path))
        document = parse_docx(path, SOURCE, no_embedded)[0]
        assert_provenance(document)
        assert document.kind is RecordKind.DOCX
        assert "Estimated blood loss | 20 mL" in document.text
        assert all(span.section == "Operative note" for span in document.spans)


def two_page_pdf() -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(72, 720, "Cardiology Consultation")
    pdf.setFont("Helvetica", 11)
    pdf.drawString(72, 690, "The patient reports exertional chest pressure relieved by rest.")
    pdf.showPage()
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(72, 720, "Plan")
    pdf.setFont("Helvetica", 11)
    pdf.drawString(72, 690, "Coronary CT angiography and a high-intensity statin are recommended.")
    pdf.save()
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A PDF whose only content is a picture of typed text, as a scanner makes."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    picture = Image.new("RGB", (1700, 400), "white")
    pen = ImageDraw.Draw(picture)
    pen.text((40, 60), "Scanned referral letter", fill="black", font=ImageFont.load_default(size=64))
    pen.text(
        (40, 200), "Chest pain resolved after stenting", fill="black", font=ImageFont.load_default(size=64)
    )
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    pdf.drawImage(ImageReader(picture), 36, 500, width=540, height=127)
    pdf.save()
    return buffer.getvalue()


class TestPdf:
    def test_pages_kept(self, tmp_path: Path) -> None:
        document = parse_pdf(write(tmp_path, "c.pdf", two_page_pdf()), SOURCE, no_embedded)[0]
        assert_provenance(document)
        pages = {document.text[s.start : s.end]: s.page for s in document.spans}
        assert pages["The patient reports exertional chest pressure relieved by rest."] == 1
        assert pages["Coronary CT angiography and a high-intensity statin are recommended."] == 2
        assert document.metadata["pages"] == 2

    def test_scan_without_ocr_engine_needs_ocr(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("records.pdf.ocr_available", lambda: False)  # a machine without tesseract
        document = parse_pdf(write(tmp_path, "scan.pdf", scanned_pdf()), SOURCE, no_embedded)[0]
        assert document.status is DocumentStatus.NEEDS_OCR
        assert document.text == ""
        assert document.metadata["ocr"] == "tesseract not installed"

    def test_scan_is_read_by_tesseract(self, tmp_path: Path) -> None:
        assert ocr_available(), "make test installs tesseract-ocr"
        document = parse_pdf(write(tmp_path, "scan.pdf", scanned_pdf()), SOURCE, no_embedded)[0]
        assert document.status is DocumentStatus.OK
        assert "Chest pain resolved after stenting" in document.text
        assert {span.page for span in document.spans} == {1}
        assert_provenance(document)


class TestDicom:
    def test_metadata_without_pixels(self) -> None:
        document = parse_dicom(DICOM_FILES / "CT_small.dcm", SOURCE, no_embedded)[0]
        assert_provenance(document)
        assert "Modality: CT" in document.text
        assert document.metadata["pixels_present"] is True
        fact = next(fact for fact in document.facts if fact.kind == "imaging_study")
        assert fact.value == "CT"
        assert len(document.text) < 2000  # pixel data never becomes text

    def test_structured_report_content(self) -> None:
        document = parse_dicom(DICOM_FILES / "reportsi.dcm", SOURCE, no_embedded)[0]
        report = [document.text[s.start : s.end] for s in document.spans if s.section == "structured report"]
        assert report
        assert any(":" in line for line in report)

    def test_malformed_dicom(self, tmp_path: Path) -> None:
        with pytest.raises(RecordRejected):
            parse_dicom(write(tmp_path, "b.dcm", b"\x00" * 128 + b"DICM" + b"\xff" * 9), SOURCE, no_embedded)


def test_builder_facts_point_at_their_text() -> None:
    builder = DocumentBuilder(SOURCE, RecordKind.TEXT, "t")
    builder.add("header")
    builder.add_fact("Hemoglobin 13.2 g/dL", {"kind": "observation", "value": 13.2, "unit": "g/dL"})
    document = builder.build()
    fact = document.facts[0]
    assert document.text[fact.start : fact.end] == "Hemoglobin 13.2 g/dL"
    assert (fact.value, fact.unit) == ("13.2", "g/dL")
