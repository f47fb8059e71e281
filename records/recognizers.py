"""Our clinical PHI recognizers, as Presidio recognizers.

Most identifiers in clinical text follow a label ("MRN: 00482913", "Member ID W2231-7781", "Dr. Patel"), so
the workhorse is :class:`LabeledValueRecognizer`: a label pattern, then the value it introduces, reported
as the value's span only. Shapes that stand alone (dates, phone numbers, street addresses, facility names,
"City, ST 12345", ages over 89) have recognizers of their own. Every pattern is case-insensitive, so upper-
case nursing and lab notes are read like mixed-case ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from records.ages import find_ages_over_89
from records.census_names import census_words, find_census_names, find_surname_first_names
from records.dates import find_dates
from records.facilities import FacilitySpan, find_facilities, find_venues
from records.layouts import (
    barcode_lines,
    conversational_names,
    demographic_names,
    header_record_numbers,
    hl7_segment_ids,
    initials_legends,
    keyed_values,
    replied_record_numbers,
    table_values,
)
from records.lexicon import clinical_vocabulary, is_everyday_word
from records.patterns import LETTERS, STOPWORD, UPPER_LETTERS
from records.phi import PhiCategory
from records.places import find_city_mentions

# Identifiers placed by the document's layout rather than by a label (see records.layouts).
_LAYOUT_FINDERS = (
    table_values,
    keyed_values,
    header_record_numbers,
    hl7_segment_ids,
    barcode_lines,
    initials_legends,
    conversational_names,
    demographic_names,
    replied_record_numbers,
)

_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class LabeledPattern:
    """A label, the value it introduces, and the category of that value."""

    category: PhiCategory
    label: str
    value: str
    score: float = 0.9


# Between a label and its value: "is", "#", "# is", ":", a short parenthetical ("MRN (client): X"), a quote,
# "ending" before the last digits of a number ("MRN ending 5618": the digits alone are the value), and a
# hyphen before a value with digits ("MRN-00482913"; a name never has digits, so "Patient-centred" is safe).
_SEP = (
    r"[\"']?[ \t]*(?:\([^)\n]{1,40}\)[ \t]*)?(?:#[ \t]*)?"
    r"(?:(?:is|was|of|ending(?: in| with)?|ends (?:in|with))\b[ \t]*)?"
    r"(?:[:#=,/\u2192]|->|=>|-(?=[ \t]*[A-Z0-9#][\w#. -]{0,8}\d)|no\.?|number|num\.?|nbr\.?|id)?"
    r"[ \t]*[:#]?[ \t]*[\"\u201c*]?"
)
# A few small words between a label and "is" before its value, as people type them into a query box: "the
# MRN on file for her is 4471229", "his member ID, if it helps, is X", "the SSN for this guy = X". Only
# words like these, so that a label word in a sentence ("social history is 2019...") does not reach a number.
_ASIDE_WORD = (
    r"(?i:for|of|on|in|at|the|her|his|their|this|that|patient|pt|file|record|chart|system|listed|given|we"
    r"|have|i|if|it|helps|again|here|number|no|now|still|currently|actually|just|guy|lady|man|woman|gentleman|kid"
    r"|child|baby|mom|mother|dad|father|son|daughter|wife|husband)"
)
_ASIDE = rf"(?:,?[ \t]+{_ASIDE_WORD}\b){{1,5}},?[ \t]+(?:(?i:is|was|reads)\b|=)"
# An identifier: letters and digits, joined by - . / _ or by a space before more digits ("4471 22", but
# not the "DOB" that follows "MRN 00482913 DOB"), by commas grouping digits in threes ("1,204,556"), or by a
# hyphen that ends a line of a narrow column.
_ID = (
    r"(?P<value>(?i:[A-Z0-9](?:[A-Z0-9]|[-./_](?=[A-Z0-9])| (?=\d)|(?<=\d),(?=\d{3}(?!\d))"
    r"|-\n[ \t]*(?=\d)){3,24}))"
)
# Name words are matched case-sensitively (capitalised or all capitals) and never a common function word.
# Two capitals alone ("ID", "SD") are abbreviations far more often than names.
_UPPER = UPPER_LETTERS
_LETTER = LETTERS
# Credentials after a name ("Raj Sethuraman, PA-C", "CHAVIS, DENISE, LCSW") are not part of it.
_CREDENTIAL = (
    r"MD|M\.D\.|DO|D\.O\.|RN|NP|PA-C|PA|MBBS|PhD|DPM|CNM|FACC|FACS|FAAP|CRNA|LISW(?:-S)?|LCSW|MSW|PCT|CST"
    r"|PharmD|RPh|DPT|AuD|RD|CNA|LPN|APRN|FNP(?:-BC)?|MT|CT|ASCP|MA|LPC|LMFT|CCM|DNP|CMA|BSN|CGC|FACMG|CPhT|RRT"
    r"|LICSW|LMSW|ACHPN|CHPN|PMHNP(?:-BC)?|LADAC|CCRN|CNS|MSN|MPH"
)
_NAME_WORD = rf"(?!{STOPWORD})(?![A-Z]{{2}}\b(?!-))(?!(?:{_CREDENTIAL})\b)[{_UPPER}][{_LETTER}'\u2019-]+"
_TITLE = r"(?i:(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof)\.?[ \t]+)"
_PERSON = (
    rf"{_TITLE}?(?P<value>(?:[A-Z]\.[ \t]?)?{_NAME_WORD}(?:,? (?:[A-Z](?:\. ?| ))?{_NAME_WORD}){{0,2}}"
    r"(?: [A-Z]\.?(?![A-Za-z]))?)"
)


def _label(*alternatives: str) -> str:
    """Label alternatives, longest pattern first: a regex alternation takes the first that matches, and
    "voiceprint enrollment" must win over "voiceprint". (A rejected match is searched on from its value,
    so a shorter label that wins wrongly costs nothing but a retry.)"""
    return r"(?:\b|(?<=_))(?i:" + "|".join(sorted(alternatives, key=len, reverse=True)) + ")"


# Numbers outside North America: a country code ("+44 117 555 0143", "+1 905-555-0135"), a trunk zero in
# parentheses ("(07) 3555 0148") or grouped after it ("0117 555 0143", "0425 550 147").
_COUNTRY_CODE_PHONE = r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,3}"
_INTL_PHONE_BODY = (
    _COUNTRY_CODE_PHONE + r"|\(0\d{1,4}\)[ .-]?\d{3,4}[ .-]?\d{3,4}|0\d{2,4}[ .-]\d{3,4}[ .-]\d{3,4}"
)
# Without a label only the common national groupings, not any run of numbers ("0800 1200 1600" are times).
_INTL_PHONE = re.compile(
    rf"(?<![\w+(-])(?:{_COUNTRY_CODE_PHONE}"
    r"|\(0\d\)[ ]?\d{4}[ ]?\d{4}|0\d{3}[ ]\d{3}[ ]\d{4}|0\d{2}[ ]\d{4}[ ]\d{4}|04\d{2}[ ]\d{3}[ ]\d{3})"
    r"(?![\w-])"
)
# After a label a local seven-digit number counts too ("pager 555-0192").
_PHONE_VALUE = (
    r"(?P<value>(?:\+?1?[ .-]?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}|(?<!\)[ ])(?<!\))\d{3}-\d{4}(?![\d-])"
    rf"|{_INTL_PHONE_BODY})"
    r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?)"
)
# An SSN, whole or masked but for the last four ("XXX-XX-1234", "***-**-1234"), with - . or space.
_SSN_BODY = r"(?:\d{3}|[Xx*]{3})[-. ]?(?:\d{2}|[Xx*]{2})[-. ]?\d{4}"
_PHOTO_VALUE = (
    r"(?P<value>[A-Z0-9][\w.-]*\.(?:jpe?g|png|tiff?|heic|bmp|gif)|IMG[_-]?\d+(?:\.\w{3,4})?"
    r"|PHOTO[_-]?\w+(?:-\w+)*)"
)
_NO = r"(?: ?#| no\.?| number)?"
# Places are words, not identifiers: no digit is required of them.
_PLACES = (PhiCategory.CITY, PhiCategory.COUNTY)


def _could_be_place(value: str) -> bool:
    """A place's name has a word that is no everyday word ("City: Same as above" has none)."""
    return not all(is_everyday_word(word.lower()) for word in value.split())


# A place's name: up to three capitalised words (after a label, and before a state's code).
_PLACE_NAME = rf"[{_UPPER}][{_LETTER}.'-]+(?:[ \t][{_UPPER}][{_LETTER}.'-]+){{0,2}}"
_PLACE_VALUE = rf"(?P<value>{_PLACE_NAME})"

LABELED_PATTERNS: tuple[LabeledPattern, ...] = (
    LabeledPattern(PhiCategory.MRN, r"\b(?-i:MR)", r"(?P<value>\d[\d-]{4,14}\d)\b"),
    LabeledPattern(
        PhiCategory.MRN,
        _label(
            "MRN",
            r"resident #",
            r"program #",
            "MR#",
            r"MR (?:no\.?|number)",
            # An electronic record's or a patient file's number: "EHR #", "EMR ID", "patient file no.".
            r"E[HM]R ?(?:#|ID|no\.?|number)",
            r"(?:patient |pt\.? )?file ?(?:#|ID|no\.?|number)",
            r"medical records?(?: show)? ID",
            r"med\.? rec\.?(?: #| no\.?)?",
            rf"medical record{_NO}",
            "record #",
            rf"chart{_NO}",
            r"hosp(?:ital)?\.? ?(?:no\.?|number|#)",
            r"client(?: #| no\.?| number| ID)",
            r"unit (?:no\.?|number|#)",
            r"M\.R\.N\.?",
            r"M\.R\.",
            # Health record numbers, "MedRec #", "PID", person and identification numbers, references.
            r"HRN",
            r"health record(?: #| no\.?| number)?",
            r"med ?rec(?: ?#| no\.?)?",
            "PID",
            r"(?:person|identification|medical) (?:number|no\.?|#)",
            r"I\.D\.",
            r"patient ref(?:erence)?\.?",
            r"(?:hospital|medical|case) (?:record|file)(?: #| no\.?| number)",
            r"registration (?:number|no\.?|#)",
            # A record number and a birth date under one label: "MRN/DOB: 7720183 / 04/12/1951".
            r"MRN ?/ ?D\.?O\.?B\.?",
            "patient ID",
            "pt ID",
            # Other systems and countries: enterprise and master indexes, Australian unit record numbers,
            # Indian unique health IDs, German "Pat.-Nr.", Spanish "expediente", nursing-home residents.
            r"(?:pat(?:ient)?|pt|res(?:ident)?)\.?-? ?(?:#|no\.?|number)",
            r"M ?R ?#",
            "M R N",
            r"E?MPI(?: ID| #| no\.?)?",
            "UHID",
            r"U\.?R\.? ?(?:no\.?|#|number)",
            r"unit record(?: no\.?| #| number)?",
            r"U\.?R\.?N\.?",
            r"(?:local|ext(?:ernal)?|alt(?:ernate)?|person|enterprise|master) (?:patient )?ID",
            r"record (?:no\.?|number)",
            r"chart ref(?:erence)?\.?",
            r"medical\s+record\s+(?:#|no\.?|number)",  # a label wrapped onto two lines
            r"(?:no\.? de )?expediente",
            # Plurals for merged charts ("MRNs 77120043 and 66190217"); nursing-home and clinic labels.
            "MRNs",
            r"unit ?#",
            r"resident ID",
            r"clinic (?:no\.?|number|#)",
            r"patient identifier",
            # "ID#" alone heads a patient's line; "Order ID#" and "Specimen ID#" belong to their own labels.
            r"(?<![A-Za-z] )ID ?#",
            # A registration number: "REG #", "Hospital Reg. No." (not a consultant's bare "Reg. No.").
            r"reg ?#",
            r"(?:hospital|patient|pt) reg(?:istration)?\.? ?(?:#|no\.?|number)",
            # Other languages: Spanish "historia clínica", French "dossier", Portuguese "prontuário".
            r"(?:n[uú]mero|no\.?|n[º°]) de historia(?: cl[ií]nica)?",
            r"historia(?: cl[ií]nica)?",
            r"dossier(?: no\.?| n[º°])?",
            r"prontu[áa]rio",
        ),
        _ID,
    ),
    # A superseded number after the current one: "MRN: 0004471229 (old: 88-1123)".
    LabeledPattern(
        PhiCategory.MRN,
        r"\b(?i:MRN|med(?:ical)? rec(?:ord)?\.?(?: #| no\.?)?|chart(?: #| no\.?)?)[^\n()]{1,30}"
        r"\((?i:old|prior|previous|former|legacy)(?: MRN| #)?",
        _ID,
    ),
    # A masked record number that still shows its last digits ("MRN ***7204", "MRN: xxx-5521"): the whole
    # masked string is the span, as for a masked SSN.
    LabeledPattern(
        PhiCategory.MRN,
        _label("MRN", "MR#", r"med\.? rec\.?(?: #| no\.?)?", rf"medical record{_NO}", rf"chart{_NO}"),
        r"(?<![*xX])(?P<value>[*xX]{2,}[- ]?\d{3,6})\b",
    ),
    # An order number whose label is a few words before it: "Order number for PFTs: 77104528".
    LabeledPattern(
        PhiCategory.OTHER_ID,
        r"\b(?i:order (?:#|no\.?|number) (?:for|of)\b)[^\n:#]{1,40}?:",
        r"(?P<value>(?=[A-Z0-9-]*\d)[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){3,24})\b",
    ),
    # A record number in running text or a subject line: "RE: pt 4471229 results", "registered under
    # 6603192 at Ridgefield and under RMC-0044918". Only long numbers: "pt 2" and "under 65" are counts.
    LabeledPattern(
        PhiCategory.MRN,
        r"\b(?i:pt|patient|(?:registered|filed|listed)(?: [a-z]+){0,2} under|(?:and|but) under"
        # Words that name a record only loosely ("under record 4471229", "registration 00451822").
        r"|records?|(?:hospital |medical |electronic |case )?(?:record|file)|registration)",
        # Six digits or more, or fewer with a letter prefix or suffix ("JD-55123", "12345-AB").
        r"(?P<value>\d{6,12}|[A-Z]{1,4}-\d{4,12}|\d{5,12}-[A-Z]{1,4})\b(?![/.]\d)",
        0.8,
    ),
    LabeledPattern(
        PhiCategory.SSN,
        _label(
            "SSN",
            "SS#",
            rf"social security{_NO}",
            r"soc\.? sec\.?(?: ?#| no\.?)?",
            r"SSN \(?last (?:4|four)\)?",
            r"last (?:4|four)(?: of)? (?:SSN|SS#|social)",
        ),
        # Whole, masked ("XXX-XX-1234": the last four still identify) or the last four alone after a label.
        rf"(?P<value>{_SSN_BODY}|\d{{4}})\b",
        0.95,
    ),
    # "Social" alone, as people say it ("her social is 912-44-0187"): only a whole or masked number, since
    # four digits after the word are more often a year ("social 2019: quit smoking").
    LabeledPattern(PhiCategory.SSN, r"\b(?i:social)", rf"(?P<value>{_SSN_BODY})\b", 0.9),
    LabeledPattern(
        PhiCategory.HEALTH_PLAN_ID,
        _label(
            r"member(?: ID| #| no\.?| number)?",
            r"subscriber(?: ID| #| no\.?)?",
            r"policy ?(?:ID|#|no\.?|number|:)",  # not "policy LAB-POC-017", a document number
            r"beneficiary(?: ID| #| no\.?| number)?",
            "insurance ID",
            "plan ID",
            rf"group{_NO}",
            r"medicare(?: ID| #| no\.?| number| MBI)?",
            "MBI",
            r"medicaid(?: ID| #| no\.?| number)?",
            "HICN",
            # Canadian provincial health cards: "OHIP: 6271-840-933-KT", "health card no.".
            r"OHIP(?: #| no\.?| number)?",
            r"health card(?: #| no\.?| number)?",
            "BCBS ID",
            # State Medicaid programs by name ("KanCare K9920184471", "MO HEALTHNET 118204937").
            r"(?:MO )?HealthNet|KanCare|Medi-Cal|MassHealth|TennCare|SoonerCare|BadgerCare|PeachCare|AHCCCS",
            r"Apple Health|MaineCare|NJ FamilyCare|Hoosier Healthwise|Husky(?: Health)?|Medical Assistance",
            r"insurance(?: ID| number| plan| policy| #| no\.?)?(?: is)?",
            r"ins\.(?: #| no\.?)?",
            r"(?:his|her|their|the) plan(?: is)?",
            "HMO",
            "PPO",
            "HBN",
            r"health plan(?: ID| number| #| no\.?)?",
            r"GRP\.?(?: #| no\.?)?",
            r"(?:medicare )?HIC#?",
        ),
        _ID,
    ),
    LabeledPattern(
        PhiCategory.ACCOUNT_NUMBER,
        _label(
            rf"account{_NO}",
            rf"(?:credit |debit )?card{_NO}",
            r"acct\.?(?: #| no\.?)?",
            r"billing(?: #| no\.?| number| account)",
            r"encounter(?: #| no\.?| number| ID)?",
            r"enc[ _]?id",
            r"admission (?:#|no\.?|number)",
            "FIN",
            "ENC",
            r"visit(?: #| no\.?| number| ID)",
            r"invoice(?: #| no\.?)",
            # Epic's contact serial number and hospital account record; inpatient and outpatient numbers.
            "CSN",
            "HAR",
            r"(?:IP|OP|inpatient|outpatient)(?: #| no\.?| number)",
            r"guar(?:antor)? acct\.?(?: #| no\.?)?",
        ),
        _ID,
    ),
    LabeledPattern(
        PhiCategory.LICENSE_NUMBER,
        _label(
            rf"licen[cs]e{_NO}",
            r"licen[cs]e \(",
            r"lic\.?(?: #| no\.?)?",
            rf"driver'?s licen[cs]e{_NO}",
            # A commercial driver's licence ("CDL # K8812-40917").
            rf"CDL{_NO}",
            r"(?-i:DL)(?: ?#| no\.?)?",
            rf"DEA{_NO}",
            rf"NPI{_NO}",
            r"certificate(?: #| no\.?| number)",
            r"certification(?: #| no\.?| number)?",
            # Bar numbers; UK, Australian and Ontario registrations ("GMC 7041183", "AHPRA MED0002291845").
            r"(?:state )?bar (?:no\.?|#|number)",
            r"GMC(?: no\.?| #| number)?",
            r"AHPRA(?: no\.?| #| number)?",
            r"CNO(?: reg(?:istration)?\.?| #| no\.?)?",
            r"board cert(?:ification)?(?: #| no\.?)",
            # A medical council registration after a doctor's name ("Reg. No. NJ-25MA08812").
            r"(?:medical |council )?reg(?:istration)?\. ?(?:#|no\.?)",
        ),
        _ID,
    ),
    LabeledPattern(
        PhiCategory.VEHICLE_ID,
        _label(
            "VIN",
            r"vehicle(?: ID| identification number| #)",
            rf"licen[cs]e plate{_NO}",
            rf"plate{_NO}",
            r"tag(?: #| no\.?)",
        ),
        _ID,
    ),
    LabeledPattern(
        PhiCategory.DEVICE_ID,
        _label(
            rf"(?<!/)serials?{_NO}",  # not "Model/Serial", whose first value is the model
            "S/?N",
            r"device(?: ID| #| serial| identifier)",
            "UDI",
            r"implant(?: ID| #| serial)",
        ),
        _ID,
    ),
    # "Model/Serial: CD3371-40Q / 810442771": only the serial after the slash identifies the device.
    LabeledPattern(
        PhiCategory.DEVICE_ID,
        _label(r"model ?/ ?serial(?: #| no\.?)?"),
        r"(?:[A-Z0-9][\w.-]*[ \t]*/[ \t]*)?" + _ID,
    ),
    LabeledPattern(
        PhiCategory.BIOMETRIC_ID,
        _label(
            r"fingerprint(?: ID| #| template| record)?",
            r"retina(?:l)? scan(?: ID| #)?",
            r"iris scan(?: ID| #)?",
            r"voice ?print(?: ID| #)?",
            r"biometric(?: ID| #| template| record)?",
            r"palm ?print(?: ID| #)?",
            r"palm[- ]vein(?: scan| enrollment| template| ID)*(?: matched template)?",
            r"(?:voice ?print|biometric|fingerprint|iris) enrollment",
            r"(?:newborn )?(?:identification|footprint) record",
            r"(?:biometric |fingerprint |iris |palm |voice )?template(?: ID| #)?",
        ),
        _ID,
    ),
    LabeledPattern(
        PhiCategory.PHOTO_REFERENCE,
        _label(
            r"(?:full[- ]face )?photo(?:graph)?(?: ID| #| file)?",
            r"facial (?:photo(?:graph)?|image)(?: ID| #)?",
            "image file",
            "headshot",
        ),
        _PHOTO_VALUE,
    ),
    LabeledPattern(
        PhiCategory.OTHER_ID,
        _label(
            r"subject(?: ID| #| no\.?)",
            "study ID",
            r"participant(?: ID| #)",
            rf"accession{_NO}",
            r"ACC#?",
            r"report #",
            r"confirmation(?: #| no\.?| number)?",
            r"(?:lab )?order(?: #| no\.?| number)?",
            r"lab(?:oratory)? no\.?",
            r"our ref\.?",
            "case",
            "requisition",
            r"req\.? ?(?:#|no\.?)",
            r"(?:dictation )?job(?: #| no\.?| ID)?",
            # A dictation's document number and a blood bank band ("DOC#: 4420918", "BB# WX7718").
            r"doc(?:ument)? ?#",
            r"BB ?#",
            r"blood bank(?: #| ID| no\.?)",
            r"Rx ?(?:#|no\.?|number)",
            r"registry(?: ID| #| no\.?| number)",
            r"UNOS(?: ID| #)?",
            "site ID",
            "placer",
            "filler",
            "SPM",
            "specimen",
            r"(?:ID|identification) bands?(?: #)?",
            # Claims, denials, incidents and bookings; Canadian client and Australian health identifiers.
            r"claim ?(?:#|no\.?|number|ID)",  # not "on the claim, 99223 billed" (a CPT code)
            r"denial ref(?:erence)?\.?",
            r"incident(?: #| no\.?| number)",
            r"PCR(?: #| no\.?)",
            r"booking(?: #| no\.?| number)?",
            "SID",
            "UCI",
            "IHI",
            r"subj\.?(?: ID| #| no\.?)",
            r"cord blood(?: bank)? unit",
            r"(?:blood bank )?(?:arm|wrist)band(?: #)?",
            "intake",
            r"accession ?identifier",
            "identifier",
            r"autopsy(?: no\.?| #| number)",
            r"(?:crash |police |incident )?report(?: no\.?| #| number)",
            r"ref(?:erence)?\.? (?:code|no\.?|number|#|ID)",
            r"ID(?: is)?",
            r"specimen(?: ID| #| no\.?)",
            r"requisition(?: #| no\.?)",
            r"case(?: #| no\.?| number)",
            r"(?:activation|access|enrollment|enrolment|portal) code",
        ),
        _ID,
        0.85,
    ),
    LabeledPattern(
        PhiCategory.PHONE,
        _label(
            "phone",
            r"tel\.?",
            "telephone",
            "cell",
            "mobile",
            "home",
            "work",
            "pager",
            "beeper",
            "contact",
            "call(?:back)?",
            r"(?:call|reach|text) (?:me|him|her|them|us) (?:at|on)",
        )
        + _NO,
        _PHONE_VALUE,
        0.95,
    ),
    LabeledPattern(PhiCategory.FAX, _label("fax", "facsimile") + _NO, _PHONE_VALUE, 0.97),
    # A city or a county after its own label on a form ("PT CITY: TERRE HAUTE", "7C. COUNTY: CREEK").
    LabeledPattern(
        PhiCategory.CITY,
        r"\b(?i:(?:pt |patient |home |birth )?city|town|city/town|place of birth)(?=[ \t]*:)",
        _PLACE_VALUE,
        0.85,
    ),
    LabeledPattern(PhiCategory.COUNTY, r"\b(?i:county(?: of residence)?)(?=[ \t]*:)", _PLACE_VALUE, 0.85),
    LabeledPattern(
        PhiCategory.NAME,
        _label(
            "patient name",
            "patient",
            "pt",
            "name",
            "mother",
            "father",
            "wife",
            "husband",
            "spouse",
            "daughter",
            "son",
            "niece",
            "nephew",
            "aunt",
            "uncle",
            "grandmother",
            "grandfather",
            "granddaughter",
            "grandson",
            "cousin",
            "partner",
            "friend",
            "neighbou?r",
            "POA",
            "health care proxy",
            "HCP",
            "hospitalist",
            "collector",
            "interpreter",
            "social worker",
            "case manager",
            "sister",
            "brother",
            "guardian",
            "emergency contact",
            "next of kin",
            "NOK",
            "contact person",
            "caregiver",
            "attending",
            "resident",
            "physician",
            "surgeon",
            "radiologist",
            "pathologist",
            r"referring(?: physician| provider| doctor)?",
            "PCP",
            r"primary care(?: physician| provider)?",
            "signed by",
            "dictated by",
            "transcribed by",
            "electronically signed by",
            "reviewed by",
            "seen by",
            "cc",
            "RN",
            "nurse",
            "provider",
            "consultant",
            "ATTN",
            "CRNA",
            "scrub",
            "circulat(?:or|ing)",
            "anesthesiologist",
            "anesthesia",
            "assistant",
            "audiology",
            "technologist",
            "tech",
            "chaplain",
            "roommate",
            "recipient",
            "donor",
            "caller",
            "scribe",
            # Father of the baby; forms' roles: employee, camper, beneficiary, coordinator, funeral director.
            "FOB",
            "father of (?:the )?baby",
            "employee",
            "camper",
            "beneficiary",
            r"(?:study |research |transplant |care )?coordinator",
            "funeral director",
            "claimant",
            "informant",
            "guarantor",
            "insured",
            "girlfriend",
            "boyfriend",
            r"fianc[eé]e?",
            r"step(?:mother|father|son|daughter)",
            r"god(?:mother|father)",
            r"(?:collected|drawn|verified|performed|read|witnessed|printed|ordered|entered|approved|completed"
            r"|prepared|screened|called|reported|released|authori[sz]ed|requested|accepted|interpreted) by",
            # E-mail headers: "From: Okafor, Emeka <...>", "To: Dana Wexford" (a colon, at a line start).
            r"(?:(?m:^)|(?<=[ \t]{2}))(?:from|to|sent to|reply-to|bcc)(?=[ \t]*:)",
            r"att\.?(?=[ \t]*:)",
            r"contact(?=[ \t]*:)",
            "responsible party",
            r"(?:trauma )?alias",
            # A nickname and the person a critical result was called to ("goes by \"Emmy\"", "CALLED TO").
            "goes by",
            "nicknamed",
            r"prefers to be called",
            r"(?:called|reported|read back) to",
            r"spoke (?:with|to)",
            "a.k.a.",
            "aka",
            "also known as",
        ),
        _PERSON,
        0.75,
    ),
)

_TITLE_NAME = re.compile(rf"\b(?=(?i:Dr|Mr|Mrs|Ms|Miss|Mx|Prof)\.?[ \t]){_PERSON}")
# Not a sentence that opens with a function word before a test: "No CT evidence of infarct", "On MRI".
_NOT_A_SIGNER = (
    r"(?!(?:No|Not|The|An?|And|Or|In|On|At|Of|For|With|Without|See|Per|Post|Pre|Non|Repeat|Urgent)\b)"
)
_SIGNATURE_NAME = re.compile(rf"\b{_NOT_A_SIGNER}{_PERSON},?[ \t]+(?:{_CREDENTIAL})(?![A-Za-z])")
# "Mary S.", "Anne-Marie B.": a given name and an initial, common in referral letters and queries.
_NAME_WITH_INITIAL = re.compile(
    r"\b(?!(?i:hepatitis|vitamin|stage|type|grade|class|group|factor|protein|level|phase|zone|lead|team|plan|"
    r"part|appendix|schedule|category|tier|section|ward|unit|room|bed|floor|wing)\b)"
    r"(?P<value>[A-Z][a-z]+(?:-[A-Z][a-z]+)? [A-Z]\.)(?=[\s,;:)?'\u2019]|$)"
)

# A person's initials where documents put them: after "initials" or "transcribed ... by", as the author and
# typist tag of a dictation ("IW/tbm", "JRT / J. TREMBLAY") and as a sign-off after a dash ("- AAQ").
_INITIALS_LABELED = re.compile(
    r"\b(?i:initials|(?:transcribed|dictated|typed|scribed|entered)(?:[ \t]+[\d/:.-]+)*[ \t]+by)[ \t:]*"
    r"(?P<value>[A-Z]{2,4})\b(?![.-])"
)
_INITIALS_TAG = re.compile(
    r"(?<![\w/])(?P<value>[A-Z]{2,4})[ \t]*/[ \t]*(?:(?P<typist>[a-z]{2,4})\b(?![/-])|(?=[A-Z]\.[ \t]?[A-Z]))"
)
_INITIALS_SIGNOFF = re.compile(r"(?:\u2014|--|\b(?i:by))[ \t]*(?P<value>[A-Z]{2,4})[ \t]*$", re.MULTILINE)
# Initials after "by" or "TRANSCRIBED:" before a stop, a wide gap or a time ("06:40 BY RJH. PREVIOUS",
# "Collected 10/22/2024 0545 by FMR    Armband"), and in parentheses before a whole date ("(KAD 7/19/24)").
_INITIALS_ENTRY = re.compile(
    r"(?:\b(?i:by|transcribed|typed|scribed)[ \t]*:?[ \t]*"
    r"(?P<value>[A-Z]{2,4})(?=[.,;)]|[ \t]{2}|[ \t]*$|[ \t]+\d)"
    r"|\((?P<typist>[A-Z]{2,4})[ \t]+(?=\d{1,2}/\d{1,2}/\d{2,4}))",  # not a score: "(MIS 11/15)"
    re.MULTILINE,
)
# Abbreviations that share the shape of initials ("HR/min", "BP/HR", "PT/OT" are not people).
_NOT_INITIALS = frozenset(
    """hr bp pt ot st iv po im sq sc prn bid tid qid qd qhs ns lr ml mg mcg kg dl min day wk mo yr yrs sec cc
    mm cm hb hgb hct rbc wbc plt inr ptt bun cr na ed er or icu mri ct us xr ekg ecg cxr abg md do rn np pa
    lpn cna dob mrn ssn id np ua uds csf cbc bmp cmp tsh lft hiv hcv hbv copd chf cad htn dm ckd ra sle ms als
    pe dvt uti gi gu ent ob gyn dnr dni hcp poa sw cm pm am rx dx tx hx sx fx""".split()
)

_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Court|Ct|Boulevard|Blvd|Way|Place|Pl|Terrace|Ter|Circle|Cir"
    r"|Parkway|Pkwy|Highway|Hwy|Trail|Trl|Square|Sq|Loop|Pike|Row|Alley|Crescent|Path|Run"
)
_STREET = re.compile(
    rf"\b\d{{1,6}}[A-Z]?[ \t]+(?:[NSEW]\.?[ \t]+)?(?:[A-Z0-9][A-Za-z0-9'.-]*[ \t]+){{0,4}}"
    rf"(?i:{_STREET_TYPES})\b\.?(?:[ \t]+[NSEW]{{1,2}}\b\.?)?"
    r"(?:,?[ \t]*(?i:Apt|Apartment|Unit|Suite|Ste|Room|Rm|#)\.?[ \t]*[A-Z0-9-]+)?"
    r"|\b(?i:P\.?[ \t]?O\.?[ \t]+Box)[ \t]+\d+"
    r"|\b(?i:Rural Route|R\.R\.|RR|HC|Star Route|Rte?\.?|Route)[ \t]*\d+[ \t,]+(?i:Box)[ \t]*\d+"
    r"|\b\d{1,6}[ \t]+(?i:Calle|Camino|Avenida|Paseo|Via|Rue)[ \t]+(?:[A-Za-z'.-]+[ \t]?){1,4}"
    r"(?:[NSEW]{1,2}\b)?"
)
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA"
    "|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR"
)
# Case-sensitive on purpose: capitalised place words and an upper-case state code ("Springfield, IL 62704").
_CITY_STATE_ZIP = re.compile(
    rf"(?P<city>\b{_PLACE_NAME}),"
    rf"[ \t]*(?:{_STATES})\b(?!-)"
    r"(?:[ \t]+(?P<zip>\d{5}(?:-\d{4})?))?"
)
# Any address with an "@" and a dotted domain: Presidio's recognizer checks the top-level domain against
# the public list, and reserved ones (".test", ".example", ".invalid") or a new one would pass through.
_EMAIL = re.compile(r"(?<![\w.+%-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
# UK and Canadian postcodes ("SP9 2LN", "L6X 4R2"), and an Australian one after its state ("QLD 4573").
_FOREIGN_POSTCODE = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]?[ ]\d[A-Z]{2}|[A-Z]\d[A-Z][ -]?\d[A-Z]\d)\b"
    r"|(?<=\b(?:NSW|VIC|QLD|TAS|ACT)[ ])\d{4}\b|(?<=\b(?:SA|WA|NT)[ ])\d{4}\b"
)
# A ZIP code after a state's code without the comma before it ("Monterey CA 93940").
_STATE_ZIP = re.compile(rf"(?<=\b(?:{_STATES})[ \t])\d{{5}}(?:-\d{{4}})?\b")
_ZIP_LABELED = re.compile(r"\b(?i:zip(?: code)?|postal code)[ \t]*[:#]?[ \t]*(?P<zip>\d{5}(?:-\d{4})?)\b")
_COUNTY = re.compile(r"\b(?:[A-Z][A-Za-z.'-]+[ \t]){1,3}(?i:County|Parish|Borough)\b")
_PHONE = re.compile(
    r"(?<![\d-])(?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?|\b\d{3}[ .-])\d{3}(?:[ .-]|-\n[ \t]*)\d{4}\b(?![\d-])"
)
# HL7 v2 person names and addresses as rendered from messages: "MENSAH^KWABENA^O", "^^DURHAM^NC^27701".
_HL7_NAME = re.compile(
    rf"\b[{_UPPER}][{_LETTER}'-]+\^[{_UPPER}][{_LETTER}'-]+(?:\^[{_UPPER}][{_LETTER}.'-]*)?"
)
_HL7_CITY_ZIP = re.compile(r"\^\^?(?P<city>[A-Z][A-Za-z .'-]+)\^[A-Z]{2}\^(?P<zip>\d{5}(?:-\d{4})?)")
# Any SSN shape, issued range or not: de-identification must not trust that a number is invalid.
_SSN = re.compile(r"(?<![\w*-])(?:\d{3}|[Xx*]{3})-(?:\d{2}|[Xx*]{2})-\d{4}\b")
_VIN = re.compile(r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b")
_DEA = re.compile(r"\b[A-Z]{2}\d{7}\b")
# Code 39 barcodes print their value between asterisks on labels and wristbands: "*E1234567*".
_BARCODE = re.compile(r"(?<![\w*])\*(?P<value>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,18})\*(?![\w*])")
# Pathology and cytology case numbers: letters, two-digit year, dash, serial ("KP24-03318", "C22-0981").
_CASE_NUMBER = re.compile(r"\b[A-Z]{1,3}\d{2}-\d{3,6}\b(?!-)")
# ISBT 128 donation identification numbers on blood units: "W0000 24 123456".
_DONATION_NUMBER = re.compile(r"\b[A-Z]\d{4}[ ]?\d{2}[ ]?\d{6}\b")
# What precedes a product code rather than a person's identifier ("lot QC24-117", "REF CV-15703").
_PRODUCT_CODE_BEFORE = re.compile(r"(?i:lot|ref|cat(?:alog)?|model|rev|version|item|part|kit)[ \t#:.]*$")
_TEN_DIGITS = re.compile(r"(?<![\d-])[12]\d{9}(?![\d-])")


def _valid_dea(number: str) -> bool:
    """DEA registration check digit: (d1+d3+d5) + 2*(d2+d4+d6) ends in d7."""
    digits = [int(ch) for ch in number[2:]]
    return (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10 == digits[6]


def _valid_npi(number: str) -> bool:
    """NPI check digit: Luhn over the prefix 80840 and the first nine digits."""
    total = 24  # the Luhn contribution of the 80840 prefix
    for index, char in enumerate(reversed(number[:9])):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10 == int(number[9])


_MBI = re.compile(
    r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y]{2}\d{2}\b"
)
# GS1 unique device identifiers: "(01)" and a 14-digit GTIN, then more application identifiers.
_UDI = re.compile(r"\(01\)\d{14}(?:\(\d{2,4}\)[A-Z0-9-]+)*")
# "04/02 0800": a month/day with a 24-hour clock time is a date-time in a flowsheet.
_CLOCK_TIME_AFTER = re.compile(r"^[ \t]+(?:[01]\d|2[0-3]):?[0-5]\d\b")
# A month on its own after a preposition: "stopped it in October", "since June".
# The date of a form's revision or a leaflet's edition, right before it: "(Rev. 03/2024)", "VIS (editions
# 8/6/21)", "version 11/2021".
_DOCUMENT_DATE_BEFORE = re.compile(r"\b(?i:rev(?:ision)?\.?|revised|editions?|ver(?:sion)?\.?)[ \t:]*$")
# A holiday that dates an event: with its year ("Christmas 2021", "Easter Sunday 2019"), or after "on",
# "since", "last" ("died on Labor Day"). Schedules ("closed on Christmas") are rare in clinical text.
_HOLIDAY = (
    r"(?:Christmas(?: Eve| Day)?|Easter(?: Sunday)?|Thanksgiving(?: Day)?|New Year'?s(?: Eve| Day)?|Labor Day"
    r"|Memorial Day|Independence Day|(?:the )?Fourth of July|July 4th|Halloween|Mother'?s Day|Father'?s Day"
    r"|Valentine'?s Day|Veterans'? Day|Hanukkah|Passover|Diwali|Eid(?: al-Fitr| al-Adha)?)"
)
_HOLIDAY_DATE = re.compile(
    rf"\b(?P<dated>{_HOLIDAY}[ \t,]+(?:18|19|20)\d\d)\b"
    rf"|\b(?:on|since|last|over|around|before|after|until|at)[ \t]+(?P<holiday>{_HOLIDAY})\b",
    re.IGNORECASE,
)
_MONTH_ALONE = re.compile(
    r"\b(?i:in|since|during|until|by|before|after|from|of|early|late|mid|last|this|next)(?:[ \t]+|[ \t]*\n)"
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December"
    r"|JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER"
    # Abbreviations too, but not "May" or "Mar" (a verb and a word), capitalised or in capitals.
    r"|Jan|Feb|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|JAN|FEB|APR|JUN|JUL|AUG|SEPT?|OCT|NOV|DEC)\b(?!\.?\d)"
)
# Scores and counts written like dates: "Beighton score 2/9", "PAIN 9/10", "12/18 lymph nodes positive".
_SCORE_BEFORE = re.compile(
    r"(?i:score|pain|bims|gcs|mmse|moca|phq-?\d*|gad-?\d*|power|strength|grade|ratio|nodes?|was|="
    r"|\bdose|\bday|\bcycle|\bfraction|\bsession|\bpg|\bpages?"
    # muscle power on the MRC scale: "arm 2/5", "hip flexion 3/5"
    r"|\b(?:arm|leg|grip|flexion|extension|dorsiflexion|plantarflexion|abduction|adduction|flexors|extensors"
    r"|deltoids?|biceps|triceps|quadriceps|hamstrings|mrc))[ \t:(]*$"
)
_SCORE_AFTER = re.compile(r"^[ \t)]*(?i:positive|negative|lymph|nodes?|was|\(was|cores?|vessels?|points?)\b")
_AMOUNT_AFTER = re.compile(r"^[ \t]*(?i:tabs?\b|tablets?|cups?|strength|dose|of\b|mg\b|ml\b|inch|x\b)")
# After a street address: ", City[, ST] ZIP" without the comma before the state that _CITY_STATE_ZIP needs.
_ADDRESS_TAIL = re.compile(
    rf",?[ \t]*(?P<city>[A-Z][A-Za-z.'-]+(?:[ \t][A-Z][A-Za-z.'-]+){{0,2}})(?:,?[ \t]*(?:{_STATES}))?"
    r"[ \t]+(?P<zip>\d{5}(?:-\d{4})?)\b"
)
_DATE_CONTEXT = re.compile(
    r"(?:\b(?:on|date|dated|dob|d\.o\.b|born|seen|admitted|discharged|visit|since|from|until|to|of|collected|"
    r"received|reported|signed|surgery|performed|scheduled|follow[- ]?up|last|next|given|trial|log|cxr|ct|mri"
    r"|clinic|visit|appt|appointment|lmp|edd|edc|due"
    r"|mon|monday|tue|tues|tuesday|wed|wednesday|thu|thur|thurs|thursday|fri|friday|sat|saturday|sun|sunday)"
    r"\b[ \t:,]*$)",
    _FLAGS,
)


def _result(category: PhiCategory, start: int, end: int, score: float, name: str) -> RecognizerResult:
    return RecognizerResult(
        entity_type=category.value,
        start=start,
        end=end,
        score=score,
        # The engine adds the recognizer's instance id; it groups results by that id, not by name.
        recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: name},
    )


# A reference range: small numbers or decimals either side ("13.5-17.5", "70-99"), not "1234-5678".
_NUMERIC_RANGE = re.compile(r"^(?:\d{1,3}(?:\.\d+)?|\d+\.\d+)\s*[-/]\s*(?:\d{1,3}(?:\.\d+)?|\d+\.\d+)$")
# "missed the dose on the 1st": a day of the month on its own.
_ORDINAL_DAY = re.compile(
    r"\b(?i:on|by|since|until|before|after|from)[ \t]+(?i:the)[ \t]+"
    r"(?P<day>(?:[12]?\d|3[01])(?i:st|nd|rd|th))\b"
)
# "from the 25th to the 3rd percentile": ordinals of a growth chart, not days of a month.
_PERCENTILE_AFTER = re.compile(
    r"(?i:[ \t]+(?:to|and)[ \t]+(?:the[ \t]+)?\d{1,2}(?:st|nd|rd|th))?[ \t]+(?i:percentile)"
)
# "last July", "this Friday": relative dates that still name a month or a weekday ("last week" does not).
_RELATIVE_DATE = re.compile(
    r"\b(?i:last|this|next|past)[ \t]+(?P<when>(?i:"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july"
    r"|august|september|october|november|december))\b"
)


# A software or form version ("template v4.2"), not an identifier of a person.
_VERSION = re.compile(r"(?i:v|ver|rev)\.?\d+(?:\.\d+)+")


def _looks_like_identifier(value: str) -> bool:
    """Identifiers carry digits ("MRN: pending" does not) and are not reference ranges ("13.5-17.5") or
    versions ("v4.2"), nor words of the sentence before a number ("MRN before 10:30", "chart number is 4")."""
    leading = _LEADING_WORD.match(value)
    return (
        any(ch.isdigit() for ch in value)
        and not _LEADING_FUNCTION_WORD.match(value)
        and not _NUMERIC_RANGE.match(value)
        and not _VERSION.fullmatch(value)
        and not (leading and is_everyday_word(leading.group(1).lower()) and len(value) - leading.end() < 4)
    )


# An everyday word that a value ran into after its label, before a short number: "MRN before 10:30".
_LEADING_WORD = re.compile(r"([A-Za-z]{4,}) ")
# A function word the value backtracked onto: "Chart number is 4 of 12" offers "is 4". (Not "in", "on",
# "me": state and province codes open licence numbers, "IN 123-45-6789".)
_LEADING_FUNCTION_WORD = re.compile(r"(?i:is|was|of|to|for|with|and|the|at) ")


_NAME_PART = re.compile(r"[^\s,]+")


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A labelled name without the everyday words in capitals that it ran into: "PT ENROLLED, TEMPLATE X"
    or "GIRLFRIEND YESENIA EXPECTING" (a census name such as "GRACE" or "HOPE" is kept)."""
    words = [(m.start(), m.end()) for m in _NAME_PART.finditer(text, start, end)]

    def ordinary(span: tuple[int, int]) -> bool:
        word = text[span[0] : span[1]]
        return word.isupper() and is_everyday_word(word) and word not in census_words()

    while words and ordinary(words[-1]):
        words.pop()
    while words and ordinary(words[0]):
        words.pop(0)
    return (words[0][0], words[-1][1]) if words else (start, start)


def _bare_date_score(found: Any, text: str) -> float:
    """How likely a bare month/day is a date: never when an amount or a score surrounds it ("from 1/2 tab",
    "pain 9/10"), likely after a date word ("seen on 3/14"), otherwise when it could not be a small fraction
    ("11/07", "6/24" but not "3/4")."""
    month, day = int(found.match.group("month")), int(found.match.group("day"))
    before, after = text[max(0, found.start - 24) : found.start], text[found.end : found.end + 12]
    if _AMOUNT_AFTER.match(after) or _SCORE_AFTER.match(after) or _SCORE_BEFORE.search(before[-16:]):
        return 0.3  # an amount or a score, whatever words come before it
    if _DATE_CONTEXT.search(before) or _CLOCK_TIME_AFTER.match(after):
        return 0.8
    # Fractions are never zero-padded: "04/03" is a date, "4/3" may be a ratio.
    padded = found.match.group(0).startswith("0") or "/0" in found.match.group(0)
    return 0.3 if month < 5 and day < 5 and not padded else 0.55


_LIST_CONTINUATION = re.compile(rf"[ \t]*(?:,[ \t]*(?:and|&)?|;|and|&)[ \t]*{_ID}")


# Two labels sharing one colon and two values sharing one slash, as registration systems print them:
# "ACCT/MRN: 60119283/00552817", "MRN/FIN: 00733419 / 5566120014", "Patient ID / Specimen ID: A / B".
_PAIR_LABEL = r"[A-Za-z][A-Za-z .#'-]{0,24}?"
_PAIR_VALUE = r"[A-Z0-9](?:[A-Z0-9]|[-.](?=[A-Z0-9])){3,24}"
_PAIRED = re.compile(
    rf"(?<![\w/])(?P<first>{_PAIR_LABEL})[ \t]*/[ \t]*(?P<second>{_PAIR_LABEL})[ \t]*[:#][ \t]*"
    rf"(?P<one>{_PAIR_VALUE})[ \t]*/[ \t]*(?P<two>{_PAIR_VALUE})\b",
    re.IGNORECASE,
)
# Identifier labels on their own, for naming each half of a pair ("MRN", "Acct", "Specimen ID").
_LABEL_ALONE = [
    (pattern.category, re.compile(rf"{pattern.label}(?:[ \t]*(?:#|no\.?|ID))?", re.IGNORECASE))
    for pattern in LABELED_PATTERNS
    if pattern.value == _ID
]
# Scored above a plain label's value, so the two halves win over "60119283/00552817" read as one value.
_PAIR_SCORE = 0.92


def _paired_values(text: str) -> list[RecognizerResult]:
    """Each value of a label pair under its own label's category (see :data:`_PAIRED`)."""
    results = []
    for match in _PAIRED.finditer(text):
        categories = [_label_category(match.group(label).strip()) for label in ("first", "second")]
        for category, group in zip(categories, ("one", "two"), strict=True):
            if category is not None and _looks_like_identifier(match.group(group)):
                results.append(
                    _result(category, *match.span(group), _PAIR_SCORE, LabeledValueRecognizer.NAME)
                )
    return results


def _label_category(label: str) -> PhiCategory | None:
    """The category of the identifier a whole label names ("Acct" gives ACCOUNT_NUMBER), or None."""
    for category, regex in _LABEL_ALONE:
        if regex.fullmatch(label):
            return category
    return None


def _continues_list(value: str) -> bool:
    """Whether a value after a comma or semicolon is another identifier of the list. Its first word must
    hold a digit: "; compliance 91%" and "; BIN 610014" start a new item with its own word or label."""
    return _looks_like_identifier(value) and any(char.isdigit() for char in value.split()[0])


class LabeledValueRecognizer(EntityRecognizer):
    """The value after a label, for every :data:`LABELED_PATTERNS` entry."""

    NAME = "labeled"

    def __init__(self) -> None:
        # The value may not start inside a word, so "accessionIdentifier X1" backtracks from the label
        # "accession" (value "Identifier") to "accession identifier" (value "X1"); digits may follow a
        # label directly ("MRN00482913").
        value_start = r"(?:(?<![A-Za-z])|(?=\d))"
        self._compiled = [
            (pattern, re.compile(rf"{pattern.label}{aside}(?i:{_SEP}){value_start}{pattern.value}"))
            for pattern in LABELED_PATTERNS
            # A name after an aside ("the patient for this is Grace") is too often not a name.
            for aside in (("", _ASIDE) if pattern.category is not PhiCategory.NAME else ("",))
        ]
        super().__init__(
            supported_entities=sorted({p.category.value for p in LABELED_PATTERNS}), name="labeled"
        )

    def load(self) -> None:
        """Nothing to load: the patterns are compiled in the constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        """Every labelled value in ``text``."""
        results = []
        for pattern, regex in self._compiled:
            if pattern.category.value not in entities:
                continue
            position = 0
            while (match := regex.search(text, position)) is not None:
                start, end = match.span("value")
                position = start
                if pattern.category is PhiCategory.NAME:
                    start, end = _trim_name(text, start, end)
                elif pattern.category in _PLACES:
                    if not _could_be_place(text[start:end]):
                        position = match.start() + 1
                        continue
                else:
                    end = start + len(text[start:end].rstrip(" .-/"))
                    if not _looks_like_identifier(text[start:end]):
                        # The rejected value may be the next label ("PPO, MEMBER X1"), and a parenthesis
                        # skipped as a separator may hold one ("chart (MRN 0044182276) with"): search on
                        # from just after this label.
                        position = match.start() + 1
                        continue
                if start < end:
                    results.append(_result(pattern.category, start, end, pattern.score, self.NAME))
                    results += self._listed_after(text, end, pattern)
        return results + _paired_values(text)

    def _listed_after(self, text: str, position: int, pattern: LabeledPattern) -> list[RecognizerResult]:
        """Values listed after the first under one label: "ACCESSION: MCBC24-33091, MCBC24-33092"."""
        results = []
        while (more := _LIST_CONTINUATION.match(text, position)) is not None:
            value = more.group("value").rstrip(" .-/")
            if pattern.category is PhiCategory.NAME or not _continues_list(value):
                break
            start = more.start("value")
            results.append(_result(pattern.category, start, start + len(value), pattern.score, self.NAME))
            position = start + len(value)
        return results


class ShapeRecognizer(EntityRecognizer):
    """Identifiers recognisable by their shape alone."""

    NAME = "shapes"

    def __init__(self) -> None:
        entities = [
            PhiCategory.NAME,
            PhiCategory.STREET_ADDRESS,
            PhiCategory.CITY,
            PhiCategory.ZIP,
            PhiCategory.COUNTY,
            PhiCategory.FACILITY,
            PhiCategory.AGE_OVER_89,
            PhiCategory.PHONE,
            PhiCategory.EMAIL,
            PhiCategory.SSN,
            PhiCategory.VEHICLE_ID,
            PhiCategory.HEALTH_PLAN_ID,
        ]
        super().__init__(supported_entities=[entity.value for entity in entities], name=self.NAME)

    def load(self) -> None:
        """Nothing to load."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        """Every shaped identifier in ``text``."""
        found: list[RecognizerResult] = []
        simple = (
            (PhiCategory.STREET_ADDRESS, _STREET, 0.9),
            (PhiCategory.COUNTY, _COUNTY, 0.85),
            (PhiCategory.PHONE, _PHONE, 0.7),
            (PhiCategory.PHONE, _INTL_PHONE, 0.6),
            (PhiCategory.EMAIL, _EMAIL, 0.9),
            (PhiCategory.ZIP, _FOREIGN_POSTCODE, 0.6),
            (PhiCategory.ZIP, _STATE_ZIP, 0.7),
            (PhiCategory.SSN, _SSN, 0.6),
            (PhiCategory.VEHICLE_ID, _VIN, 0.6),
            (PhiCategory.HEALTH_PLAN_ID, _MBI, 0.6),
            (PhiCategory.DEVICE_ID, _UDI, 0.9),
        )
        for category, regex, score in simple:
            found += [_result(category, m.start(), m.end(), score, self.NAME) for m in regex.finditer(text)]
        found += _facility_results(find_facilities(text))
        found += [
            _result(PhiCategory.CITY, start, end, 0.6, self.NAME) for start, end in find_city_mentions(text)
        ]
        found += _initials(text, self.NAME) + _unlabeled_ids(text, self.NAME)
        found += [
            _result(category, start, end, score, self.NAME)
            for finder in _LAYOUT_FINDERS
            for category, start, end, score in finder(text)
        ]
        for regex, score in ((_TITLE_NAME, 0.85), (_SIGNATURE_NAME, 0.85), (_NAME_WITH_INITIAL, 0.6)):
            found += [
                _result(PhiCategory.NAME, *m.span("value"), score, self.NAME) for m in regex.finditer(text)
            ]
        found += [
            _result(PhiCategory.NAME, start, end, 0.6, self.NAME) for start, end in find_census_names(text)
        ]
        found += [
            _result(PhiCategory.NAME, start, end, 0.6, SURNAME_FIRST_RECOGNIZER)
            for start, end in find_surname_first_names(text, _could_be_given_or_surname)
        ]
        found += _facility_results(find_venues(text))
        for street in _STREET.finditer(text):
            tail = _ADDRESS_TAIL.match(text, street.end())
            if tail:
                found.append(_result(PhiCategory.CITY, *tail.span("city"), 0.8, self.NAME))
                found.append(_result(PhiCategory.ZIP, *tail.span("zip"), 0.9, self.NAME))
        for match in _CITY_STATE_ZIP.finditer(text):
            found.append(_result(PhiCategory.CITY, *match.span("city"), 0.8, self.NAME))
            if match.group("zip"):
                found.append(_result(PhiCategory.ZIP, *match.span("zip"), 0.9, self.NAME))
        found += [
            _result(PhiCategory.ZIP, *m.span("zip"), 0.9, self.NAME) for m in _ZIP_LABELED.finditer(text)
        ]
        found += [_result(PhiCategory.NAME, *m.span(), 0.85, self.NAME) for m in _HL7_NAME.finditer(text)]
        for regex, check, score in ((_DEA, _valid_dea, 0.85), (_TEN_DIGITS, _valid_npi, 0.7)):
            found += [
                _result(PhiCategory.LICENSE_NUMBER, *m.span(), score, self.NAME)
                for m in regex.finditer(text)
                if check(m.group(0))
            ]
        for match in _HL7_CITY_ZIP.finditer(text):
            found.append(_result(PhiCategory.CITY, *match.span("city"), 0.85, self.NAME))
            found.append(_result(PhiCategory.ZIP, *match.span("zip"), 0.9, self.NAME))
        found += [
            _result(PhiCategory.AGE_OVER_89, start, end, score, self.NAME)
            for start, end, score in find_ages_over_89(text)
        ]
        return [result for result in found if result.entity_type in entities]


# The name one-known-half "Last, First" matches are reported under: weak evidence, so clinical eponym
# lists ("Ivor Lewis, Roux-en-Y, Nissen") overrule it as they overrule NER.
SURNAME_FIRST_RECOGNIZER = "surname_first"


def _could_be_given_or_surname(word: str) -> bool:
    """An unknown word that could still be a name: four letters or more with a vowel, not a credential
    ("LPN", "LCSW", "LICSW") nor a word with inner capitals ("PharmD", "MyChart")."""
    letters = word.replace("-", "").replace("'", "")
    if len(letters) < 4 or not re.search(r"[AEIOUYaeiouy\u00c0-\u00ff]", letters):
        return False
    if re.fullmatch(rf"(?i:{_CREDENTIAL})", word):
        return False
    return not re.search(r"[a-z][A-Z]", word)


def _facility_results(spans: list[FacilitySpan]) -> list[RecognizerResult]:
    return [_result(PhiCategory.FACILITY, start, end, score, name) for start, end, score, name in spans]


def _initials(text: str, name: str) -> list[RecognizerResult]:
    """A person's initials in the places documents put them (see :data:`_INITIALS_TAG`)."""
    found = []
    for regex in (_INITIALS_LABELED, _INITIALS_TAG, _INITIALS_SIGNOFF, _INITIALS_ENTRY):
        for match in regex.finditer(text):
            groups = [group for group in ("value", "typist") if match.groupdict().get(group)]
            if all(_could_be_initials(match.group(group)) for group in groups):
                found += [_result(PhiCategory.NAME, *match.span(group), 0.7, name) for group in groups]
    return found


def _could_be_initials(letters: str) -> bool:
    lower = letters.lower()
    return lower not in _NOT_INITIALS and lower not in clinical_vocabulary() and not is_everyday_word(lower)


# An image file named after a face photograph somewhere earlier in its line: "IDENTIFICATION PHOTO (FULL
# FACE) ON MAR: PVN-RES-PHOTO-0419.JPG", "full-face ... views, stored as IMG_2231.JPG and IMG_2232.JPG".
# A wound or rash picture ("pic attached (rash_arm.jpg)") is no identifier and has no such words.
_FACE_PHOTO_FILE = re.compile(
    r"(?i:full[- ]face|facial|headshot|portrait|(?:identification|id|client|patient|resident|chart) photo)"
    r"[^\n]{0,80}?(?<![\w.-])(?P<value>[A-Z0-9][\w.-]*\.(?i:jpe?g|png|tiff?|heic|bmp|gif))\b"
)


def _unlabeled_ids(text: str, name: str) -> list[RecognizerResult]:
    """Identifiers whose shape gives them away without a label: barcodes, case and donation numbers,
    face photographs' file names."""
    found = [_result(PhiCategory.MRN, *m.span("value"), 0.6, name) for m in _BARCODE.finditer(text)]
    found += _face_photo_files(text, name) + _distant_labeled_ids(text, name)
    found += [
        _result(PhiCategory.MRN, *m.span("value"), 0.8, name)
        for m in _NUMBER_BEFORE_RECORD_LABEL.finditer(text)
        if _looks_like_identifier(m.group("value"))
    ]
    found += _facility_acronym_numbers(text, name)
    for regex in (_CASE_NUMBER, _DONATION_NUMBER):
        found += [
            _result(PhiCategory.OTHER_ID, *m.span(), 0.6, name)
            for m in regex.finditer(text)
            if not _PRODUCT_CODE_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
        ]
    return found


# A record number before its label: "2210874 is her MRN", "00551823 being his medical record number",
# "2022/008137 - that's the MRN".
_NUMBER_BEFORE_RECORD_LABEL = re.compile(
    r"(?<![\w/.-])(?P<value>(?=(?:[A-Z-]*\d){4})[A-Z0-9](?:[A-Z0-9]|[-./_](?=[A-Z0-9])){3,24})"
    r"[ \t]*(?:[-\u2013,][ \t]*)?(?i:is|was|being|=|that'?s|that is)[ \t]+"
    r"(?i:(?:her|his|their|the|my|our|its|(?:pt|patient)'s)[ \t]+)?"
    r"(?i:(?:real|correct|current|new|old)[ \t]+)?"
    r"(?i:MRN|M\.R\.N\.?|med(?:ical)? rec(?:ord)?(?: number| no\.?| #)?|chart (?:number|no\.?|#))(?![\w])"
)


# A facility's acronym with "#" and the patient's number there: "NTCI #0047193", "BVMC # 2291874",
# "WCMC# 6630418". Acronyms that are labels of their own ("RX #", "JOB#", "CPT #", "BB#") are not facilities.
_ACRONYM_NUMBER = re.compile(
    r"(?<![\w#/-])(?P<facility>(?-i:[A-Z]{3,6}))[ \t]?#[ \t]?(?P<value>\d{5,12})\b(?![-/.]\d)"
)
_NOT_FACILITY_ACRONYMS = frozenset(
    """MRN MRNS ACC ACCT FIN CSN HAR ENC ORD REQ RX DOC JOB DEA NPI LIC CDL LOT REF CAT SPM REG UNIT CASE
    ROOM BED CPT ICD NDC HCPCS LOINC SSN MBI HIC HICN GRP MPI EMPI UHID VIN UDI UNOS DOB BIN PCN PIN EXT TEL
    FAX APT STE CLIA CAP TIN EIN NCT IRB KIT BOX RACK TUBE SLIDE BLOCK ITEM PART SKU MODEL SER SERIAL PAGE
    CLAIM AUTH PRIOR POLICY MEMBER GROUP PLAN CARD BATCH RUN QC PO INV TAG BADGE EMP USER ACCN FORM REV VER
    ORDER TRACK CALL""".split()
)


def _facility_acronym_numbers(text: str, name: str) -> list[RecognizerResult]:
    """A patient's number at a facility named by its acronym (see :data:`_ACRONYM_NUMBER`): the number is
    MRN and the acronym FACILITY, unless the acronym is a label, a clinical abbreviation or a word."""
    found = []
    for match in _ACRONYM_NUMBER.finditer(text):
        acronym = match.group("facility")
        lower = acronym.lower()
        if acronym in _NOT_FACILITY_ACRONYMS or lower in clinical_vocabulary() or is_everyday_word(lower):
            continue
        found.append(_result(PhiCategory.MRN, *match.span("value"), 0.7, name))
        found.append(_result(PhiCategory.FACILITY, *match.span("facility"), 0.6, name))
    return found


def _face_photo_files(text: str, name: str) -> list[RecognizerResult]:
    """Every image file name after a face-photo cue in its line (see :data:`_FACE_PHOTO_FILE`), named as
    a face photo itself, or followed by a full-face cue; and face-photo IDs (see :data:`_FACE_IMAGE_ID`)."""
    found = []
    for cue in _FACE_PHOTO_FILE.finditer(text):
        line_end = text.find("\n", cue.start())
        line_end = len(text) if line_end < 0 else line_end
        for file in _IMAGE_FILE.finditer(text, cue.start("value"), line_end):
            found.append(_result(PhiCategory.PHOTO_REFERENCE, *file.span(), 0.8, name))
    for file in _IMAGE_FILE.finditer(text):
        after = text[file.end() : file.end() + 30]
        if _FACE_FILE_NAME.search(file.group(0)) or _FACE_CUE_AFTER.match(after):
            found.append(_result(PhiCategory.PHOTO_REFERENCE, *file.span(), 0.8, name))
    for match in _PHOTO_SHAPED_ID.finditer(text):
        found.append(_result(PhiCategory.PHOTO_REFERENCE, *match.span(), 0.7, name))
    for line in _FACE_PHOTO_LINE.finditer(text):
        for match in _FACE_IMAGE_ID.finditer(text, line.start(), line.end()):
            found.append(_result(PhiCategory.PHOTO_REFERENCE, *match.span("value"), 0.75, name))
    return found


# A file named as a face picture ("selfie_20241002.heic", "mom_face_0611.jpg", "CDA_0302_FACE01.jpg").
_FACE_FILE_NAME = re.compile(r"(?i:(?<![a-z])(?:face|facial|selfie|portrait|headshot|mugshot)(?![a-z]))")
# A full-face cue right after the file ("IMG_0045.JPG, full face"; "IMG_0046.JPG (frontal face)").
_FACE_CUE_AFTER = re.compile(r"[ \t,;(\-]*(?i:full[- ]face|frontal face|face\b|facial)")
# An image ID built on PHOTO, FACE or PORTRAIT with a number: "PHOTO-SRI-558120", "BK-PHOTO-003381-F".
_PHOTO_SHAPED_ID = re.compile(
    r"\b(?:[A-Z0-9]+[-_])*(?:PHOTO|FACE|PORTRAIT)[-_](?=[A-Z0-9-_]*\d)[A-Z0-9]+(?:[-_][A-Z0-9]+)*\b"
)
# A line about a picture of the face kept for identity: "Secondary capture series 900 (face, for identity)
# is stored as SC image SC-2201847-0001". Wound, fundus and operative-field pictures have no such words.
_FACE_PHOTO_LINE = re.compile(
    r"^[^\n]*(?i:full[- ]face|facial (?:photo|image|picture)"
    r"|\bface\b[^\n]{0,20}identi|identi\w*[^\n]{0,20}\bface\b)"
    r"[^\n]*$",
    re.MULTILINE,
)
# In such a line, an ID after an image word: letters and digits, with at least one of each.
_FACE_IMAGE_ID = re.compile(
    r"\b(?i:image|photo(?:graph)?|capture|picture|file)(?i:[ \t]+(?:ID|#|no\.?))?[ \t:#]*"
    r"(?P<value>(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Z0-9][A-Z0-9]*(?:[-_][A-Z0-9]+)+)\b(?!\.\w)"
)
# A biometric or device label whose value comes later in the sentence: "Fingerprint ID on file for the
# e-prescribing token: FP-7719-3042", "iris scan ID for the medication cabinet is IRS-550183", "Device ID in
# the manufacturer registry: SJM-810442771". The value must hold a digit.
_BIOMETRIC_KINDS = (
    r"finger ?print|iris|retina|retinal|voice ?print|palm[- ]?vein|palm ?print|biometric|face ?print"
)
_DEVICE_KINDS = r"device|implant|pacemaker|ICD|defibrillator|pump|generator|transmitter|processor"
_DISTANT_LABEL = re.compile(
    rf"\b(?i:(?P<biometric>{_BIOMETRIC_KINDS})|{_DEVICE_KINDS})(?i:[ \t]+(?:scan|template|enrol+ment))?"
    r"[ \t]+(?i:ID|identifier|serial(?:[ \t]+number)?|S/?N)\b[^\n:#]{1,50}?(?::|#|\b(?i:is)\b)[ \t]*"
    r"(?P<value>(?=[\w-]*\d)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){4,24})\b"
)


def _distant_labeled_ids(text: str, name: str) -> list[RecognizerResult]:
    """Biometric and device identifiers introduced by a label earlier in the sentence (see
    :data:`_DISTANT_LABEL`)."""
    found = []
    for match in _DISTANT_LABEL.finditer(text):
        category = PhiCategory.BIOMETRIC_ID if match.group("biometric") else PhiCategory.DEVICE_ID
        found.append(_result(category, *match.span("value"), 0.8, name))
    return found


_IMAGE_FILE = re.compile(r"(?<![\w.-])[A-Z0-9][\w.-]*\.(?i:jpe?g|png|tiff?|heic|bmp|gif)\b", re.IGNORECASE)


class ClinicalDateRecognizer(EntityRecognizer):
    """Dates finer than a year, in every shape :mod:`records.dates` knows.

    A bare month/day ("3/14") is also a fraction or a ratio, so it scores low unless a date word precedes it.
    """

    NAME = "dates"

    def __init__(self) -> None:
        super().__init__(supported_entities=[PhiCategory.DATE.value], name=self.NAME)

    def load(self) -> None:
        """Nothing to load."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        """Every date in ``text``."""
        if PhiCategory.DATE.value not in entities:
            return []
        results = []
        for match in _RELATIVE_DATE.finditer(text):
            results.append(_result(PhiCategory.DATE, match.start(), match.end(), 0.6, self.NAME))
        for match in _ORDINAL_DAY.finditer(text):
            if not _PERCENTILE_AFTER.match(text, match.end()):
                results.append(_result(PhiCategory.DATE, *match.span("day"), 0.6, self.NAME))
        for match in _MONTH_ALONE.finditer(text):
            results.append(_result(PhiCategory.DATE, *match.span("month"), 0.6, self.NAME))
        for match in _HOLIDAY_DATE.finditer(text):
            group = "dated" if match.group("dated") else "holiday"
            results.append(_result(PhiCategory.DATE, *match.span(group), 0.6, self.NAME))
        for found in find_dates(text):
            if _DOCUMENT_DATE_BEFORE.search(text, max(0, found.start - 20), found.start):
                continue  # a form's revision or a leaflet's edition: nobody's date
            score = 0.95
            if found.shape == "md":
                score = _bare_date_score(found, text)
            elif found.shape == "compact":
                before = text[max(0, found.start - 24) : found.start]
                # An HL7 field ("|19450923|") holds a timestamp, not a count.
                in_field = before.endswith(("|", "^"))
                long_stamp = found.end - found.start > 8
                score = 0.8 if _DATE_CONTEXT.search(before) or long_stamp or in_field else 0.3
            results.append(_result(PhiCategory.DATE, found.start, found.end, score, self.NAME))
        return results
