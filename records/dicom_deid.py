"""DICOM de-identification: the PS3.15 Annex E Basic Application Level Confidentiality Profile.

Options applied (Table E.1-1 columns), with the codes written to DeidentificationMethodCodeSequence:

* 113100 Basic Profile, always.
* 113107 Retain Longitudinal Temporal Information with Modified Dates: every DA and DT value, wherever it
  is, moves by the case's date shift (``vault.shift_date``), so intervals and order survive across all the
  case's instances. Times (TM, and the time part of DT) are kept: a whole-day shift does not need them moved.
* 113105 Clean Descriptors: descriptions, comments and labels are kept but cleaned
  (:class:`DescriptorCleaner`).
* 113108 Retain Patient Characteristics, declared when any is present: sex, size, weight, pregnancy and
  smoking status stay; PatientAge stays but ages over 89 become "090Y" (HIPAA Safe Harbor).
* 113104 Clean Structured Content, declared when structured content survives: SR and acquisition-context
  trees are kept and walked like the rest of the dataset (names, IDs, UIDs, dates and text handled per
  attribute) instead of being dropped as the Basic Profile alone would.
* 113111 Retain Safe Private, declared only when an element of :data:`SAFE_PRIVATE_ELEMENTS` was kept.

Choices, where the standard leaves one:

* Patient's birth date is shifted like every other date (age at each study survives, which matters for
  paediatrics), unless the birth date says the patient is over 89 today: then it is emptied, because a birth
  year that old is itself an identifier under Safe Harbor. Unparseable birth dates are emptied.
* "Clean" for patient-level free text (PatientComments, AdditionalPatientHistory, Occupation, allergies,
  medical alerts) means remove: cleaning catches only identifiers we know, and those fields are where unknown
  ones live. Acquisition and study descriptors are cleaned and kept.
* Names: PatientName, SR observer and PNAME names, and any person name the table does not list get
  consistent vault surrogates (DICOM PN form kept); ReferringPhysicianName and ContentCreatorName (type 2)
  are emptied; the Basic Profile's optional names (operators, performing physicians...) are removed.
  PatientID and AccessionNumber get same-shape vault surrogates, so they still link a case's instances.
* Thread safety: values are converted under pydicom's ``disable_value_validation`` (its warnings quote
  values), a process-wide pydicom setting restored on exit.
* Overlay (60xx) and curve (50xx) groups are removed whole: overlay bitmaps can carry annotation text and the
  profile removes their data; dropping the group leaves no orphan overlay attributes. Icon images go too.
* Public attributes pydicom's dictionary does not know, group lengths and command-group elements are removed:
  we cannot tell what they hold.
* UIDs: every UI value is remapped through ``vault.uid`` (consistent within the case, so references between
  instances still resolve) except SOP class, transfer syntax and coding-scheme UIDs (they name kinds of
  things, not people) and values under the DICOM root 1.2.840.10008 (defined by the standard).
* Pixels are never touched. Burned-in text is flagged for human review instead (:func:`burned_in_reasons`).

Nothing here logs or raises with a value from the dataset: messages name tags, never what they hold.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType

import pydicom
from pydicom.config import disable_value_validation
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag

from records.dates import find_dates, shift_date_text
from records.phi import PhiCategory
from records.vault import PhiVault


class Action(Enum):
    """What happens to an attribute. Letters follow PS3.15 Table E.1-1; "C:" entries are option cleanups."""

    REMOVE = "X"
    EMPTY = "Z"  # zero-length value (an empty sequence for SQ)
    DUMMY = "D"  # a consistent vault surrogate: same original, same dummy, across the case
    REMAP_UID = "U"
    KEEP = "K"  # kept; sequences are still walked, so what they hold is de-identified
    SHIFT_DATE = "C:date"  # Retain Longitudinal Temporal Information with Modified Dates
    CLEAN = "C:text"  # Clean Descriptors
    BIRTH_DATE = "C:birth"  # shifted, or emptied when it shows an age over 89
    GENERALISE_AGE = "K:age"  # kept, ages over 89 become 090Y


X, Z, D, U, K = Action.REMOVE, Action.EMPTY, Action.DUMMY, Action.REMAP_UID, Action.KEEP
SHIFT, CLEAN = Action.SHIFT_DATE, Action.CLEAN

# --- The profile table, by theme. Attributes not listed fall back to their VR (see _default_action). -------

_PATIENT_IDENTITY = {
    "PatientName": D,
    "PatientID": D,
    "IssuerOfPatientID": X,
    "IssuerOfPatientIDQualifiersSequence": X,
    "TypeOfPatientID": X,
    "OtherPatientIDs": X,
    "OtherPatientIDsSequence": X,
    "OtherPatientNames": X,
    "PatientBirthName": X,
    "PatientMotherBirthName": X,
    "PatientBirthDate": Action.BIRTH_DATE,
    "PatientBirthTime": X,
    "PatientBirthDateInAlternativeCalendar": X,
    "PatientDeathDateInAlternativeCalendar": X,
    "PatientAlternativeCalendar": X,
    "PatientAddress": X,
    "PatientTelephoneNumbers": X,
    "PatientTelecomInformation": X,
    "CountryOfResidence": X,
    "RegionOfResidence": X,
    "PatientPrimaryLanguageCodeSequence": X,
    "PatientPrimaryLanguageModifierCodeSequence": X,
    "PatientReligiousPreference": X,
    "PatientInsurancePlanCodeSequence": X,
    "MedicalRecordLocator": X,
    "MilitaryRank": X,
    "BranchOfService": X,
    "EthnicGroup": X,
    "Occupation": X,  # Clean Descriptors allows "C"; patient free text is removed (module docstring)
    "PatientComments": X,  # idem
    "AdditionalPatientHistory": X,  # idem
    "MedicalAlerts": X,
    "Allergies": X,
    "SpecialNeeds": X,
    "PatientState": X,
    "PatientInstitutionResidence": X,
    "PatientTransportArrangements": X,
    "ResponsiblePerson": X,
    "ResponsiblePersonRole": X,
    "ResponsibleOrganization": X,
    "BreedRegistrationNumber": X,
    "ReferencedPatientSequence": X,
    "ReferencedPatientPhotoSequence": X,
    "ReferencedPatientAliasSequence": X,
    "PersonAddress": X,
    "PersonTelephoneNumbers": X,
    "PersonTelecomInformation": X,
}

# Retain Patient Characteristics: clinically needed (dose, SUV, growth), not identifying on their own.
_PATIENT_CHARACTERISTICS = {
    "PatientSex": K,
    "PatientAge": Action.GENERALISE_AGE,
    "PatientSize": K,
    "PatientWeight": K,
    "PatientSexNeutered": K,
    "PregnancyStatus": K,
    "SmokingStatus": K,
}

_CLINICIANS_AND_STAFF = {
    "ReferringPhysicianName": Z,
    "ReferringPhysicianAddress": X,
    "ReferringPhysicianTelephoneNumbers": X,
    "ReferringPhysicianIdentificationSequence": X,
    "ConsultingPhysicianName": X,
    "ConsultingPhysicianIdentificationSequence": X,
    "PerformingPhysicianName": X,
    "PerformingPhysicianIdentificationSequence": X,
    "NameOfPhysiciansReadingStudy": X,
    "PhysiciansReadingStudyIdentificationSequence": X,
    "PhysiciansOfRecord": X,
    "PhysiciansOfRecordIdentificationSequence": X,
    "RequestingPhysician": X,
    "RequestingPhysicianIdentificationSequence": X,
    "ScheduledPerformingPhysicianName": X,
    "ScheduledPerformingPhysicianIdentificationSequence": X,
    "OperatorsName": X,
    "OperatorIdentificationSequence": X,
    "ActualHumanPerformersSequence": X,
    "HumanPerformerName": X,
    "HumanPerformerOrganization": X,
    "OrderEnteredBy": X,
    "OrderEntererLocation": X,
    "OrderCallbackPhoneNumber": X,
    "OrderCallbackTelecomInformation": X,
    "ReviewerName": X,
    "ROIInterpreter": Z,
    "ContentCreatorName": Z,
    "ContentCreatorIdentificationCodeSequence": X,
    "VerifyingObserverSequence": K,  # type 1 in SR: items kept, their contents de-identified
    "VerifyingObserverName": D,
    "VerifyingOrganization": D,
    "VerifyingObserverIdentificationCodeSequence": Z,
    "PersonName": D,  # SR PNAME content items and observer contexts
    "PersonIdentificationCodeSequence": X,
    "AuthorObserverSequence": X,
    "ParticipantSequence": X,
    "CustodialOrganizationSequence": X,
}

_INSTITUTION_AND_DEVICE = {
    "InstitutionName": X,
    "InstitutionAddress": X,
    "InstitutionalDepartmentName": X,
    "InstitutionCodeSequence": X,
    "InstitutionalDepartmentTypeCodeSequence": X,
    "StationName": X,
    "StationAETitle": X,
    "RetrieveAETitle": X,
    "DeviceSerialNumber": X,
    "DeviceUID": U,
    "DeviceLabel": X,
    "DeviceDescription": X,
    "UniqueDeviceIdentifier": X,
    "UDISequence": X,
    "DetectorID": X,
    "GantryID": X,
    "PlateID": X,
    "CassetteID": X,
    "GeneratorID": X,
    "SourceSerialNumber": X,
    "PerformedLocation": X,
    "PerformedStationName": X,
    "PerformedStationAETitle": X,
    "PerformedStationNameCodeSequence": X,
    "PerformedStationGeographicLocationCodeSequence": X,
    "ScheduledStationName": X,
    "ScheduledStationAETitle": X,
    "ScheduledStationNameCodeSequence": X,
    "ScheduledStationGeographicLocationCodeSequence": X,
    "ScheduledProcedureStepLocation": X,
    "CurrentPatientLocation": X,
}

_ORDERS_AND_VISITS = {
    "AccessionNumber": D,
    "IssuerOfAccessionNumberSequence": X,
    "StudyID": Z,
    "StudyIDIssuer": X,
    "AdmissionID": X,
    "IssuerOfAdmissionIDSequence": X,
    "ServiceEpisodeID": X,
    "ServiceEpisodeDescription": X,
    "RequestAttributesSequence": X,
    "RequestedProcedureID": X,
    "ScheduledProcedureStepID": X,
    "PerformedProcedureStepID": X,
    "PlacerOrderNumberImagingServiceRequest": X,
    "FillerOrderNumberImagingServiceRequest": X,
    "RequestingService": X,
    "RequestingServiceCodeSequence": X,
    "ReferencedStudySequence": X,
    "ReferencedPerformedProcedureStepSequence": X,
    "ReferencedVisitSequence": X,
    "AdmittingDiagnosesCodeSequence": X,
    "ClinicalTrialSponsorName": D,
    "ClinicalTrialProtocolID": D,
    "ClinicalTrialProtocolName": Z,
    "ClinicalTrialSiteID": Z,
    "ClinicalTrialSiteName": Z,
    "ClinicalTrialSubjectID": Z,
    "ClinicalTrialSubjectReadingID": Z,
    "ClinicalTrialTimePointID": Z,
    "ClinicalTrialTimePointDescription": Z,
    "ClinicalTrialCoordinatingCenterName": Z,
    "ClinicalTrialProtocolEthicsCommitteeName": D,
    "ClinicalTrialProtocolEthicsCommitteeApprovalNumber": Z,
    "ContainerIdentifier": D,
    "SpecimenIdentifier": D,
    "IssuerOfTheContainerIdentifierSequence": X,
    "IssuerOfTheSpecimenIdentifierSequence": X,
    "AlternateContainerIdentifierSequence": X,
}

# Every other DA/DT is shifted too (by VR); these are listed so the table reads like the standard's.
_DATES_AND_TIMES = {
    "StudyDate": SHIFT,
    "SeriesDate": SHIFT,
    "AcquisitionDate": SHIFT,
    "ContentDate": SHIFT,
    "InstanceCreationDate": SHIFT,
    "AcquisitionDateTime": SHIFT,
    "FrameAcquisitionDateTime": SHIFT,
    "StartAcquisitionDateTime": SHIFT,
    "EndAcquisitionDateTime": SHIFT,
    "PerformedProcedureStepStartDate": SHIFT,
    "PerformedProcedureStepEndDate": SHIFT,
    "ScheduledProcedureStepStartDate": SHIFT,
    "ScheduledProcedureStepEndDate": SHIFT,
    "LastMenstrualDate": SHIFT,
    "DateOfLastCalibration": SHIFT,
    "DateOfSecondaryCapture": SHIFT,
    "RadiopharmaceuticalStartDateTime": SHIFT,
    "RadiopharmaceuticalStopDateTime": SHIFT,
    "ReviewDate": SHIFT,
    "StructureSetDate": SHIFT,
    "RTPlanDate": SHIFT,
    "VerificationDateTime": SHIFT,
    "ObservationDateTime": SHIFT,
    "ContributionDateTime": SHIFT,
    "Date": SHIFT,  # SR DATE content item
    "DateTime": SHIFT,  # SR DATETIME content item
    "TimezoneOffsetFromUTC": X,
    # Times: a whole-day shift leaves them valid, and they carry no identity on their own.
    "StudyTime": K,
    "SeriesTime": K,
    "AcquisitionTime": K,
    "ContentTime": K,
    "InstanceCreationTime": K,
}

# Explicit for the key references; any other UI value is remapped too unless it names a class.
_UIDS = {
    "StudyInstanceUID": U,
    "SeriesInstanceUID": U,
    "SOPInstanceUID": U,
    "MediaStorageSOPInstanceUID": U,
    "FrameOfReferenceUID": U,
    "SynchronizationFrameOfReferenceUID": U,
    "ReferencedFrameOfReferenceUID": U,
    "RelatedFrameOfReferenceUID": U,
    "ReferencedSOPInstanceUID": U,
    "ReferencedSOPInstanceUIDInFile": U,
    "InstanceCreatorUID": U,
    "IrradiationEventUID": U,
    "ConcatenationUID": U,
    "DimensionOrganizationUID": U,
    "StorageMediaFileSetUID": U,
    "SpecimenUID": U,
    "UID": U,  # SR UIDREF content item
    "StorageMediaFileSetID": X,
}

_DESCRIPTORS = {
    "StudyDescription": CLEAN,
    "SeriesDescription": CLEAN,
    "ProtocolName": CLEAN,
    "ImageComments": CLEAN,
    "FrameComments": CLEAN,
    "AcquisitionComments": CLEAN,
    "AcquisitionDeviceProcessingDescription": CLEAN,
    "AcquisitionProtocolDescription": CLEAN,
    "DerivationDescription": CLEAN,
    "ContrastBolusAgent": CLEAN,
    "RequestedProcedureDescription": CLEAN,
    "ScheduledProcedureStepDescription": CLEAN,
    "PerformedProcedureStepDescription": CLEAN,
    "CommentsOnThePerformedProcedureStep": CLEAN,
    "ReasonForTheRequestedProcedure": CLEAN,
    "ReasonForStudy": CLEAN,
    "StudyComments": CLEAN,
    "RequestedProcedureComments": CLEAN,
    "ImagingServiceRequestComments": CLEAN,
    "AdmittingDiagnosesDescription": CLEAN,
    "DischargeDiagnosisDescription": CLEAN,
    "VisitComments": CLEAN,
    "ContentDescription": CLEAN,
    "TextValue": CLEAN,  # SR TEXT content items: the report text itself
    "UnformattedTextValue": CLEAN,  # presentation-state text annotations
    "TextString": CLEAN,
    "RTPlanLabel": CLEAN,
    "RTPlanName": CLEAN,
    "RTPlanDescription": CLEAN,
    "StructureSetLabel": CLEAN,
    "StructureSetName": CLEAN,
    "StructureSetDescription": CLEAN,
    "ROIDescription": CLEAN,
    "ROIGenerationDescription": CLEAN,
    # DICOMDIR paths often embed the patient ID as a folder name. The caller must rebuild a DICOMDIR after
    # writing de-identified files anyway (UIDs and offsets change).
    "ReferencedFileID": CLEAN,
    "LabelText": X,
    "TopicTitle": X,
    "TopicSubject": X,
    "TopicAuthor": X,
    "TopicKeywords": X,
    "TextComments": X,
    "IdentifyingComments": X,
}

_STRUCTURED_CONTENT = {
    "ContentSequence": K,  # Clean Structured Content: walked item by item
    "AcquisitionContextSequence": K,  # idem
}

_SECURITY_AND_PROVENANCE = {
    "DigitalSignaturesSequence": X,
    "MACParametersSequence": X,
    "EncryptedAttributesSequence": X,
    "OriginalAttributesSequence": X,
    "HL7StructuredDocumentReferenceSequence": X,
    "ReferencedDigitalSignatureSequence": X,
    "ReferencedSOPInstanceMACSequence": X,
    "IconImageSequence": X,  # a thumbnail can show burned-in text
    "DataSetTrailingPadding": X,
    # file meta: who sent the file, and from where
    "SourceApplicationEntityTitle": X,
    "SendingApplicationEntityTitle": X,
    "ReceivingApplicationEntityTitle": X,
    "SourcePresentationAddress": X,
    "SendingPresentationAddress": X,
    "ReceivingPresentationAddress": X,
    "PrivateInformationCreatorUID": X,
    "PrivateInformation": X,
}


def _merge(*tables: Mapping[str, Action]) -> Mapping[str, Action]:
    merged: dict[str, Action] = {}
    for table in tables:
        for keyword, action in table.items():
            if keyword in merged:
                raise ValueError(f"profile lists {keyword} twice")
            if tag_for_keyword(keyword) is None:
                raise ValueError(f"profile keyword {keyword} is not in the DICOM dictionary")
            merged[keyword] = action
    return MappingProxyType(merged)


PROFILE: Mapping[str, Action] = _merge(
    _PATIENT_IDENTITY,
    _PATIENT_CHARACTERISTICS,
    _CLINICIANS_AND_STAFF,
    _INSTITUTION_AND_DEVICE,
    _ORDERS_AND_VISITS,
    _DATES_AND_TIMES,
    _UIDS,
    _DESCRIPTORS,
    _STRUCTURED_CONTENT,
    _SECURITY_AND_PROVENANCE,
)
# Attributes that may only ever leave de-identification absent, empty, or holding a vault surrogate.
IDENTIFYING_KEYWORDS = frozenset(
    keyword for keyword, action in PROFILE.items() if action in (Action.REMOVE, Action.EMPTY, Action.DUMMY)
)

# The dummy's kind for DUMMY attributes; person names (PN) use NAME, anything else unlisted OTHER_ID.
_DUMMY_CATEGORY = {
    "PatientID": PhiCategory.MRN,
    "AccessionNumber": PhiCategory.OTHER_ID,
    "VerifyingOrganization": PhiCategory.FACILITY,
    "ClinicalTrialSponsorName": PhiCategory.FACILITY,
    "ClinicalTrialProtocolEthicsCommitteeName": PhiCategory.FACILITY,
}

# Identifiers looked for inside descriptors (besides every person name), with the kind of surrogate.
_DESCRIPTOR_IDENTIFIERS = {
    "PatientID": PhiCategory.MRN,
    "OtherPatientIDs": PhiCategory.MRN,
    "MedicalRecordLocator": PhiCategory.MRN,
    "AccessionNumber": PhiCategory.OTHER_ID,
    "StudyID": PhiCategory.OTHER_ID,
    "AdmissionID": PhiCategory.ACCOUNT_NUMBER,
    "ClinicalTrialSubjectID": PhiCategory.OTHER_ID,
    "ContainerIdentifier": PhiCategory.OTHER_ID,
    "SpecimenIdentifier": PhiCategory.OTHER_ID,
    "InstitutionName": PhiCategory.FACILITY,
    "StationName": PhiCategory.DEVICE_ID,
    "DeviceSerialNumber": PhiCategory.DEVICE_ID,
    "PatientAddress": PhiCategory.STREET_ADDRESS,
    "PatientTelephoneNumbers": PhiCategory.PHONE,
}

# UIDs that name a kind of thing (SOP class, transfer syntax, coding scheme), not an instance: kept.
_CLASS_UID_KEYWORDS = frozenset(
    {
        "SOPClassUID",
        "MediaStorageSOPClassUID",
        "ReferencedSOPClassUID",
        "ReferencedSOPClassUIDInFile",
        "ReferencedRelatedGeneralSOPClassUIDInFile",
        "RelatedGeneralSOPClassUID",
        "OriginalSpecializedSOPClassUID",
        "SOPClassesInStudy",
        "TransferSyntaxUID",
        "ReferencedTransferSyntaxUIDInFile",
        "ImplementationClassUID",
        "CodingSchemeUID",
        "MappingResourceUID",
    }
)
_DICOM_ROOT_UID = "1.2.840.10008."

# Safe private elements: (group, private creator, element offset in its block). Only numeric acquisition
# parameters with no free text: the diffusion b-value and gradient of Siemens and GE MR, needed to read DWI.
# Retained only if the element's VR is not a text or sequence VR (checked per element).
SAFE_PRIVATE_ELEMENTS = frozenset(
    {
        (0x0019, "SIEMENS MR HEADER", 0x0C),  # B_value
        (0x0019, "SIEMENS MR HEADER", 0x0D),  # DiffusionDirectionality
        (0x0019, "SIEMENS MR HEADER", 0x0E),  # DiffusionGradientDirection
        (0x0019, "SIEMENS MR HEADER", 0x27),  # B_matrix
        (0x0043, "GEMS_PARM_01", 0x39),  # slop_int_6..9: b-value on GE diffusion
    }
)
_TEXT_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT", "SQ"})

# Modalities whose images commonly carry burned-in text (ultrasound, screen captures, projection X-ray...).
BURNED_IN_RISK_MODALITIES = frozenset(
    {"US", "SC", "OT", "XA", "RF", "ES", "DX", "CR", "MG", "PX", "IO", "GM", "SM", "XC"}
)
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")

_MAX_CHARS = {"CS": 16, "SH": 16, "LO": 64, "ST": 1024, "LT": 10240}
_OVER_89_AGE = "090Y"
_AGE_UNIT_YEARS = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}
_OVERLAY_GROUPS = range(0x6000, 0x6020, 2)
_CURVE_GROUPS = range(0x5000, 0x5020, 2)

_METHOD_CODES = {
    "113100": "Basic Application Confidentiality Profile",
    "113107": "Retain Longitudinal Temporal Information Modified Dates Option",
    "113105": "Clean Descriptors Option",
    "113108": "Retain Patient Characteristics Option",
    "113104": "Clean Structured Content Option",
    "113111": "Retain Safe Private Option",
}
_METHOD_NAMES = {
    "113100": "reconsult PS3.15 E.1 Basic Profile",
    "113107": "Retain Longitudinal Modified Dates",
    "113105": "Clean Descriptors",
    "113108": "Retain Patient Characteristics",
    "113104": "Clean Structured Content",
    "113111": "Retain Safe Private",
}
_ALWAYS_DECLARED = ("113100", "113107", "113105")
_PATIENT_CHARACTERISTIC_KEYWORDS = tuple(_PATIENT_CHARACTERISTICS)


class DicomDeidError(ValueError):
    """A DICOM input could not be de-identified. The message never holds a value from the data."""


@dataclass(frozen=True)
class DicomDeidResult:
    """A de-identified copy of a dataset, with what a human still has to check."""

    dataset: Dataset  # the de-identified copy (the input is never modified)
    needs_review: bool  # True when burned-in text may remain in the pixels
    review_reasons: tuple[str, ...]  # short PHI-free reasons
    removed_private_tags: int


def deidentify_file(path: Path, vault: PhiVault) -> DicomDeidResult:
    """Read the DICOM file at ``path`` (forgiving: ``force=True``, pixels included) and de-identify it."""
    try:
        with disable_value_validation():
            dataset = pydicom.dcmread(path, force=True, stop_before_pixels=False)
    except (InvalidDicomError, EOFError, ValueError, OSError, KeyError, TypeError) as error:
        # from None: pydicom's own messages may quote the path or bytes of the file.
        raise DicomDeidError(f"the DICOM file could not be read ({type(error).__name__})") from None
    return deidentify_dataset(dataset, vault)


def deidentify_dataset(dataset: Dataset, vault: PhiVault) -> DicomDeidResult:
    """A de-identified copy of ``dataset`` under the case's ``vault`` (see the module docstring).

    UIDs, surrogates and the date shift come from the vault, so every instance of a case de-identified with
    the same vault stays consistent: references between instances resolve, and intervals survive.
    """
    with disable_value_validation():  # pydicom's value warnings quote the (identifying) values
        work = copy.deepcopy(dataset)
        context = _Context(vault=vault, cleaner=DescriptorCleaner.from_dataset(work, vault))
        file_meta = getattr(work, "file_meta", None)
        if isinstance(file_meta, Dataset):
            _deidentify_level(file_meta, context)
        _deidentify_level(work, context)
        _mark_deidentified(work, context)
        reasons = burned_in_reasons(work)
    return DicomDeidResult(
        dataset=work,
        needs_review=bool(reasons),
        review_reasons=reasons,
        removed_private_tags=context.removed_private_tags,
    )


def burned_in_reasons(dataset: Dataset) -> tuple[str, ...]:
    """Why the pixels of ``dataset`` may show identifying text or features; empty when nothing suggests so."""
    reasons: list[str] = []
    burned_in = _upper_text(dataset, "BurnedInAnnotation")
    modality = _upper_text(dataset, "Modality")
    if burned_in == "YES":
        reasons.append("BurnedInAnnotation is YES")
    elif not burned_in and modality in BURNED_IN_RISK_MODALITIES:
        reasons.append(f"BurnedInAnnotation is absent on modality {modality}")
    elif not burned_in and not modality and any(keyword in dataset for keyword in _PIXEL_KEYWORDS):
        reasons.append("BurnedInAnnotation and Modality are absent on an image")
    if _upper_text(dataset, "RecognizableVisualFeatures") == "YES":
        reasons.append("RecognizableVisualFeatures is YES")
    return tuple(reasons)


# --- the walk ------------------------------------------------------------------------------------------


@dataclass
class _Context:
    vault: PhiVault
    cleaner: DescriptorCleaner
    removed_private_tags: int = 0
    kept_safe_private: bool = False
    kept_structured_content: bool = False


def _deidentify_level(dataset: Dataset, context: _Context) -> None:
    """De-identify one dataset level in place, then every sequence item below it."""
    _remove_private_elements(dataset, context)
    for tag in _tags(dataset):
        if tag.is_private:
            continue  # what survived _remove_private_elements is on the safe list
        element = _element_or_none(dataset, tag)
        if element is None:
            del dataset[tag]  # unreadable: we cannot inspect it, so it cannot stay
            continue
        action = _action_for(element)
        _ACTION_HANDLERS[action](dataset, element, context)
        if tag in dataset and element.VR == "SQ":
            if element.keyword in _STRUCTURED_CONTENT and element.value:
                context.kept_structured_content = True
            for item in element.value:
                _deidentify_level(item, context)


def _tags(dataset: Dataset) -> list[BaseTag]:
    """The tags of one level, as a list so the level can change while we go (iterating yields elements)."""
    return list(dataset.keys())


def _element_or_none(dataset: Dataset, tag: BaseTag) -> DataElement | None:
    try:
        return dataset[tag]
    except Exception:  # any failure converting a raw element: the caller drops it
        return None


def _action_for(element: DataElement) -> Action:
    tag = element.tag
    if tag.element == 0 and tag.group != 0x0002:
        return Action.REMOVE  # group lengths: retired, and wrong once anything is removed
    if tag.group == 0x0000 or tag.group in _OVERLAY_GROUPS or tag.group in _CURVE_GROUPS:
        return Action.REMOVE
    if not element.keyword:
        return Action.REMOVE  # a public tag the dictionary does not know: we cannot tell what it holds
    return PROFILE.get(element.keyword) or _default_action(element)


def _default_action(element: DataElement) -> Action:
    """Attributes not in the table: names, UIDs and dates are handled by their VR wherever they are."""
    if element.VR == "PN":
        return Action.DUMMY
    if element.VR == "UI":
        return Action.KEEP if element.keyword in _CLASS_UID_KEYWORDS else Action.REMAP_UID
    if element.VR in ("DA", "DT"):
        return Action.SHIFT_DATE
    return Action.KEEP


def _remove_private_elements(dataset: Dataset, context: _Context) -> None:
    """Remove every private element of this level except the safe list (and the creators they need)."""
    private_tags = [tag for tag in _tags(dataset) if tag.is_private]
    kept: set[BaseTag] = set()
    for tag in private_tags:
        creator_tag = BaseTag((tag.group << 16) | (tag.element >> 8))
        if tag.element >= 0x1000 and _is_safe_private(dataset, tag, creator_tag):
            kept.update({tag, creator_tag})
    for tag in private_tags:
        if tag not in kept:
            del dataset[tag]
            context.removed_private_tags += 1
    if kept:
        context.kept_safe_private = True


def _is_safe_private(dataset: Dataset, tag: BaseTag, creator_tag: BaseTag) -> bool:
    creator = _element_or_none(dataset, creator_tag)
    element = _element_or_none(dataset, tag)
    if creator is None or element is None or element.VR in _TEXT_VRS:
        return False
    name = creator.value.decode("latin-1") if isinstance(creator.value, bytes) else str(creator.value)
    return (tag.group, name.strip(), tag.element & 0xFF) in SAFE_PRIVATE_ELEMENTS


# --- action handlers: (dataset, element, context) -> None, changing the element or the dataset -----------


def _remove(dataset: Dataset, element: DataElement, _context: _Context) -> None:
    del dataset[element.tag]


def _empty(_dataset: Dataset, element: DataElement, _context: _Context) -> None:
    element.value = Sequence() if element.VR == "SQ" else _empty_value(element.VR)


def _keep(_dataset: Dataset, _element: DataElement, _context: _Context) -> None:
    return


def _dummy(dataset: Dataset, element: DataElement, context: _Context) -> None:
    default = PhiCategory.NAME if element.VR == "PN" else PhiCategory.OTHER_ID
    category = _DUMMY_CATEGORY.get(element.keyword, default)
    _map_text(dataset, element, lambda value: context.vault.surrogate(category, value))


def _remap_uid(dataset: Dataset, element: DataElement, context: _Context) -> None:
    def remap(value: str) -> str:
        return value if value.startswith(_DICOM_ROOT_UID) else context.vault.uid(value)

    _map_text(dataset, element, remap)


def _shift_date(dataset: Dataset, element: DataElement, context: _Context) -> None:
    if element.VR == "DA":
        _map_text(dataset, element, lambda value: _shift_da(value, context.vault))
    elif element.VR == "DT":
        _map_text(dataset, element, lambda value: _shift_dt(value, context.vault))
    else:
        dataset.pop(element.tag)  # a date we cannot read as DA/DT cannot be shifted, so it cannot stay


def _clean(dataset: Dataset, element: DataElement, context: _Context) -> None:
    limit = _MAX_CHARS.get(element.VR)

    def clean(value: str) -> str:
        cleaned = context.cleaner.clean(value)
        if element.VR == "CS":
            cleaned = cleaned.upper()
        return cleaned[:limit] if limit else cleaned

    _map_text(dataset, element, clean)


def _birth_date(dataset: Dataset, element: DataElement, context: _Context) -> None:
    today = dt.date.today()

    def shift_unless_over_89(value: str) -> str:
        born = _parse_da(value)
        if born is None or _age_in_years(born, today) > 89:
            return ""
        return _shift_da(value, context.vault)

    _map_text(dataset, element, shift_unless_over_89)


def _generalise_age(dataset: Dataset, element: DataElement, _context: _Context) -> None:
    _map_text(dataset, element, _generalised_age)


_ACTION_HANDLERS: dict[Action, Callable[[Dataset, DataElement, _Context], None]] = {
    Action.REMOVE: _remove,
    Action.EMPTY: _empty,
    Action.DUMMY: _dummy,
    Action.REMAP_UID: _remap_uid,
    Action.KEEP: _keep,
    Action.SHIFT_DATE: _shift_date,
    Action.CLEAN: _clean,
    Action.BIRTH_DATE: _birth_date,
    Action.GENERALISE_AGE: _generalise_age,
}


def _map_text(dataset: Dataset, element: DataElement, change: Callable[[str], str]) -> None:
    """Apply ``change`` to each non-empty value of a text element; drop the element if it is not text."""
    values = _text_values(element)
    if values is None:
        dataset.pop(element.tag)  # undecoded bytes (e.g. VR UN): we cannot transform them, so they go
        return
    changed = [change(value) if value else value for value in values]
    if not changed:
        return
    element.value = changed[0] if len(changed) == 1 else changed


def _text_values(element: DataElement) -> list[str] | None:
    value = element.value
    if value is None:
        return []
    if isinstance(value, bytes | bytearray):
        return None
    if isinstance(value, MultiValue | list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def _empty_value(vr: str) -> str | None:
    return "" if vr in _TEXT_VRS or vr in ("DA", "DT", "TM", "AS", "UI", "DS", "IS") else None


def _element_by_keyword(dataset: Dataset, keyword: str) -> DataElement | None:
    tag = tag_for_keyword(keyword)
    return None if tag is None or tag not in dataset else _element_or_none(dataset, BaseTag(tag))


def _upper_text(dataset: Dataset, keyword: str) -> str:
    element = _element_by_keyword(dataset, keyword)
    if element is None or element.value is None or isinstance(element.value, bytes):
        return ""
    return str(element.value).strip().upper()


# --- dates and ages -------------------------------------------------------------------------------------


def _parse_da(value: str) -> dt.date | None:
    digits = value.strip()
    if len(digits) == 10 and digits[4] == digits[7] == ".":  # ACR-NEMA style YYYY.MM.DD
        digits = digits.replace(".", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _format_da(value: dt.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _shift_da(value: str, vault: PhiVault) -> str:
    """A DA value (or a DA range "from-to") shifted; parts that do not parse become empty, never kept."""
    return "-".join(_shift_one_date(part, vault) if part else part for part in value.split("-"))


def _shift_one_date(value: str, vault: PhiVault) -> str:
    parsed = _parse_da(value)
    if parsed is None:
        return ""
    try:
        return _format_da(vault.shift_date(parsed))
    except OverflowError:
        return ""


def _shift_dt(value: str, vault: PhiVault) -> str:
    """A DT value with its date part shifted and its time and UTC offset kept.

    A DT with less than a full date (year or year-month only) cannot be shifted by days, so it is emptied.
    """
    shifted = _shift_one_date(value[:8], vault)
    return shifted + value[8:] if shifted else ""


def _age_in_years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _generalised_age(value: str) -> str:
    """An AS value, or "090Y" when over 89 years; unreadable ages are dropped (they could be anything)."""
    match = re.fullmatch(r"(\d{3})([DWMY])", value.strip().upper())
    if match is None:
        return ""
    years = int(match.group(1)) * _AGE_UNIT_YEARS[match.group(2)]
    return _OVER_89_AGE if years > 89 else match.group(0)


# --- Clean Descriptors -------------------------------------------------------------------------------------

_LEAP_REFERENCE_YEAR = 2024  # for dates written without a year: a leap year keeps 29 February valid
_MIN_IDENTIFIER_CHARS = 3  # shorter values ("2", "CT") would rewrite ordinary words and numbers
_UID_IN_TEXT = re.compile(r"(?<![\w.])\d+(?:\.\d+){4,}(?![\w.])")
_LONG_NUMBER = re.compile(r"(?<![\w.])[A-Za-z]{0,4}\d{6,}(?![\w.])")
_NAME_SPLIT = re.compile(r"[\^=,\s]+")


@dataclass
class DescriptorCleaner:
    """Cleans descriptor text: what "Clean Descriptors" means here.

    In one pass over the text, in this order of precedence:

    1. every person name in the dataset (whole, and each component of 3+ letters), and the patient ID,
       other IDs, accession number, study ID, institution, station, device serial, address and phone, are
       replaced by their vault surrogates (case-insensitive, whole words, values of 3+ characters);
    2. dates that include a year are shifted by the case's shift, in the same format;
    3. UID-like dotted numbers are remapped through ``vault.uid``;
    4. any other run of 6+ digits (optionally after up to 4 letters, e.g. "MRN1234567") is replaced by a
       same-shape surrogate.

    It has no NER: a name that appears only in free text, nowhere in the header, is not caught. That is why
    patient-level free text is removed rather than cleaned.
    """

    vault: PhiVault
    identifiers: dict[str, tuple[PhiCategory, str]] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None

    @classmethod
    def from_dataset(cls, dataset: Dataset, vault: PhiVault) -> DescriptorCleaner:
        """A cleaner that knows every name and identifier anywhere in ``dataset``."""
        identifiers: dict[str, tuple[PhiCategory, str]] = {}
        for category, value in _identifiers_in(dataset):
            for candidate in _identifier_variants(category, value):
                if len(candidate) >= _MIN_IDENTIFIER_CHARS and any(char.isalnum() for char in candidate):
                    identifiers.setdefault(candidate.lower(), (category, candidate))
        cleaner = cls(vault=vault, identifiers=identifiers)
        if identifiers:
            alternatives = "|".join(re.escape(item) for item in sorted(identifiers, key=len, reverse=True))
            cleaner.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return cleaner

    def clean(self, text: str) -> str:
        """``text`` with every identifier, date, UID and long number replaced (see the class docstring)."""
        spans: list[tuple[int, int, str]] = []
        for start, end, replacement in self._findings(text):
            if not any(start < taken_end and taken_start < end for taken_start, taken_end, _ in spans):
                spans.append((start, end, replacement))
        for start, end, replacement in sorted(spans, reverse=True):
            text = text[:start] + replacement + text[end:]
        return text

    def _findings(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Candidate replacements, most specific first; the caller keeps the first of overlapping ones."""
        if self.pattern is not None:
            for match in self.pattern.finditer(text):
                category, original = self.identifiers[match.group(0).lower()]
                yield match.start(), match.end(), self.vault.surrogate(category, original)
        for found in find_dates(text):
            if found.shape != "md":  # "1/2" in a descriptor is a fraction far more often than a date
                original = text[found.start : found.end]
                shifted = shift_date_text(original, self.vault.date_shift_days, _LEAP_REFERENCE_YEAR)
                yield found.start, found.end, shifted or "[DATE]"
        for match in _UID_IN_TEXT.finditer(text):
            yield match.start(), match.end(), self.vault.uid(match.group(0))
        for match in _LONG_NUMBER.finditer(text):
            yield match.start(), match.end(), self.vault.surrogate(PhiCategory.OTHER_ID, match.group(0))


def _identifiers_in(dataset: Dataset) -> Iterator[tuple[PhiCategory, str]]:
    """(category, value) for every person name and listed identifier, at any depth."""
    for tag in _tags(dataset):
        if tag.is_private:
            continue  # removed anyway, and we would not know what kind of value they hold
        element = _element_or_none(dataset, tag)
        if element is None:
            continue
        if element.VR == "SQ":
            for item in element.value:
                yield from _identifiers_in(item)
            continue
        category = PhiCategory.NAME if element.VR == "PN" else _DESCRIPTOR_IDENTIFIERS.get(element.keyword)
        if category is None:
            continue
        for value in _text_values(element) or []:
            if value.strip():
                yield category, value.strip()


def _identifier_variants(category: PhiCategory, value: str) -> list[str]:
    """The value, and for names each component too (descriptors say "Smith", not "SMITH^JOHN")."""
    if category is not PhiCategory.NAME:
        return [value]
    components = [part for part in _NAME_SPLIT.split(value) if sum(char.isalpha() for char in part) >= 3]
    return [value, " ".join(_NAME_SPLIT.split(value)).strip(), *components]


# --- markers ---------------------------------------------------------------------------------------------


def _mark_deidentified(dataset: Dataset, context: _Context) -> None:
    """PatientIdentityRemoved, the method in words and codes, and the modified-dates flag (PS3.15 E.1.1)."""
    declared = list(_ALWAYS_DECLARED)
    if any(_has_value(dataset, keyword) for keyword in _PATIENT_CHARACTERISTIC_KEYWORDS):
        declared.append("113108")
    if context.kept_structured_content:
        declared.append("113104")
    if context.kept_safe_private:
        declared.append("113111")
    dataset.PatientIdentityRemoved = "YES"
    dataset.LongitudinalTemporalInformationModified = "MODIFIED"
    dataset.DeidentificationMethod = [_METHOD_NAMES[code] for code in declared]
    dataset.DeidentificationMethodCodeSequence = Sequence([_dcm_code(code) for code in declared])


def _dcm_code(code: str) -> Dataset:
    item = Dataset()
    item.CodeValue = code
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = _METHOD_CODES[code]
    return item


def _has_value(dataset: Dataset, keyword: str) -> bool:
    element = _element_by_keyword(dataset, keyword)
    return element is not None and element.value not in (None, "", b"")
