"""Healthcare facility names: a facility word after capitalised name words ("Springfield General Hospital"),
hospital names US hospitals share ("TONAWANDA MERCY"), saints ("St. Luke's"), and the place after a care
verb ("seen at Harbor View"), less department and service names that any hospital has ("Device Clinic",
"Thoracic Surgery"). Finders return ``(start, end, score, recognizer name)``; the shape recognizer reports
them as FACILITY.
"""

from __future__ import annotations

import re

from records.lexicon import clinical_vocabulary, is_everyday_word
from records.patterns import STOPWORD

FacilitySpan = tuple[int, int, float, str]

# Facility words that are also everyday words ("Tyrone Memorial", "Hennepin Valley General", "Hollis Drug",
# "Bayside Optical", "Huron Urology Group", "Plains Diagnostic Lab", "Root Elementary", "High Plains ENT"):
# they end a facility name only after a word that is not an everyday one, so "Attorney
# General", "DENIES DRUGS" and "Regional" in a sentence stay.
_WEAK_FACILITY_WORDS = r"General|Memorial|Regional|Drugs?|Optical|Group|Lab|Academy|Elementary|ENT"
_FACILITY_WORDS = (
    r"Hospital|Hosp|Medical Center|Med Center|Med Ctr|Medical Centre|Clinic|Health System|Health Center"
    r"|Healthcare|Infirmary|Nursing Home|Nursing Center|Rehabilitation Center|Rehab Center|Surgery Center"
    r"|Surgical Center|Laboratories|Laboratory|Imaging Center|Imaging|Radiology|Pharmacy|Hospice"
    r"|Medical Group|Physicians Group|Cancer Center|Children's Hospital|Care Center|Urgent Care"
    r"|Family Practice|Family Medicine|Health Partners|Diagnostics|Heart Institute|Institute|Med|ER"
    r"|Center|Centre|Program|Labs|Services|Telehealth|Pediatrics|Dialysis|Kidney Care|Home Health"
    r"|Primary Care|Recuperative Care|Occupational Health|Behavioral Health|Women's Health|Associates"
    r"|Vascular|Consultants|Pavilion|Post-Acute|Health|Genomics|Rehab|Infusion|Partners|Specialists"
    r"|Manor|Home Care|Blood Bank|Internal Medicine|Emergency Department|Orthopa?edics|Physicians|Assoc"
    r"|VNA|Visiting Nurses?(?: Association)?|Apothecary|Senior Living|Assisted Living|Medical Supply"
    r"|Geriatrics|Audiology|Pathology"
    # Practices named after a specialty, funeral homes, ambulance districts, NHS trusts, and employers, which
    # a workers' compensation or occupational note names ("Palouse Grain Cooperative").
    r"|Dentistry|Dermatology|Midwifery|Funeral (?:Home|Chapel|Services?)|Mortuary|Cemetery"
    r"|Ambulance(?: District| Service)?|(?:NHS )?Foundation Trust|NHS Trust|Home Medical"
    # After "&" only: "Juniata Neurology & Sleep", not "OBSTRUCTIVE SLEEP APNEA".
    r"|(?<=& )(?:Sleep|Rhythm|Upper Extremity)"
    r"|Cooperative|Freight|Logistics|Inc\.?|LLC|Company|Corporation"
    r"|(?:Cardiology|Neurology|Oncology|Surgical|Dental|Eye|Orthopa?edic) Group"
)
# In capitals, "ADMITTED TO LAKESHORE GENERAL HOSPITAL": the verb and preposition are not the name.
_CARE_VERB = (
    r"(?i:admitted|seen|treated|transferred|discharged|referred|followed|evaluated|sent|called|faxed|"
    r"presented|visited|reviewed)\b"
)
# Capitalised name words before a facility word ("Springfield General Hospital", "ST. JUDE MEDICAL CENTER").
_FACILITY_NAME_WORD = r"[A-Z][A-Za-z'\u2019&.-]*"
# "&" joins name words ("Stillwater Heart & Vascular"); a saint's "Home" or "House" is a nursing home.
_FACILITY = re.compile(
    rf"\b(?:(?i:St\.?|Saint)[ \t]+)?(?:(?:(?!{STOPWORD}|{_CARE_VERB}){_FACILITY_NAME_WORD}|&)[ \t]+){{1,5}}"
    rf"(?P<head>(?i:{_FACILITY_WORDS}|{_WEAK_FACILITY_WORDS}))\b"
    r"|\b(?i:St\.?|Saint)[ \t]+[A-Z][A-Za-z'\u2019-]+(?:[ \t]+[A-Z][A-Za-z'\u2019-]+)?[ \t]+"
    r"(?i:Home|House|Villa)\b"
    rf"|\b(?i:{_FACILITY_WORDS})[ \t]+(?i:of)[ \t]+(?:[A-Z][A-Za-z'.-]*[ \t]?){{1,3}}"
)
_NOT_VENUES = (
    r"(?!(?:Front|Rest|Baseline|Discharge|Night|Home|Risk|Week|Day|Month|Time|Birth|Admission|Presentation|Bedside"
    r"|Least|Most|First|Last|Present|Diagnosis|Follow|This|That|These|Those|All|Any|Each|Her|His|Their|Our)\b)"
)
# "at Johns Hopkins on 03/14", "at UCSF,": a capitalised name after "at", then a date word or punctuation.
_AT_PLACE = re.compile(
    rf"\b(?i:at)[ \t]+(?:(?i:the)[ \t]+)?{_NOT_VENUES}"
    r"(?P<value>[A-Z][A-Za-z'\u2019&.-]+(?:[ \t](?:[A-Z][A-Za-z'\u2019&.-]*|&|of)){0,4})"
    r"(?=[ \t]+(?i:on|in|last|this|since|for|during)\b|[ \t]*[,.;:?)(]|[ \t]*$)",
    re.MULTILINE,
)
# Where care happened: "seen at UCSF", "admitted to Cedars-Sinai", "treated at Johns Hopkins on ...".
_VENUE = re.compile(
    r"\b(?i:seen|treated|tx'?d|admitted|evaluated|assessed|reviewed|observed|checked in|presented|operated|"
    r"hospitali[sz]ed|followed|diagnosed|examined|managed|referred|transferred|discharged)"
    r"(?:[ \t]+(?i:by[ \t]+\S+(?:[ \t]\S+)?))?[ \t]+(?i:at|to|in|from)[ \t]+(?:(?i:the)[ \t]+)?"
    r"(?P<value>(?:[A-Z][A-Za-z'\u2019&.-]*)(?:[ \t](?:[A-Z][A-Za-z'\u2019&.-]*|&|of)){0,4})"
)


# The name matches after a care verb or "at" are reported under ("seen at Harbor View last spring"): see
# :func:`is_proper_venue`.
VENUE_RECOGNIZER = "venue"
# Capitalised words after "seen at" that are still no place: calendar words, ward furniture, services.
_NOT_VENUE_WORDS = frozenset(
    """january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday today tonight home bedside floor ward triage consultation
    follow follow-up labor delivery step down recovery room bay suite office clinic""".split()
)


def is_proper_venue(value: str) -> bool:
    """Whether a place after a care verb is a proper name even though its words are everyday words: written
    in title case in running text ("seen at Harbor View", "transferred to Lakeside"), neither a department
    ("admitted to Internal Medicine") nor a calendar or ward word. Capitals say nothing in upper-case text."""
    words = re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", value)
    if not words or not all(word[0].isupper() and not word.isupper() for word in words):
        return False
    lower = [word.lower() for word in words]
    return not only_department_words(value) and not any(word in _NOT_VENUE_WORDS for word in lower)


# The name facility-word matches are reported under: a facility word ("Harbor Point Imaging") is evidence
# enough, even when the words before it are everyday words.
FACILITY_WORDS_RECOGNIZER = "facility_words"


def find_facilities(text: str, pos: int = 0, endpos: int | None = None) -> list[FacilitySpan]:
    """Facility names, less the words before a sentence break and runs of everyday or clinical words
    before the facility word ("HF CLINIC", "STARTED METHYLPHENIDATE ER", "TAB ONLY IF YOUR CLINIC"), and
    less department names ("Device Clinic", "REHAB SERVICES"). The words before a sentence break are
    searched again on their own: "FROM HOLLIS DRUG. EMERGENCY DEPARTMENT" names a pharmacy."""
    found = []
    endpos = len(text) if endpos is None else endpos
    for match in _FACILITY.finditer(text, pos, endpos):
        start, end = match.span()
        breaks = list(_SENTENCE_BREAK.finditer(text, start, end))
        if breaks:
            found += find_facilities(text, start, text.rindex(".", start, breaks[-1].end()))
            start = breaks[-1].end()
        if _names_a_facility(text[start:end], match.group("head")) and not _DOSE_AFTER.match(text, end):
            found.append((start, end, 0.8, FACILITY_WORDS_RECOGNIZER))
    # A shared name or a saint inside a longer match ("MERCY HEIGHTS DIALYSIS") is part of that name.
    inside = [
        named
        for named in _named_without_facility_word(text, pos, endpos)
        if not any(other[0] <= named[0] and named[1] <= other[1] for other in found)
    ]
    return found + inside


def _names_a_facility(value: str, head: str | None) -> bool:
    """Whether the words before the facility word name a place: not only ordinary or department words,
    and, before a weak facility word ("General", "Memorial", "Drug"), at least one word that is not an
    everyday word ("Tyrone Memorial", not "Attorney General" or "DENIES DRUG")."""
    if _only_ordinary_words(value) or only_department_words(value):
        return False
    if head is None or not re.fullmatch(_WEAK_FACILITY_WORDS, head, re.IGNORECASE):
        return True
    before = re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", value)[:-1]
    return any(len(word) > 3 and not is_everyday_word(word) for word in before)


def only_department_words(value: str) -> bool:
    """Whether every word is one that names a service or a kind of place ("Inpatient Pharmacy", "Heart
    Failure Clinic", "LONG-TERM ACUTE CARE HOSPITAL"): a department of any hospital, not which one."""
    words = re.findall(r"[a-z][a-z'\u2019-]*", value.lower())
    return all(_is_department_word(word) for word in words)


def _is_department_word(word: str) -> bool:
    return word in _DEPARTMENT_WORDS or word in _FUNCTION_WORDS or word.endswith(_SPECIALTY_ENDINGS)


# Specialties by their endings ("Thoracic Surgery", "Gastroenterology", "Psychiatry", "Orthopedics").
_SPECIALTY_ENDINGS = ("ology", "ologic", "iatry", "iatric", "ics", "surgery", "thoracic")


# Words of department and service names ("Device Clinic", "Patient Access Services", "the Wound Care
# Center"), kept apart from facility names made of them and a place word ("Platte Valley Home Health").
_DEPARTMENT_WORDS = frozenset(
    """outpatient outpatients inpatient ambulatory pediatric paediatric adult adolescent geriatric geriatrics
    women's children's infusion wound care sleep device heart failure anticoagulation transplant stroke
    dialysis home health reference core backup outside emergency department patient client
    protective service services hospital hospitalist medicine medical surgical surgery cardiac cardiology
    oncology hematology neurology pulmonary pulmonology rehab rehabilitation acute subacute sub-acute
    long-term short-term skilled nursing behavioral behavioural mental primary urgent diagnostic diagnostics
    imaging radiology laboratory lab labs clinic clinics center centre program unit step-down intensive
    critical general internal family practice specialty therapy physical occupational speech respiratory
    pharmacy drug drugs prescription monitoring treatment opioid transfer discharge admitting admissions
    scheduling access consult kidney renal liver cancer breast vascular orthopedic orthopaedic spine pain
    palliative hospice memory endocrinology diabetes procurement institute group associates partners
    physicians specialists consultants infirmary pathology audiology hearing supply equipment durable
    anatomic clinical intraoperative perioperative preoperative postoperative
    the a an of and or for""".split()
)
# Names that US hospitals share and that stand for the hospital alone ("seen at Mercy", "TONAWANDA MERCY",
# "Good Samaritan"), in title case or capitals; a capitalised place word before one belongs to it.
_CHARITABLE = (
    r"Mercy|Good Samaritan|Deaconess|Sacred Heart|Holy Cross|Good Shepherd|Holy Family|Holy Name"
    r"|Sisters of (?:Charity|Mercy)"
)
_CHARITABLE_NAME = re.compile(
    rf"(?:\b(?P<place>(?!{STOPWORD}|{_CARE_VERB})[A-Z][A-Za-z'\u2019.-]+)[ \t]+)?"
    rf"\b(?P<name>{_CHARITABLE}|{_CHARITABLE.upper()})\b"
)
# A saint's name with a full stop or spelled out, possessive or not ("St. Luke's", "ST. VINCENT ER",
# "Saint Brendan"), and in a patient's lower-case message after "at", "to" or "from" ("go to st francis").
# Street units after "St." ("Main St. Apt 4") and the herb, the dance and the fire are not facilities.
_SAINT_NAME = re.compile(
    r"\b(?:St\.|ST\.|Saint|SAINT)[ \t]+(?!(?i:Apt|Apartment|Suite|Ste|Unit|Room|Rm|Floor|Fl|Bldg)\b)"
    r"[A-Z][A-Za-z]{2,}(?:['\u2019][sS])?\b(?!['\u2019])(?![ \t]+(?i:wort|dance|fire)\b)"
    r"|(?:(?<=\bat )|(?<=\bto )|(?<=\bfrom )|(?<=\bin ))(?:st\.?|saint)[ \t]+[a-z]{3,}(?:'s)?\b(?!')"
    r"(?![ \t]+(?:wort|dance|fire)\b)"
)


def _named_without_facility_word(text: str, pos: int, endpos: int) -> list[FacilitySpan]:
    """Facility names that carry no facility word: shared hospital names, with the place word before them
    unless it is an everyday word ("TONAWANDA MERCY", not "FROM MERCY" or "Seen Mercy"), and saints."""
    found = []
    for match in _CHARITABLE_NAME.finditer(text, pos, endpos):
        place = match.group("place")
        start = match.start("name") if place is None or is_everyday_word(place.rstrip(".")) else match.start()
        found.append((start, match.end(), 0.7, FACILITY_WORDS_RECOGNIZER))
    found += [(*m.span(), 0.7, FACILITY_WORDS_RECOGNIZER) for m in _SAINT_NAME.finditer(text, pos, endpos)]
    return found


# "METHYLPHENIDATE ER 18 MG": a dose after the "facility" makes it a drug's formulation.
_DOSE_AFTER = re.compile(r"[ \t]+\d+(?:\.\d+)?[ \t]*(?i:mg|mcg|g|ml|units?)\b")
# The end of a sentence inside a run of capitalised words: a word of three or more letters, a full stop.
_SENTENCE_BREAK = re.compile(r"[A-Za-z]{3,}\.[ \t]+")


def _only_ordinary_words(value: str) -> bool:
    """Whether the words before the facility word say nothing about a place: abbreviations, function words
    and clinical terms ("HF CLINIC", "TAB ONLY IF YOUR CLINIC"), or a drug before "ER" (extended release)."""
    words = re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", value)
    *before, last = words
    if last.upper() == "ER" and before and _is_clinical_term(before[-1]):
        return True
    return all(
        len(word) <= 3 or word.lower() in _FUNCTION_WORDS or _is_clinical_term(word) for word in before
    )


_FUNCTION_WORDS = frozenset(
    "only if your my our their his her its this that these those any all some no not plus per than then also"
    " please call see when where which who".split()
)


def _is_clinical_term(word: str) -> bool:
    """A word of clinical text that is not an everyday word: a drug, a disease, a procedure."""
    return word.lower() in clinical_vocabulary() and not is_everyday_word(word)


def find_venues(text: str) -> list[FacilitySpan]:
    """Places where care happened, named after a care verb ("seen at UCSF", "admitted to Cedars-Sinai") or
    after "at" before a date word or punctuation ("at Johns Hopkins on 03/14")."""
    return [
        (*match.span("value"), score, VENUE_RECOGNIZER)
        for regex, score in ((_VENUE, 0.7), (_AT_PLACE, 0.6))
        for match in regex.finditer(text)
    ]
