"""De-identification of clinical text: detect the 18 Safe Harbor identifier kinds, replace them with the
case's surrogates, and certify the result for model use.

Presidio is the engine: spaCy NER (names, places, organisations) plus our clinical recognizers
(:mod:`records.recognizers`). Upper-case lines are re-cased for the NER pass only (same length, so offsets
hold), clinical eponyms and scores are allowed through, and overlapping detections are resolved to the
most confident, longest one. :func:`certify` is the one gate every model-bound text passes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from records.facilities import (
    FACILITY_WORDS_RECOGNIZER,
    VENUE_RECOGNIZER,
    is_proper_venue,
    only_department_words,
)
from records.lexicon import clinical_vocabulary, common_words, is_everyday_word
from records.offsets import OffsetMap
from records.patterns import US_STATES
from records.phi import PhiCategory
from records.recognizers import SURNAME_FIRST_RECOGNIZER
from records.vault import PhiVault

# Part of every certified text's seal: a document certified by an earlier engine is certified again by this
# one when its case next runs (pipeline.stages.needs_certifying). deid-2: the dev9 and dev10 rounds.
ENGINE_VERSION = "deid-2"
# Chosen on the dev splits (see evals/deid): the lowest score our recognizers give a confident detection.
DEFAULT_THRESHOLD = 0.5
# spaCy reads at most a million characters at once and its memory grows with the text: long records are
# analysed in windows (cut between lines, so no identifier is split); repeats are then found across all.
WINDOW_CHARS = 50_000
SPACY_MODEL = "en_core_web_sm"
_SPACY_CONFIGURATION = {
    "nlp_engine_name": "spacy",
    "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
}

# spaCy entity labels (through Presidio) and what they are to us. ORGANIZATION counts only when it names a
# care facility (checked below); DATE_TIME from spaCy is left to our own date recognizer, which does not
# take durations ("3 days") for dates.
_NER_CATEGORIES = {
    "PERSON": PhiCategory.NAME,
    "LOCATION": PhiCategory.CITY,
    "ORGANIZATION": PhiCategory.FACILITY,
}
_PRESIDIO_CATEGORIES = {
    "EMAIL_ADDRESS": PhiCategory.EMAIL,
    "IP_ADDRESS": PhiCategory.IP_ADDRESS,
    "URL": PhiCategory.URL,
}
_FACILITY_HINT = re.compile(
    r"(?i)hospital|clinic(?!al)|medical|health (?:system|center|centre)|healthcare|care center|infirmary"
    r"|hospice|pharmacy|laborator|imaging|radiology|institute|nursing"
)
# Drug names look like names and places to NER; their stems give most of them away.
_DRUG_STEM = re.compile(
    r"(?i)(?:pril|sartan|olol|statin|mab|nib|zole|floxacin|cillin|mycin|azepam|oxetine|pine|gliflozin|gliptin"
    r"|parin|xaban|gatran|afil|tidine|prazole|dronate|lukast|triptan|vir|cycline|semide|thiazide|formin"
    r"|glutide|lamide|profen|coxib|codone|morphone|azine|apine|idone|terol|sonide|asone|olone|barb|caine"
    r"|dipine|osin|traline|afaxine|tiapine|peridone|ipramine|triptyline|setron|gabalin|tretinoin)$"
)
# Organisations that are not places of care, though their names may say "medical" ("the Medical Executive
# Committee", "American Heart Association").
_NOT_FACILITY = re.compile(r"(?i)\b(?:committee|board|council|society|association|college|foundation)\b")

# Clinical words and eponyms that NER takes for names or places. Phrases are matched case-insensitively
# and a detection wholly inside one is dropped; single words are dropped when they are the whole detection.
ALLOWED_PHRASES = (
    r"bell'?s palsy",
    r"parkinson'?s?(?: disease)?",
    r"crohn'?s?(?: disease)?",
    r"foley(?: catheter)?",
    r"gleason(?: score)?(?: \d\s*\+\s*\d(?:\s*=\s*\d+)?)?",
    r"hba1c(?: \d+(?:\.\d+)?%?)?",
    r"hodgkin'?s?(?: lymphoma)?",
    r"graves'?(?: disease)?",
    r"addison'?s?(?: disease)?",
    r"cushing'?s?(?: syndrome| disease)?",
    r"alzheimer'?s?(?: disease)?",
    r"hashimoto'?s?(?: thyroiditis)?",
    r"wilms'?(?: tumou?r)?",
    r"epstein[- ]barr",
    r"swan[- ]ganz",
    r"whipple(?: procedure)?",
    r"nissen(?: fundoplication)?",
    r"babinski(?: sign)?",
    r"glasgow coma scale",
    r"apgar(?: score)?",
    r"barrett'?s(?: esophagus)?",
    r"bence[- ]jones",
    r"kaposi'?s?",
    r"raynaud'?s?",
    r"sj[oö]gren'?s?",
    r"tourette'?s?",
    r"huntington'?s?",
    r"guillain[- ]barr[eé]",
    r"m[eé]ni[eè]re'?s?",
    r"paget'?s?",
    r"wernicke'?s?",
    r"korsakoff'?s?",
    r"marfan'?s?",
    r"down'?s? syndrome",
    r"turner'?s? syndrome",
    r"kawasaki(?: disease)?",
    r"osgood[- ]schlatter",
    r"colles'?(?: fracture)?",
    r"smith'?s? fracture",
    r"baker'?s? cyst",
    r"murphy'?s? sign",
    r"mcburney'?s? point",
    r"homan'?s? sign",
    r"romberg(?: sign| test)?",
    r"tinel'?s?(?: sign)?",
    r"phalen'?s?(?: test)?",
    r"lachman(?: test)?",
    r"mallampati(?: class)?",
    r"bi-?rads(?: \d\w?)?",
    r"tnm",
    r"karnofsky",
    r"ecog",
    r"nyha(?: class)?",
    r"child[- ]pugh",
    r"meld",
    r"wells(?: score| criteria)",
    r"chads2?-?vasc",
    r"heart score",
    r"grace score",
    r"timi(?: score)?",
    r"coumadin",
    r"doppler",
    r"zoloft",
    r"spiriva",
    r"advil",
    r"motrin",
    r"keppra",
    r"synthroid",
    r"plavix",
    r"januvia",
    r"jardiance",
    r"ozempic",
    r"humira",
    r"keytruda",
    r"prozac",
    r"lexapro",
    r"seroquel",
    r"neurontin",
    r"flomax",
    r"protonix",
    r"non-hodgkin'?s?",
    r"lou gehrig'?s?(?: disease)?",
    r"von willebrand(?: disease| factor)?",
    r"chaddock(?: sign)?",
    r"framingham(?: risk)?(?: score)?",
    r"covid(?:-19)?",
    r"medicare",
    r"medicaid",
    r"horner'?s?(?: syndrome)?",
    r"tylenol",
    r"lasix",
    r"ativan",
    r"xanax",
    r"zofran",
    r"norco",
    r"lipitor",
    r"eliquis",
    r"xarelto",
    # Procedures, tools and criteria named after people.
    r"ivor[- ]lewis",
    r"hartmann'?s?(?: procedure| pouch)?",
    r"roux[- ]en[- ]y",
    r"billroth(?: i{1,2})?",
    r"kocher(?: maneuver| incision)?",
    r"trendelenburg",
    r"valsalva",
    r"seldinger",
    r"heimlich",
    r"beers(?: criteria| list)?",
    r"tinetti",
    r"mini-?cog",
    r"moca",
    r"vanderbilt(?: adhd)?(?: (?:teacher|parent))?(?: rating)?(?: scales?| assessment)",
    r"kellgren[- ]lawrence",
    r"bosniak(?: \d\w?)?",
    r"modic(?: type \d)?",
    r"tarlov(?: cyst)?",
    # Decision rules, scores and formulas named after places and people (dev9 and dev10 false positives).
    r"ottawa(?: (?:ankle|knee|foot|sah|subarachnoid))*(?: and (?:ankle|knee|foot))?(?: rules?)?",
    r"san francisco syncope rule",
    r"canadian (?:c-spine|ct head) rule",
    r"pecarn",
    r"glasgow[- ]blatchford(?: score)?",
    r"rockall(?: score)?",
    r"finnegan(?: scores?| scale)?",
    r"calvert(?: formula)?",
    r"cockcroft[- ]gault",
    r"leipzig(?: score| criteria)?",
    r"bethesda (?:category )?(?:i{1,3}|iv|vi?)",  # a thyroid cytology category; Bethesda alone is a city
    r"braden(?: scale| score)?",
    r"seidel(?: test| sign)?",
    r"graves'? disease",  # Graves alone is a surname
    r"addison'?s? disease",
    r"lynch syndrome",
    r"medicalert",
    # Record systems and languages that NER reads as places.
    r"epic|cerner|meditech|athenahealth|allscripts",
    r"tigrinya|amharic|somali|hmong|pashto|dari|tagalog|haitian creole|cantonese|mandarin",
    r"biktarvy|n?stemi|sarcoid(?:osis)?|polymyalgia(?: rheumatica)?|neurosurg(?:ery)?",
)
_ALLOWED = re.compile(r"\b(?:" + "|".join(ALLOWED_PHRASES) + r")\b", re.IGNORECASE)
_NOT_NAMES = frozenset(
    """patient pt history plan assessment impression diagnosis findings exam physical discharge admission
    summary report note chief complaint allergies medications labs vitals review systems procedure pathology
    radiology consult consultation progress nursing signed date dob mrn ssn hpi ros bid tid qid prn po iv im
    sq ecg ekg ct mri cbc bmp cmp cxr copd chf cad htn dm ckd uti dvt pe mi cva tia gerd ards icu ed er or
    pacu nicu left right bilateral normal negative positive stable unremarkable none denies dr md do rn np pa
    mr mrs ms dispo handoff escort tel fax""".split()
)
_NOT_PLACES = US_STATES | {"usa", "us", "u.s.", "america", "united states"}


class DeidSpan(BaseModel):
    """One identifier found in the original text and what replaced it."""

    start: int
    end: int
    category: PhiCategory
    surrogate: str
    score: float
    recognizer: str


class DeidResult(BaseModel):
    """De-identified text and the spans replaced (offsets into the original text)."""

    text: str
    spans: list[DeidSpan]


@dataclass(frozen=True)
class Detection:
    """An identifier found in the text."""

    start: int
    end: int
    category: PhiCategory
    score: float
    recognizer: str


class Deidentifier:
    """Finds and replaces PHI. Build once per process (it loads spaCy); :func:`default_deidentifier` does."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._analyzer = _build_analyzer()
        self._entities = sorted(
            {category.value for category in PhiCategory} | set(_NER_CATEGORIES) | set(_PRESIDIO_CATEGORIES)
        )

    def detect(self, text: str) -> list[Detection]:
        """Non-overlapping identifiers in ``text``, in order."""
        if not text.strip():
            return []
        detections = [
            Detection(d.start + offset, d.end + offset, d.category, d.score, d.recognizer)
            for offset, window in text_windows(text, WINDOW_CHARS)
            for d in self._detect_window(window)
        ]
        allowed = [match.span() for match in _ALLOWED.finditer(text)]
        kept = [d for d in detections if not _is_allowed(d, allowed)]
        return resolve_overlaps(kept + repeated_mentions(text, kept))

    def _detect_window(self, text: str) -> list[Detection]:
        # NER reads a re-cased copy and our patterns a copy with OCR's letters in numbers read as digits
        # (both the same length, so offsets hold).
        nlp_artifacts = self._analyzer.nlp_engine.process_text(recase_upper_lines(text), "en")
        raw = self._analyzer.analyze(
            text=ocr_digits(text),
            language="en",
            entities=self._entities,
            score_threshold=self.threshold,
            nlp_artifacts=nlp_artifacts,
        )
        return [d for d in (_to_detection(result, text) for result in raw) if d is not None]

    def deidentify(self, text: str, vault: PhiVault) -> DeidResult:
        """``text`` with every identifier replaced by the case's surrogate."""
        spans = [
            DeidSpan(
                start=d.start,
                end=d.end,
                category=d.category,
                surrogate=vault.surrogate(d.category, text[d.start : d.end]),
                score=round(d.score, 3),
                recognizer=d.recognizer,
            )
            for d in self.detect(text)
        ]
        return DeidResult(text=apply_spans(text, spans), spans=spans)


def text_windows(text: str, size: int) -> list[tuple[int, str]]:
    """``text`` in consecutive windows of at most ``size`` characters, cut at a blank line, else a line end,
    else a space, so no identifier is split; with each window's offset."""
    windows, start = [], 0
    while start < len(text):
        end = len(text) if len(text) - start <= size else _window_end(text, start, size)
        windows.append((start, text[start:end]))
        start = end
    return windows


def _window_end(text: str, start: int, size: int) -> int:
    for separator in ("\n\n", "\n", " "):
        position = text.rfind(separator, start + size // 2, start + size)
        if position > start:
            return position + len(separator)
    return start + size


def apply_spans(text: str, spans: list[DeidSpan]) -> str:
    """``text`` with each span's characters replaced by its surrogate (spans sorted, not overlapping)."""
    pieces, position = [], 0
    for span in spans:
        pieces += [text[position : span.start], span.surrogate]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def resolve_overlaps(detections: list[Detection]) -> list[Detection]:
    """Keep the strongest of overlapping detections: higher score, then longer, then earlier."""
    chosen: list[Detection] = []
    for detection in sorted(detections, key=lambda d: (-d.score, -(d.end - d.start), d.start)):
        if all(detection.end <= kept.start or kept.end <= detection.start for kept in chosen):
            chosen.append(detection)
    return sorted(chosen, key=lambda d: d.start)


def recase_upper_lines(text: str) -> str:
    """Lines written in capitals as Capitalised Words, character for character (offsets unchanged).

    spaCy's NER was trained on mixed case and misses most names in upper-case text.
    """
    return re.sub(r"[^\n]+", _recase_line, text)


def _recase_line(match: re.Match[str]) -> str:
    line = match.group(0)
    letters = [ch for ch in line if ch.isalpha()]
    if len(letters) < 4 or sum(ch.isupper() for ch in letters) < 0.8 * len(letters):
        return line
    recased = re.sub(r"[A-Za-z]+", lambda word: word.group(0).capitalize(), line)
    return recased if len(recased) == len(line) else line


# A number as OCR reads a scan: digits with O, o, l or I in place of 0 and 1 ("9l2-3O-4471", "O4/3O/l952",
# "(4O6) 555-Ol3l"), not touching a word's letters ("D0B", "HbA1c", "IL-6" stay as they are).
_OCR_NUMBER = re.compile(r"(?<![A-Za-z])[0-9OolI][0-9OolI/.:()+-]*(?<![/.:(+-])(?![A-Za-z])")
_OCR_DIGITS = str.maketrans("OolI", "0011")


def ocr_digits(text: str) -> str:
    """``text`` with the letters OCR puts in numbers read as the digits they stand for, character for
    character (offsets unchanged); a number needs two true digits, so "I" and "O2" stay words."""
    return _OCR_NUMBER.sub(_as_digits, text)


def _as_digits(match: re.Match[str]) -> str:
    token = match.group(0)
    if sum(ch.isdigit() for ch in token) < 2 or token.isdigit():
        return token
    return token.translate(_OCR_DIGITS)


def _to_detection(result: Any, text: str) -> Detection | None:
    entity = result.entity_type
    recognizer = str(result.recognition_metadata.get("recognizer_name", "presidio"))
    category = _NER_CATEGORIES.get(entity) or _PRESIDIO_CATEGORIES.get(entity)
    if category is None:
        try:
            category = PhiCategory(entity)
        except ValueError:
            return None
    end = result.end
    if entity == "PERSON":
        end = result.start + _before_numbers(text[result.start : result.end])
    value = text[result.start : end]
    if not value.strip() or (entity in _NER_CATEGORIES and _is_ner_noise(entity, value)):
        return None
    if category is PhiCategory.URL and _inside_word(text, result.start, result.end):
        return None  # "rash_arm.jpg" holds "arm.jp", "p.Ser1982" holds "p.Se": file names and variants

    if (
        category in _WORDY_CATEGORIES
        and recognizer != FACILITY_WORDS_RECOGNIZER
        and not (recognizer == VENUE_RECOGNIZER and is_proper_venue(value))
        and _only_common_words(value, inflected=recognizer == "SpacyRecognizer")
        and not _has_known_name(value)
    ):
        return None
    return Detection(result.start, end, category, float(result.score), recognizer)


def _before_numbers(value: str) -> int:
    """How much of a person span NER found comes before its first word with a digit: "LUSARDI MRN 3021167"
    is "LUSARDI MRN", and "TAMSULOSIN 0.4 MG" or "Hgb 12.1" is a drug or a test left to the noise checks."""
    number = re.search(r"\s+\S*\d", value)
    return number.start() if number else len(value)


def _inside_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` begins or ends in the middle of a longer token."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before.isalnum() or before == "_" or after.isalnum() or after == "_"


# Categories whose detections are made of words, so a detection of nothing but everyday words is noise.
_WORDY_CATEGORIES = frozenset({PhiCategory.NAME, PhiCategory.CITY, PhiCategory.FACILITY})


def _is_ner_noise(entity: str, value: str) -> bool:
    """spaCy's usual mistakes on clinical text: drugs, abbreviations, gene names, departments."""
    stripped = value.strip()
    if entity == "ORGANIZATION" and (not _FACILITY_HINT.search(value) or _NOT_FACILITY.search(value)):
        return True
    if entity == "ORGANIZATION" and only_department_words(value):
        return True  # "Device Clinic", "Pediatric Hospital Medicine": a service, not which hospital
    if entity == "LOCATION" and (" ".join(value.lower().split()) in _NOT_PLACES or len(stripped) <= 3):
        return True
    words = re.findall(r"[A-Za-z0-9'-]+", stripped)
    # A drug with its dose ("Atorvastatin 40") is still a drug.
    if any(_DRUG_STEM.search(word) for word in words) and all(
        _DRUG_STEM.search(word) or word.isdigit() for word in words
    ):
        return True
    if entity == "PERSON" and not any(ch.isupper() for ch in value):  # "mgmt", "tx'd"
        return True
    tokens = re.findall(r"[A-Za-z0-9'-]+", value)
    if all(_is_filler_token(token) for token in tokens):
        return True
    # Clinical terms and eponyms ("Vicryl", "Hasson", and in capitals "EPOETIN ALFA"): NER has no case to
    # go on in upper-case text, and a lone clinical word is a term far more often than a surname.
    if len(tokens) == 1 or stripped.isupper():
        vocabulary = clinical_vocabulary()
        return all(_is_filler_token(token) or token.lower() in vocabulary for token in tokens)
    return False


def _is_filler_token(token: str) -> bool:
    """A token that cannot carry an identity on its own: numbers, units, lab and gene abbreviations
    ("MLH1", "25", "MG", "DCIS"), everyday words."""
    if any(ch.isdigit() for ch in token) or len(token) <= 2:
        return True
    if token.capitalize() in _name_pool() and not token.isupper():
        return False  # "Frank", "Grant": names first when written as names
    if token.isupper() and len(token) <= 5 and token.capitalize() not in _name_pool():
        return True
    return is_everyday_word(token)


@lru_cache(maxsize=1)
def _name_pool() -> frozenset[str]:
    """Known given names and surnames (capitalised): the surrogate pools and the census lists."""
    from records.census_names import first_names, surnames
    from records.vault import surrogate_pools

    pools = surrogate_pools()
    census = {name.capitalize() for name in first_names() | surnames()}
    return frozenset(pools["given_names"]) | frozenset(pools["surnames"]) | census


def _has_known_name(value: str) -> bool:
    """Whether a word of ``value`` is a given name or surname ("Frank", "Grant", "Long")."""
    return any(word.capitalize() in _name_pool() for word in re.findall(r"[A-Za-z]+", value))


def _only_common_words(value: str, inflected: bool) -> bool:
    """Whether ``value`` is nothing but everyday words. Inflected forms count only for NER guesses
    ("Electronically"): after a title or a label, "Mr. Graves" is a surname even though "grave" is a word."""
    words = [word for word in re.findall(r"[a-z]+(?:'[a-z]+)?", value.lower()) if len(word) > 1]
    listed = is_everyday_word if inflected else common_words().__contains__
    return not words or all(listed(word) or word in _NOT_NAMES for word in words)


def _is_allowed(detection: Detection, allowed: list[tuple[int, int]]) -> bool:
    """An NER guess inside an allowed clinical phrase ("Parkinson disease"). Detections with an explicit
    cue (a title, a label, a city-state-ZIP shape) are never overruled: "Dr. Foley" is a person."""
    if detection.recognizer == SURNAME_FIRST_RECOGNIZER:  # weaker still: any eponym in it overrules it
        return any(start < detection.end and detection.start < end for start, end in allowed)
    if detection.recognizer != "SpacyRecognizer":
        return False
    return any(start <= detection.start and detection.end <= end for start, end in allowed)


_REPEAT_SCORE = 0.51
# Identifiers worth finding again wherever they recur in the same text.
_REPEATABLE = frozenset(
    {
        PhiCategory.NAME,
        PhiCategory.FACILITY,
        PhiCategory.CITY,
        PhiCategory.COUNTY,
        PhiCategory.MRN,
        PhiCategory.SSN,
        PhiCategory.HEALTH_PLAN_ID,
        PhiCategory.ACCOUNT_NUMBER,
        PhiCategory.OTHER_ID,
        PhiCategory.EMAIL,
        PhiCategory.PHONE,
        PhiCategory.STREET_ADDRESS,
    }
)


def repeated_mentions(text: str, detections: list[Detection]) -> list[Detection]:
    """Every other place where a detected identifier recurs ("Patient: Ifeoma Okonkwo ... Ifeoma Okonkwo
    agrees"), and for names each distinctive word on its own ("Okonkwo"). NER finds a name once; a leak
    needs only the second mention."""
    needles: dict[str, Detection] = {}
    for detection in detections:
        if detection.category not in _REPEATABLE:
            continue
        value = text[detection.start : detection.end].strip()
        if len(value) >= 4:
            needles.setdefault(value.lower(), detection)
        if detection.category is PhiCategory.NAME:
            for word in re.findall(r"[A-Za-z][A-Za-z'\u2019-]{3,}", value):
                if word.lower() not in common_words() and word.lower() not in clinical_vocabulary():
                    needles.setdefault(word.lower(), detection)
        if detection.category is PhiCategory.FACILITY and (short := _facility_short_form(value)):
            needles.setdefault(short.lower(), detection)
    found = []
    for needle, source in needles.items():
        for match in re.finditer(rf"(?<!\w){re.escape(needle)}(?!\w)", text, re.IGNORECASE):
            # A repeat only fills gaps: any detection made on its own merits wins an overlap.
            found.append(Detection(match.start(), match.end(), source.category, _REPEAT_SCORE, "repeat"))
    return found


def _facility_short_form(value: str) -> str | None:
    """The first word of a facility's name when it could stand for the facility alone ("Crossroads Wound
    Care Center" ... "wound care per Crossroads", "Northstar Dialysis" ... "fax to Northstar"): five
    letters or more and no everyday, clinical or department word."""
    words = re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", value)
    if len(words) < 2 or len(words[0]) < 5 or words[0].lower() in ("saint", "sisters"):
        return None
    first = words[0]
    if is_everyday_word(first) or first.lower() in clinical_vocabulary() or only_department_words(first):
        return None
    return None if first.lower() in _name_pool_lower() else first


@lru_cache(maxsize=1)
def _name_pool_lower() -> frozenset[str]:
    """The known given names and surnames in lower case: a surname that starts a practice's name ("Hollis
    Drug") is found again as a name when it is one, and must not turn every namesake into a facility."""
    return frozenset(name.lower() for name in _name_pool())


def _build_analyzer() -> Any:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )

    from records.recognizers import ClinicalDateRecognizer, LabeledValueRecognizer, ShapeRecognizer

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        SpacyRecognizer(supported_entities=["PERSON", "LOCATION", "ORGANIZATION"]),
        EmailRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        UrlRecognizer(),
        LabeledValueRecognizer(),
        ShapeRecognizer(),
        ClinicalDateRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=lean_nlp_engine(), supported_languages=["en"])


@lru_cache(maxsize=1)
def spacy_nlp_engine() -> Any:
    """Presidio's spaCy engine over the small English model installed from PyPI (never downloaded)."""
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    return NlpEngineProvider(nlp_configuration=_SPACY_CONFIGURATION).create_engine()


# What NER does not need: our recognizers carry their own context, so part-of-speech tags, the parse and
# lemmas (Presidio's context boost) are work without use; they are most of spaCy's time.
_UNUSED_PIPES = ("tagger", "parser", "attribute_ruler", "lemmatizer")


def lean_nlp_engine() -> Any:
    """A spaCy engine with only tokenisation and NER running."""
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    engine: Any = NlpEngineProvider(nlp_configuration=_SPACY_CONFIGURATION).create_engine()
    for pipeline in engine.nlp.values():
        pipeline.select_pipes(disable=[name for name in _UNUSED_PIPES if name in pipeline.pipe_names])
    return engine


@lru_cache(maxsize=1)
def default_deidentifier() -> Deidentifier:
    """The process-wide de-identifier."""
    return Deidentifier()


# --- the gate -------------------------------------------------------------------------------------------

_GATE_KEY = object()


class CertifiedText:
    """Text that went through :func:`certify`: the only kind of text the model gateway accepts.

    It cannot be built anywhere else (the constructor demands a module-private key), so holding one proves
    the text was de-identified by this engine. ``offsets`` maps offsets in it back to the original text, so
    a citation made on what the model saw points at what the specialist reads.
    """

    __slots__ = ("categories", "engine_version", "offsets", "source_sha256", "text")

    def __init__(
        self, key: object, text: str, source_sha256: str, categories: dict[str, int], offsets: OffsetMap
    ) -> None:
        if key is not _GATE_KEY:
            raise TypeError("CertifiedText is created only by records.deid.certify")
        self.text = text
        self.source_sha256 = source_sha256
        self.categories = categories
        self.offsets = offsets
        self.engine_version = ENGINE_VERSION

    def excerpt(self, start: int, end: int) -> CertifiedText:
        """A piece of this text: a part of a de-identified text is de-identified too. Its offsets are
        relative to the excerpt; map them back through this text's (adding ``start``)."""
        return CertifiedText(
            _GATE_KEY, self.text[start:end], self.source_sha256, self.categories, OffsetMap([])
        )

    def seal(self, key: bytes) -> str:
        """An HMAC over this certificate, so a stored copy can be trusted again by :func:`unseal`."""
        return _seal_digest(key, self.text, self.source_sha256, self.offsets.to_triples())

    def __repr__(self) -> str:
        return f"CertifiedText({self.engine_version}, {len(self.text)} chars, {self.categories})"


def certify(text: str, vault: PhiVault, deidentifier: Deidentifier | None = None) -> CertifiedText:
    """De-identify ``text`` with the case's vault and certify the result for model use."""
    result = (deidentifier or default_deidentifier()).deidentify(text, vault)
    counts: dict[str, int] = {}
    for span in result.spans:
        counts[span.category.value] = counts.get(span.category.value, 0) + 1
    offsets = OffsetMap.from_spans([(span.start, span.end, len(span.surrogate)) for span in result.spans])
    return CertifiedText(_GATE_KEY, result.text, hashlib.sha256(text.encode()).hexdigest(), counts, offsets)


def unseal(
    key: bytes, text: str, source_sha256: str, offsets: list[tuple[int, int, int]], seal: str
) -> CertifiedText:
    """A stored certified text, trusted again because its seal matches (a worker resuming a run must not
    de-identify twice). ValueError if the text, its offsets or the seal were altered."""
    expected = _seal_digest(key, text, source_sha256, offsets)
    if not hmac.compare_digest(expected, seal):
        raise ValueError("the certified text's seal does not match")
    return CertifiedText(_GATE_KEY, text, source_sha256, {}, OffsetMap.from_spans(offsets))


def _seal_digest(key: bytes, text: str, source_sha256: str, offsets: list[tuple[int, int, int]]) -> str:
    material = json.dumps([ENGINE_VERSION, source_sha256, [list(t) for t in offsets], text]).encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()


def is_certified(value: object) -> bool:
    """Whether ``value`` passed the gate."""
    return isinstance(value, CertifiedText)
