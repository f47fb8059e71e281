"""DICOM de-identification (PS3.15 Annex E): every file pydicom ships, plus small cases built for one rule.

The corpus runs once per module with one vault per study (grouped by the input StudyInstanceUID), the way a
case groups a patient's instances. No database, no network.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import random
import re
import warnings
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pydicom
import pytest
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import UID, ExplicitVRLittleEndian

from records.dicom_deid import (
    IDENTIFYING_KEYWORDS,
    PROFILE,
    Action,
    DicomDeidError,
    DicomDeidResult,
    deidentify_dataset,
    deidentify_file,
)
from records.vault import PhiVault

DICOM_TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"

# Files in the folder that are not DICOM Part 10 files. dcmread(force=True) "reads" most of them into a
# dataset of garbage, so they are listed explicitly rather than detected.
NOT_DICOM = {
    "README.txt": "plain-text notes about the test files",
    "dicomdirtests/README.txt": "plain-text notes about the DICOMDIR tests",
    "dicomdirtests/TINY_ALPHA/README": "plain-text notes about the TINY_ALPHA file-set",
    "crayons.icc": "an ICC colour profile",
    "test1.json": "the DICOM JSON model, not a Part 10 file",
    "test_PN.json": "the DICOM JSON model, not a Part 10 file",
    "rtplan.dump": "a text dump of rtplan.dcm",
    "rtstruct.dump": "a text dump of rtstruct.dcm",
    "zipMR.gz": "gzip-compressed; deidentify_file takes uncompressed Part 10 files",
}
# Identifying values of the input that must not appear anywhere in the output's text rendering. Values
# shorter than this are skipped: "2" or "PLA" occur in any rendering (tags, numbers, words).
SEARCHED_KEYWORDS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "InstitutionName",
    "AccessionNumber",
    "ReferringPhysicianName",
    "PatientAddress",
)
MIN_SEARCHED_CHARS = 4
CLASS_UID_KEYWORDS = frozenset(
    {
        "SOPClassUID",
        "MediaStorageSOPClassUID",
        "ReferencedSOPClassUID",
        "ReferencedSOPClassUIDInFile",
        "TransferSyntaxUID",
        "ReferencedTransferSyntaxUIDInFile",
        "ImplementationClassUID",
        "CodingSchemeUID",
        "MappingResourceUID",
    }
)
SAFE_PRIVATE_BLOCK = (0x0019, "SIEMENS MR HEADER")

ElementPath = tuple[int, ...]

# pydicom's bundled files are malformed on purpose; its read warnings are expected noise here.
pytestmark = [
    pytest.mark.filterwarnings("ignore:VR lookup failed:UserWarning"),
    pytest.mark.filterwarnings("ignore:Expected explicit VR:UserWarning"),
    pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning"),
]


@dataclass(frozen=True)
class Outcome:
    """One corpus file: what went in, what came out, and the study's vault."""

    name: str
    original: Dataset
    result: DicomDeidResult
    vault: PhiVault


# --- corpus --------------------------------------------------------------------------------------------


def _all_files() -> list[Path]:
    return sorted(path for path in DICOM_TEST_FILES.rglob("*") if path.is_file())


def _name(path: Path) -> str:
    return path.relative_to(DICOM_TEST_FILES).as_posix()


def _read(path: Path) -> Dataset:
    return pydicom.dcmread(path, force=True)


@functools.cache
def _unreadable_reason(path: Path) -> str | None:
    """Why ``path`` is left out of the corpus, or None when it is a DICOM file pydicom reads."""
    if _name(path) in NOT_DICOM:
        return f"not DICOM: {NOT_DICOM[_name(path)]}"
    try:
        with warnings.catch_warnings():  # at collection time, so pytestmark filters do not apply yet
            warnings.simplefilter("ignore")
            _read(path)
    except Exception as error:  # any failure is a reason to skip; the test id names the file
        return f"pydicom cannot read it with force=True ({type(error).__name__})"
    return None


def _corpus_params() -> list[object]:
    """Every file pydicom reads; the rest are checked once, by the test below, not skipped one by one."""
    return [
        pytest.param(_name(path), id=_name(path)) for path in _all_files() if not _unreadable_reason(path)
    ]


CORPUS_PARAMS = _corpus_params()


def test_only_the_known_non_dicom_files_are_left_out() -> None:
    left_out = {_name(path) for path in _all_files() if _unreadable_reason(path)}
    assert left_out == set(NOT_DICOM)


@pytest.fixture(scope="module")
def corpus() -> dict[str, Outcome]:
    """Every readable file de-identified through deidentify_file, one vault per study."""
    vaults: dict[str, PhiVault] = {}
    outcomes: dict[str, Outcome] = {}
    for seed, path in enumerate(path for path in _all_files() if _unreadable_reason(path) is None):
        original = _read(path)
        study = str(original.get("StudyInstanceUID", "") or "") or _name(path)
        vault = vaults.setdefault(study, PhiVault.new(rng=random.Random(seed)))
        outcomes[_name(path)] = Outcome(_name(path), original, deidentify_file(path, vault), vault)
    return outcomes


# --- helpers -------------------------------------------------------------------------------------------


def _walk(dataset: Dataset, prefix: ElementPath = ()) -> Iterator[tuple[ElementPath, DataElement]]:
    """Every element at any depth, with its path of (tag, item index, tag, ...)."""
    for element in dataset:
        path = (*prefix, int(element.tag))
        yield path, element
        if element.VR == "SQ":
            for index, item in enumerate(element.value):
                yield from _walk(item, (*path, index))


def _walk_with_meta(dataset: Dataset) -> Iterator[tuple[ElementPath, DataElement]]:
    file_meta = getattr(dataset, "file_meta", None)
    if isinstance(file_meta, Dataset):
        yield from _walk(file_meta)
    yield from _walk(dataset)


def _texts(element: DataElement) -> list[str]:
    value = element.value
    if value is None or isinstance(value, bytes):
        return []
    if isinstance(value, MultiValue | list):
        return [str(item) for item in value]
    return [str(value)]


def _surrogates(vault: PhiVault) -> set[str]:
    return {entry.surrogate for entry in vault.entries.values()}


def _is_instance_uid(keyword: str, value: str) -> bool:
    return keyword not in CLASS_UID_KEYWORDS and not value.startswith("1.2.840.10008.")


def _parse_da(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _ct_small() -> Dataset:
    return _read(DICOM_TEST_FILES / "CT_small.dcm")


def _vault(seed: int = 7) -> PhiVault:
    return PhiVault.new(rng=random.Random(seed))


def _code_values(dataset: Dataset) -> set[str]:
    return {str(item.CodeValue) for item in dataset.DeidentificationMethodCodeSequence}


# --- the whole corpus ------------------------------------------------------------------------------------


def test_corpus_is_not_empty(corpus: dict[str, Outcome]) -> None:
    assert len(corpus) >= 100
    assert "CT_small.dcm" in corpus
    assert "dicomdirtests/DICOMDIR" in corpus


@pytest.mark.parametrize("name", CORPUS_PARAMS)
def test_identifying_attributes_are_absent_empty_or_surrogates(corpus: dict[str, Outcome], name: str) -> None:
    outcome = corpus[name]
    surrogates = _surrogates(outcome.vault)
    for _path, element in _walk_with_meta(outcome.result.dataset):
        if element.keyword not in IDENTIFYING_KEYWORDS and element.VR != "PN":
            continue
        assert PROFILE.get(element.keyword) is not Action.REMOVE, f"{element.keyword} should be removed"
        if element.VR == "SQ":
            assert len(element.value) == 0, f"{element.keyword} should be an empty sequence"
            continue
        for text in _texts(element):
            assert text == "" or text in surrogates, f"{element.keyword} holds a non-surrogate value"


@pytest.mark.parametrize("name", CORPUS_PARAMS)
def test_original_identifiers_do_not_appear_in_the_output(corpus: dict[str, Outcome], name: str) -> None:
    outcome = corpus[name]
    rendered = str(outcome.result.dataset) + str(getattr(outcome.result.dataset, "file_meta", ""))
    searched = {
        text
        for _path, element in _walk(outcome.original)
        if element.keyword in SEARCHED_KEYWORDS
        for text in _texts(element)
        if len(text.strip()) >= MIN_SEARCHED_CHARS
    }
    for text in searched:
        # Whole words: MR_small's InstitutionName "TOSHIBA" is legitimately inside Manufacturer "TOSHIBA_MEC".
        pattern = rf"(?<!\w){re.escape(text)}(?!\w)"
        assert not re.search(pattern, rendered), "an original identifier survived de-identification"


@pytest.mark.parametrize("name", CORPUS_PARAMS)
def test_every_instance_uid_is_new_and_valid(corpus: dict[str, Outcome], name: str) -> None:
    outcome = corpus[name]
    before = {
        text
        for _path, element in _walk_with_meta(outcome.original)
        if element.VR == "UI"
        for text in _texts(element)
        if text and _is_instance_uid(element.keyword, text)
    }
    after = [
        text
        for _path, element in _walk_with_meta(outcome.result.dataset)
        if element.VR == "UI"
        for text in _texts(element)
        if text and _is_instance_uid(element.keyword, text)
    ]
    assert not before & set(after)
    for text in after:
        assert len(text) <= 64, "a remapped UID is too long"
        assert text.startswith("2.25."), "a remapped UID is not UUID-derived"


@pytest.mark.parametrize("name", CORPUS_PARAMS)
def test_dates_move_by_exactly_the_case_shift(corpus: dict[str, Outcome], name: str) -> None:
    outcome = corpus[name]
    shift = dt.timedelta(days=outcome.vault.date_shift_days)
    output = dict(_walk_with_meta(outcome.result.dataset))
    for path, element in _walk_with_meta(outcome.original):
        if element.VR not in ("DA", "DT") or path not in output:
            continue
        for before, after in zip(_texts(element), _texts(output[path]), strict=True):
            original_date = _parse_da(before[:8])
            if original_date is None or (element.VR == "DA" and len(before) != 8):
                continue
            if element.keyword == "PatientBirthDate" and after == "":
                assert (dt.date.today() - original_date).days > 89 * 365, "a birth date under 90 was emptied"
                continue
            assert _parse_da(after[:8]) == original_date + shift, f"{element.keyword} did not shift exactly"
            assert after[8:] == before[8:], f"{element.keyword} lost its time part"


@pytest.mark.parametrize("name", CORPUS_PARAMS)
def test_private_tags_are_removed(corpus: dict[str, Outcome], name: str) -> None:
    outcome = corpus[name]
    top_level_private = sum(1 for element in outcome.original if element.tag.is_private)
    assert outcome.result.removed_private_tags >= top_level_private
    remaining = [element for _path, element in _walk(outcome.result.dataset) if element.tag.is_private]
    assert not remaining  # pydicom's files hold nothing from the safe list...
    assert "113111" not in _code_values(outcome.result.dataset)  # ...so Retain Safe Private is not declared


@pytest.mark.parametrize("name", CORPUS_PARAMS)
def test_the_output_is_marked_deidentified(corpus: dict[str, Outcome], name: str) -> None:
    dataset = corpus[name].result.dataset
    assert dataset.PatientIdentityRemoved == "YES"
    assert dataset.LongitudinalTemporalInformationModified == "MODIFIED"
    assert {"113100", "113107", "113105"} <= _code_values(dataset)
    assert all(item.CodingSchemeDesignator == "DCM" for item in dataset.DeidentificationMethodCodeSequence)
    assert all(len(value) <= 64 for value in dataset.DeidentificationMethod)


@pytest.mark.parametrize("name", CORPUS_PARAMS)
def test_the_input_dataset_is_not_modified(name: str) -> None:
    dataset = _read(DICOM_TEST_FILES / name)
    snapshot = copy.deepcopy(dataset)
    deidentify_dataset(dataset, _vault())
    assert dataset == snapshot
    assert getattr(dataset, "file_meta", None) == getattr(snapshot, "file_meta", None)


def test_one_vault_per_study_keeps_study_uids_consistent(corpus: dict[str, Outcome]) -> None:
    new_study_uids: dict[str, set[str]] = defaultdict(set)
    files_per_study: dict[str, int] = defaultdict(int)
    for outcome in corpus.values():
        if "StudyInstanceUID" in outcome.original:
            original_uid = str(outcome.original.StudyInstanceUID)
            new_study_uids[original_uid].add(str(outcome.result.dataset.StudyInstanceUID))
            files_per_study[original_uid] += 1
    assert max(files_per_study.values()) > 1, "the corpus should hold studies of several files"
    assert all(len(uids) == 1 for uids in new_study_uids.values()), "one study got several new UIDs"
    flattened = [next(iter(uids)) for uids in new_study_uids.values()]
    assert len(set(flattened)) == len(flattened), "two studies were given the same UID"


# --- UIDs across instances -------------------------------------------------------------------------------


def _instance(template: Dataset, sop_instance_uid: str) -> Dataset:
    instance = copy.deepcopy(template)
    instance.SOPInstanceUID = UID(sop_instance_uid)
    instance.file_meta.MediaStorageSOPInstanceUID = UID(sop_instance_uid)
    return instance


def _referencing_report(study: Dataset, referenced: Dataset) -> Dataset:
    """A key-object-like dataset pointing at one image through nested evidence sequences."""
    sop = Dataset()
    sop.ReferencedSOPClassUID = referenced.SOPClassUID
    sop.ReferencedSOPInstanceUID = referenced.SOPInstanceUID
    series = Dataset()
    series.SeriesInstanceUID = referenced.SeriesInstanceUID
    series.ReferencedSOPSequence = Sequence([sop])
    evidence = Dataset()
    evidence.StudyInstanceUID = study.StudyInstanceUID
    evidence.ReferencedSeriesSequence = Sequence([series])
    report = Dataset()
    report.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.59"  # Key Object Selection Document
    report.SOPInstanceUID = "1.2.3.4.5.6.7.8.9.999"
    report.StudyInstanceUID = study.StudyInstanceUID
    report.SeriesInstanceUID = "1.2.3.4.5.6.7.8.9.998"
    report.Modality = "KO"
    report.CurrentRequestedProcedureEvidenceSequence = Sequence([evidence])
    return report


def test_references_resolve_across_instances_of_one_case() -> None:
    template = _ct_small()
    instances = [_instance(template, f"1.2.3.4.5.6.7.8.{index}") for index in range(3)]
    report = _referencing_report(template, instances[1])
    vault = _vault()

    outputs = [deidentify_dataset(instance, vault).dataset for instance in instances]
    report_out = deidentify_dataset(report, vault).dataset

    assert len({str(output.StudyInstanceUID) for output in outputs}) == 1
    assert len({str(output.SeriesInstanceUID) for output in outputs}) == 1
    assert len({str(output.FrameOfReferenceUID) for output in outputs}) == 1
    assert len({str(output.SOPInstanceUID) for output in outputs}) == 3
    assert all(output.SOPInstanceUID == output.file_meta.MediaStorageSOPInstanceUID for output in outputs)
    evidence = report_out.CurrentRequestedProcedureEvidenceSequence[0]
    series = evidence.ReferencedSeriesSequence[0]
    assert evidence.StudyInstanceUID == outputs[0].StudyInstanceUID == report_out.StudyInstanceUID
    assert series.SeriesInstanceUID == outputs[1].SeriesInstanceUID
    assert series.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == outputs[1].SOPInstanceUID
    assert series.ReferencedSOPSequence[0].ReferencedSOPClassUID == template.SOPClassUID


def test_another_case_gets_other_uids() -> None:
    template = _ct_small()
    first = deidentify_dataset(template, _vault(1)).dataset
    second = deidentify_dataset(template, _vault(2)).dataset
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID"):
        assert first[keyword].value != second[keyword].value
    assert first.SOPClassUID == second.SOPClassUID == template.SOPClassUID


# --- dates and ages --------------------------------------------------------------------------------------


def test_dates_shift_by_the_vault_and_keep_their_interval() -> None:
    original = _read(DICOM_TEST_FILES / "waveform_ecg.dcm")  # birth 1971-01-23, study 2013-01-25
    vault = _vault()
    dataset = deidentify_dataset(original, vault).dataset

    born, studied = _parse_da(dataset.PatientBirthDate), _parse_da(dataset.StudyDate)
    original_born, original_studied = _parse_da(original.PatientBirthDate), _parse_da(original.StudyDate)
    assert born
    assert studied
    assert original_born
    assert original_studied
    assert studied - original_studied == dt.timedelta(days=vault.date_shift_days)
    assert studied - born == original_studied - original_born
    assert dataset.StudyTime == original.StudyTime
    assert dataset.AcquisitionDateTime[8:] == original.AcquisitionDateTime[8:]


def test_datetimes_keep_time_and_offset_and_partial_ones_are_dropped() -> None:
    dataset = _ct_small()
    dataset.AcquisitionDateTime = "20040119072730.123456+0100"
    dataset.FrameAcquisitionDateTime = "2004"  # a year alone cannot move by days
    dataset.DateOfLastCalibration = "20040101-20040119"  # a DA range
    vault = _vault()
    out = deidentify_dataset(dataset, vault).dataset
    shifted = dt.date(2004, 1, 19) + dt.timedelta(days=vault.date_shift_days)
    start = dt.date(2004, 1, 1) + dt.timedelta(days=vault.date_shift_days)
    assert out.AcquisitionDateTime == f"{shifted:%Y%m%d}072730.123456+0100"
    assert out.FrameAcquisitionDateTime == ""
    assert out.DateOfLastCalibration == f"{start:%Y%m%d}-{shifted:%Y%m%d}"


def test_birth_date_over_89_is_emptied_and_under_is_shifted() -> None:
    vault = _vault()
    old, young = _ct_small(), _ct_small()
    old.PatientBirthDate = f"{dt.date.today().year - 95}0615"
    young.PatientBirthDate = "19800615"
    assert deidentify_dataset(old, vault).dataset.PatientBirthDate == ""
    shifted = dt.date(1980, 6, 15) + dt.timedelta(days=vault.date_shift_days)
    assert deidentify_dataset(young, vault).dataset.PatientBirthDate == f"{shifted:%Y%m%d}"


@pytest.mark.parametrize(
    ("age", "expected"),
    [("095Y", "090Y"), ("090Y", "090Y"), ("089Y", "089Y"), ("045Y", "045Y"), ("006M", "006M"), ("95", "")],
)
def test_patient_age_over_89_is_generalised(age: str, expected: str) -> None:
    dataset = _ct_small()
    dataset.PatientAge = age
    assert deidentify_dataset(dataset, _vault()).dataset.PatientAge == expected


# --- names, descriptors ----------------------------------------------------------------------------------


def _identified_ct() -> Dataset:
    dataset = _ct_small()
    dataset.PatientName = "DOE^JANE^Q"
    dataset.PatientID = "MRN4471234"
    dataset.AccessionNumber = "ACC9876543"
    dataset.InstitutionName = "Mercy General Hospital"
    dataset.ReferringPhysicianName = "HOUSE^GREGORY"
    dataset.PatientAddress = "12 Elm Street, Springfield"
    dataset.PatientTelephoneNumbers = "555-0100"
    dataset.OperatorsName = "SMITH^ANNA"
    dataset.StudyDescription = "CT chest Doe MRN4471234"
    dataset.SeriesDescription = "Jane 2021-03-04 ACC9876543"
    dataset.ProtocolName = "per Dr House"
    dataset.ImageComments = "Mercy General Hospital, 1.2.840.113619.2.55.3.1234 ref 99887766"
    dataset.PatientComments = "lives with daughter"
    return dataset


def test_names_and_ids_become_surrogates_and_descriptors_are_cleaned() -> None:
    vault = _vault()
    original = _identified_ct()
    out = deidentify_dataset(original, vault).dataset
    rendered = str(out).lower()
    # Surrogate names are drawn at random from a pool that holds common names too ("Smith"): one that
    # happens to equal an original of this dataset is a surrogate, not a survivor.
    for surrogate in vault.name_tokens.values():
        rendered = re.sub(rf"\b{re.escape(surrogate.lower())}\b", "", rendered)

    for secret in ("DOE", "JANE", "MRN4471234", "ACC9876543", "Mercy", "HOUSE", "SMITH", "Elm", "99887766"):
        assert secret.lower() not in rendered, "an identifier survived"
    surrogates = _surrogates(vault)
    assert str(out.PatientName) in surrogates
    assert str(out.PatientName).count("^") == 2
    assert out.PatientID in surrogates
    assert len(out.PatientID) == len("MRN4471234")
    assert out.AccessionNumber in surrogates
    assert out.StudyDescription.startswith("CT chest ")
    assert out.PatientID in out.StudyDescription
    shifted = dt.date(2021, 3, 4) + dt.timedelta(days=vault.date_shift_days)
    assert f"{shifted:%Y-%m-%d}" in out.SeriesDescription
    assert out.AccessionNumber in out.SeriesDescription
    assert "PatientComments" not in out
    assert "OperatorsName" not in out
    assert "InstitutionName" not in out
    assert out.ReferringPhysicianName == ""
    assert "1.2.840.113619" not in out.ImageComments


def test_person_names_inside_sequences_get_surrogates() -> None:
    item = Dataset()
    item.ValueType = "PNAME"
    item.PersonName = "WATSON^JOHN"
    observer = Dataset()
    observer.VerifyingObserverName = "HOLMES^SHERLOCK"
    observer.VerifyingOrganization = "Baker Street Clinic"
    observer.VerificationDateTime = "20200101120000"
    dataset = _ct_small()
    dataset.ContentSequence = Sequence([item])
    dataset.VerifyingObserverSequence = Sequence([observer])
    vault = _vault()

    out = deidentify_dataset(dataset, vault).dataset
    surrogates = _surrogates(vault)
    assert str(out.ContentSequence[0].PersonName) in surrogates
    assert str(out.VerifyingObserverSequence[0].VerifyingObserverName) in surrogates
    assert out.VerifyingObserverSequence[0].VerifyingOrganization in surrogates
    assert not {"WATSON", "HOLMES", "Baker"} & set(str(out).replace("^", " ").split())
    assert "113104" in _code_values(out)  # structured content was kept, so its option is declared


def test_sr_names_are_replaced() -> None:
    original = _read(DICOM_TEST_FILES / "test-SR.dcm")
    vault = _vault()
    out = deidentify_dataset(original, vault).dataset
    observers = [str(item.VerifyingObserverName) for item in out.VerifyingObserverSequence]
    assert observers
    assert all(name in _surrogates(vault) for name in observers)
    before = {str(item.VerifyingObserverName) for item in original.VerifyingObserverSequence}
    assert not before & set(observers)


# --- private tags ----------------------------------------------------------------------------------------


def test_private_tags_are_removed_except_the_safe_list() -> None:
    dataset = _ct_small()
    for element in [element for element in dataset if element.tag.is_private]:
        del dataset[element.tag]
    siemens = dataset.private_block(SAFE_PRIVATE_BLOCK[0], SAFE_PRIVATE_BLOCK[1], create=True)
    siemens.add_new(0x0C, "IS", "1000")  # B_value: safe
    siemens.add_new(0x08, "CS", "IMAGE NUM 4")  # CSA header type: not on the list
    acme = dataset.private_block(0x0009, "ACME 1.0", create=True)
    acme.add_new(0x01, "LO", "DOE^JANE")

    result = deidentify_dataset(dataset, _vault())

    kept = [element for element in result.dataset if element.tag.is_private]
    assert [(element.tag.group, element.tag.element & 0xFF) for element in kept] == [
        (0x19, 0x10),
        (0x19, 0x0C),
    ]
    assert result.removed_private_tags == 3  # ACME creator and value, the CSA header type
    assert "113111" in _code_values(result.dataset)


def test_private_sequences_are_removed_whole() -> None:
    result = deidentify_file(DICOM_TEST_FILES / "nested_priv_SQ.dcm", _vault())
    assert result.removed_private_tags >= 1
    assert not [element for element in result.dataset.iterall() if element.tag.is_private]
    assert "113111" not in _code_values(result.dataset)


# --- burned-in text --------------------------------------------------------------------------------------


def test_ultrasound_without_burned_in_annotation_needs_review() -> None:
    original = _read(DICOM_TEST_FILES / "examples_ybr_color.dcm")
    assert original.Modality == "US"
    assert "BurnedInAnnotation" not in original
    result = deidentify_file(DICOM_TEST_FILES / "examples_ybr_color.dcm", _vault())
    assert result.needs_review
    assert result.review_reasons == ("BurnedInAnnotation is absent on modality US",)


def test_burned_in_annotation_yes_needs_review() -> None:
    dataset = _ct_small()
    dataset.BurnedInAnnotation = "YES"
    result = deidentify_dataset(dataset, _vault())
    assert result.needs_review
    assert result.review_reasons == ("BurnedInAnnotation is YES",)


def test_ct_without_the_attribute_and_us_marked_no_need_no_review() -> None:
    assert not deidentify_dataset(_ct_small(), _vault()).needs_review
    ultrasound = _read(DICOM_TEST_FILES / "examples_ybr_color.dcm")
    ultrasound.BurnedInAnnotation = "NO"
    result = deidentify_dataset(ultrasound, _vault())
    assert not result.needs_review
    assert result.review_reasons == ()


def test_pixels_are_never_altered() -> None:
    original = _read(DICOM_TEST_FILES / "examples_ybr_color.dcm")
    result = deidentify_dataset(original, _vault())
    assert result.dataset.PixelData == original.PixelData


# --- output, errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["CT_small.dcm", "examples_overlay.dcm", "test-SR.dcm", "rtplan.dcm"])
def test_the_output_writes_and_reads_back(name: str) -> None:
    result = deidentify_file(DICOM_TEST_FILES / name, _vault())
    buffer = io.BytesIO()
    dataset = result.dataset
    if not isinstance(getattr(dataset, "file_meta", None), FileMetaDataset):
        dataset.file_meta = FileMetaDataset()
    dataset.file_meta.TransferSyntaxUID = dataset.file_meta.get("TransferSyntaxUID", ExplicitVRLittleEndian)
    pydicom.dcmwrite(buffer, dataset, enforce_file_format=False)
    reread = pydicom.dcmread(io.BytesIO(buffer.getvalue()), force=True)
    assert reread.PatientIdentityRemoved == "YES"
    assert reread.PatientName == dataset.PatientName


def test_errors_do_not_quote_the_file() -> None:
    with pytest.raises(DicomDeidError) as caught:
        deidentify_file(Path("/nonexistent/DOE_JANE_MRN4471234.dcm"), _vault())
    assert "DOE" not in str(caught.value)
    assert "4471234" not in str(caught.value)


def test_profile_covers_the_required_attributes() -> None:
    required = {
        "PatientName": Action.DUMMY,
        "PatientID": Action.DUMMY,
        "PatientBirthDate": Action.BIRTH_DATE,
        "PatientAge": Action.GENERALISE_AGE,
        "StudyDescription": Action.CLEAN,
        "SeriesDescription": Action.CLEAN,
        "ProtocolName": Action.CLEAN,
        "ImageComments": Action.CLEAN,
        "StudyInstanceUID": Action.REMAP_UID,
        "SeriesInstanceUID": Action.REMAP_UID,
        "SOPInstanceUID": Action.REMAP_UID,
        "FrameOfReferenceUID": Action.REMAP_UID,
        "ReferencedSOPInstanceUID": Action.REMAP_UID,
        "MediaStorageSOPInstanceUID": Action.REMAP_UID,
        "DeviceUID": Action.REMAP_UID,
        "StudyDate": Action.SHIFT_DATE,
        "AcquisitionDateTime": Action.SHIFT_DATE,
    }
    for keyword, action in required.items():
        assert PROFILE[keyword] is action, keyword
    identifying = {
        "PatientAddress",
        "PatientTelephoneNumbers",
        "OtherPatientIDs",
        "OtherPatientIDsSequence",
        "OtherPatientNames",
        "PatientMotherBirthName",
        "MilitaryRank",
        "EthnicGroup",
        "Occupation",
        "PatientComments",
        "AdditionalPatientHistory",
        "PatientInsurancePlanCodeSequence",
        "MedicalRecordLocator",
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "ReferringPhysicianName",
        "ReferringPhysicianAddress",
        "ReferringPhysicianTelephoneNumbers",
        "PerformingPhysicianName",
        "NameOfPhysiciansReadingStudy",
        "OperatorsName",
        "PhysiciansOfRecord",
        "RequestingPhysician",
        "AccessionNumber",
        "StudyID",
        "StationName",
        "DeviceSerialNumber",
        "RequestAttributesSequence",
        "ContentCreatorName",
        "VerifyingObserverName",
        "PersonName",
        "IssuerOfPatientID",
    }
    assert identifying <= IDENTIFYING_KEYWORDS
