"""The offline discrepancy check: explicit, reviewable rules over the submitted diagnosis and the records.

Each check reads the knowledge file (``discrepancy/data/knowledge.json``) or a staging system's notation, and
returns flags that quote both sides. Referral letters repeat the submitted diagnosis, so the checks that test
the diagnosis against findings read reports and clinic notes, not referral letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from discrepancy.evidence import (
    LabValue,
    Span,
    affirmed,
    affirmed_in,
    compiled,
    find_affirmed,
    find_any,
    is_referral,
    knowledge,
    lab_values_in,
    mentions_in,
    segment_of,
)
from discrepancy.schemas import DIAGNOSIS_KEY, FlagOutput, FlagType, Severity
from summarizer.schemas import Quote

MAX_QUOTE_CHARS = 220
MAX_EVIDENCE = 3


@dataclass(frozen=True)
class CaseTexts:
    """The submitted diagnosis and the case's documents, by input key."""

    diagnosis: str
    documents: dict[str, str]

    def findings(self) -> dict[str, str]:
        """The documents that can test the diagnosis: every one but referral letters."""
        return {key: text for key, text in self.documents.items() if not is_referral(text)}

    def everything(self) -> dict[str, str]:
        """The diagnosis and every document."""
        return {DIAGNOSIS_KEY: self.diagnosis, **self.documents}


def check(case: CaseTexts) -> list[FlagOutput]:
    """Every flag the rules raise, one per (type, claim), evidence merged."""
    flags: dict[tuple[str, str, str], FlagOutput] = {}
    for rule in RULES:
        for flag in rule(case):
            if any(_same_finding(flag, kept) for kept in flags.values()):
                continue
            key = (flag.type, flag.claim.text_key, flag.claim.quote)
            if key in flags:
                merged = _unique([*flags[key].evidence, *flag.evidence])[:MAX_EVIDENCE]
                flags[key] = flags[key].model_copy(update={"evidence": merged})
            else:
                flags[key] = flag
    return list(flags.values())


def _same_finding(flag: FlagOutput, kept: FlagOutput) -> bool:
    """Two flags of one type resting on the same first piece of evidence (a benign claim and its histology
    name contradicted by one pathology line) are one discrepancy."""
    return (
        flag.type == kept.type
        and bool(flag.evidence)
        and bool(kept.evidence)
        and flag.evidence[0] == kept.evidence[0]
        and flag.claim != kept.claim
    )


# --- quoting --------------------------------------------------------------------------------------------


def quote(span: Span) -> Quote:
    """The sentence or line holding ``span``, or the span alone when that is long."""
    start, end = segment_of(span.text, span.start)
    if end <= start or end - start > MAX_QUOTE_CHARS or not start <= span.start < end:
        start, end = span.start, span.end
    return Quote(text_key=span.key, quote=span.text[start:end])


def exact(span: Span) -> Quote:
    """Just the span's characters."""
    return Quote(text_key=span.key, quote=span.quote)


def _unique(quotes: Iterable[Quote]) -> list[Quote]:
    seen: dict[tuple[str, str], Quote] = {}
    for item in quotes:
        seen.setdefault((item.text_key, item.quote), item)
    return list(seen.values())


def _flag(
    kind: FlagType, severity: Severity, why: str, claim: Quote, evidence: Iterable[Quote] = (), **extra: Any
) -> FlagOutput:
    return FlagOutput(
        type=kind,
        severity=severity,
        why=why,
        claim=claim,
        evidence=_unique(evidence)[:MAX_EVIDENCE],
        **extra,
    )


# --- contradicted by findings ---------------------------------------------------------------------------


def contradicting_diagnoses(case: CaseTexts) -> list[FlagOutput]:
    """A report affirms a diagnosis that excludes the submitted one (fibroadenoma vs lobular carcinoma)."""
    flags = []
    for group in knowledge()["exclusive_groups"]:
        claimed = [m for m in group["members"] if find_affirmed(DIAGNOSIS_KEY, case.diagnosis, m["patterns"])]
        if not claimed:
            continue
        claimed_patterns = [p for member in claimed for p in member["patterns"]]
        claim_span = find_affirmed(DIAGNOSIS_KEY, case.diagnosis, claimed_patterns)[0]
        for key, text in case.findings().items():
            others = [
                (member, spans)
                for member in group["members"]
                if member not in claimed and (spans := _conclusions(key, text, member["patterns"]))
            ]
            if not others or not _outweighs(others[0][1], _conclusions(key, text, claimed_patterns)):
                continue
            member, spans = others[0]
            against = [s for s in find_any(key, text, claimed_patterns) if not affirmed(text, s.start, s.end)]
            flags.append(
                _flag(
                    "contradicted_by_findings",
                    "high",
                    f"The records show {member['name']}, which excludes the submitted diagnosis.",
                    exact(claim_span),
                    [quote(span) for span in spans[:1] + against[:1]],
                )
            )
    return flags


def _outweighs(other: list[Span], claimed: list[Span]) -> bool:
    """The other diagnosis is the record's conclusion: the claimed one is not affirmed at all, or only
    outside the DIAGNOSIS / IMPRESSION line that names the other ("clinically a basal cell carcinoma")."""
    if not claimed:
        return True
    return any(_in_diagnosis_line(s) for s in other) and not any(_in_diagnosis_line(s) for s in claimed)


def _conclusions(key: str, text: str, patterns: list[str]) -> list[Span]:
    """Affirmed mentions that are findings, not the question asked ("to exclude a carcinoma?")."""
    return [s for s in find_affirmed(key, text, patterns) if not _is_question_or_suspicion(s)]


_SUSPICION = re.compile(
    r"(?i)\b(?:suspect\w*|query|\?|possible|possibly|probable|probably|differential|to exclude)\b"
)


def _is_question_or_suspicion(span: Span) -> bool:
    start, end = segment_of(span.text, span.start)
    return _SUSPICION.search(span.text[start:end]) is not None or span.text[start:end].rstrip().endswith("?")


def benign_versus_malignant(case: CaseTexts) -> list[FlagOutput]:
    """The submitted diagnosis is benign and a report finds a malignancy."""
    data = knowledge()
    benign = find_affirmed(DIAGNOSIS_KEY, case.diagnosis, data["benign_terms"])
    if not benign or find_affirmed(DIAGNOSIS_KEY, case.diagnosis, data["malignant_terms"]):
        return []
    flags = []
    for key, text in case.findings().items():
        malignant = [s for s in _conclusions(key, text, data["malignant_terms"]) if _in_diagnosis_line(s)]
        if malignant:
            flags.append(
                _flag(
                    "contradicted_by_findings",
                    "high",
                    "The submitted diagnosis is benign but a report finds a malignancy.",
                    exact(benign[0]),
                    [quote(malignant[0])],
                )
            )
    return flags


_CONCLUSION_LINE = re.compile(r"(?im)^\s*(?:diagnosis|impression|conclusion|final diagnosis)\s*:")


def _in_diagnosis_line(span: Span) -> bool:
    """The span is in a report's DIAGNOSIS / IMPRESSION / CONCLUSION part."""
    headings = list(_CONCLUSION_LINE.finditer(span.text, 0, span.start))
    return bool(headings) and "\n\n" not in span.text[headings[-1].end() : span.start]


def refuting_results(case: CaseTexts) -> list[FlagOutput]:
    """Every result for a diagnosis's defining test lies on the side that refutes it (COPD with a
    post-bronchodilator FEV1/FVC of 0.84; diabetes with a normal HbA1c)."""
    flags = []
    for condition in knowledge()["conditions"]:
        rules = condition.get("refute_all")
        claim = _claimed(case, condition) if rules else []
        if not claim:
            continue
        results = [(rule, value) for rule in rules for value in _results(case, rule)]
        if results and all(not _supports(rule, value) for rule, value in results):
            kind = condition.get("refute_flag", "contradicted_by_findings")
            names = sorted({rule["name"] for rule, _ in results})
            flags.append(
                _flag(
                    kind,
                    "medium" if kind == "unsupported_by_records" else "high",
                    f"The {' and '.join(names)} results do not support the submitted diagnosis.",
                    exact(claim[0]),
                    [quote(value.span) for _, value in results],
                )
            )
    return flags


def findings_pointing_elsewhere(case: CaseTexts) -> list[FlagOutput]:
    """A finding that points to another diagnosis (pill-rolling rest tremor against essential tremor,
    caseating granulomas against sarcoidosis)."""
    return _flag_each_found(
        case,
        "refute_findings",
        affirmed_in,
        "contradicted_by_findings",
        "The records show {}, which points away from the diagnosis.",
    )


def negative_defining_results(case: CaseTexts) -> list[FlagOutput]:
    """The test that would establish the diagnosis was done and was negative."""
    return _flag_each_found(
        case,
        "negative_results",
        mentions_in,
        "unsupported_by_records",
        "The records hold {}, so nothing establishes the submitted diagnosis.",
    )


def _flag_each_found(
    case: CaseTexts,
    key: str,
    find: Callable[[dict[str, str], list[str]], list[Span]],
    flag_type: FlagType,
    why: str,
) -> list[FlagOutput]:
    """A high-severity flag for each item of a claimed condition's ``key`` list that ``find`` locates in
    the findings; ``why`` names the item."""
    flags = []
    for condition in knowledge()["conditions"]:
        claim = _claimed(case, condition) if condition.get(key) else []
        for item in condition.get(key, []) if claim else []:
            spans = find(case.findings(), item["patterns"])
            if spans:
                flags.append(
                    _flag(
                        flag_type,
                        "high",
                        why.format(item["name"]),
                        exact(claim[0]),
                        [quote(span) for span in spans],
                    )
                )
    return flags


def _claimed(case: CaseTexts, condition: dict[str, Any]) -> list[Span]:
    """Where the case states ``condition``: the diagnosis, or for a condition of the records (a biologic
    about to start) any document."""
    if condition.get("scope") == "records":
        return affirmed_in(case.documents, condition["patterns"])
    return find_affirmed(DIAGNOSIS_KEY, case.diagnosis, condition["patterns"])


def _results(case: CaseTexts, rule: dict[str, Any]) -> list[LabValue]:
    values = lab_values_in(case.findings(), rule["lab"])
    wanted = rule.get("units")
    return [value for value in values if wanted is None or value.unit.replace(" ", "").startswith(wanted)]


def _supports(rule: dict[str, Any], value: LabValue) -> bool:
    if "supports_at_least" in rule:
        return bool(value.value >= rule["supports_at_least"])
    return bool(value.value < rule["supports_below"])


# --- unsupported by the records and missing work-up -----------------------------------------------------


def unconfirmed_diagnoses(case: CaseTexts) -> list[FlagOutput]:
    """A diagnosis whose defining test was never done (or is pending) anywhere in the records."""
    flags = []
    for condition in knowledge()["conditions"]:
        tests = condition.get("confirm")
        claim = _claimed(case, condition) if tests else []
        if not claim or not case.findings():
            continue
        patterns = [p for test in tests for p in test["patterns"]]
        if affirmed_in(case.findings(), patterns):
            continue
        absent = mentions_in(case.documents, patterns)
        names = " or ".join(_without_article(test["name"]) for test in tests)
        flags.append(
            _flag(
                "unsupported_by_records",
                "medium",
                f"Nothing in the records establishes the diagnosis: no {names} result.",
                exact(claim[0]),
                [quote(span) for span in absent],
            )
        )
    return flags


def _without_article(name: str) -> str:
    """A test's name after "no" ("no ischaemia test", not "no an ischaemia test")."""
    return re.sub(r"^(?:an?|the) ", "", name)


def missing_workup(case: CaseTexts) -> list[FlagOutput]:
    """The standard work-up of the submitted diagnosis has a gap (breast cancer without a HER2 status)."""
    flags = []
    unconfirmed = {flag.claim.quote for flag in unconfirmed_diagnoses(case)}
    for condition in knowledge()["conditions"]:
        items = condition.get("workup")
        claim = _claimed(case, condition) if items else []
        if not claim or claim[0].quote in unconfirmed:
            continue
        missing = [item for item in items if not affirmed_in(case.everything(), item["patterns"])]
        if not missing:
            continue
        said_absent = [  # document by document, in the order of the missing tests
            s
            for key, text in case.documents.items()
            for item in missing
            for s in find_any(key, text, item["patterns"])
        ]
        names = ", ".join(_without_article(item["name"]) for item in missing)
        flags.append(
            _flag(
                "missing_workup",
                "medium",
                f"The records have no {names}, which the work-up of this diagnosis needs.",
                exact(claim[0]),
                [quote(span) for span in said_absent],
                missing=names,
            )
        )
    return flags


# --- stage and grade ------------------------------------------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4, "0": 0}


@dataclass(frozen=True)
class StagingSystem:
    """How one staging or grading system is written, and how to read its value."""

    name: str
    pattern: re.Pattern[str]
    read: Callable[[re.Match[str]], str]
    severity: Severity = "medium"
    highest_counts: bool = False  # the worst value reported is the case's (the highest Gleason pattern)


_ROMAN_NUMERAL = ("0", "I", "II", "III", "IV")


def _stage_value(match: re.Match[str]) -> str:
    """A stage in canonical form: "stage 2a" and "Stage IIA" are both "IIA"."""
    return f"{_ROMAN_NUMERAL[_ROMAN[match['v'].lower()]]}{(match['sub'] or '').upper()}"


def _grade_group(match: re.Match[str]) -> str:
    if match["group"]:
        return match["group"]
    primary, secondary = int(match["p"]), int(match["s"])
    total = primary + secondary
    if total <= 6:
        return "1"
    if total == 7:
        return "2" if primary == 3 else "3"
    return "4" if total == 8 else "5"


STAGING_SYSTEMS = (
    StagingSystem(
        "stage",
        re.compile(
            r"(?i)(?<!kidney disease )(?<!ckd )\bstage(?: group)?\s+"
            r"(?P<v>iv|i{1,3}|[0-4])(?P<sub>[abc]\d?)?\b"
        ),
        _stage_value,
    ),
    StagingSystem(
        "Gleason grade group",
        re.compile(
            r"(?i)gleason(?: score)?\s*(?P<p>[1-5])\s*\+\s*(?P<s>[1-5])"
            r"|(?:isup )?grade group\s*(?P<group>[1-5])"
        ),
        _grade_group,
        "high",
        highest_counts=True,
    ),
    StagingSystem(
        "Breslow thickness",
        re.compile(r"(?i)breslow(?: thickness)?\D{0,12}(?P<v>\d+(?:\.\d+)?)\s?mm"),
        lambda m: f"{float(m['v']):g} mm",
        highest_counts=True,
    ),
    StagingSystem(
        "BI-RADS category",
        re.compile(r"(?i)bi-?rads(?: category)?\s*(?P<v>[0-6][abc]?)\b"),
        lambda m: m["v"].upper(),
        "high",
    ),
    StagingSystem(
        "NYHA class",
        re.compile(r"(?i)nyha(?: class)?\s*(?P<v>iv|i{1,3}|[1-4])\b"),
        lambda m: str(_ROMAN[m["v"].lower()]),
    ),
    StagingSystem(
        "Child-Pugh class",
        re.compile(r"(?i)child[- ]pugh(?: class| grade)?\s*(?P<v>[abc])\b"),
        lambda m: m["v"].upper(),
    ),
    StagingSystem(
        "ISUP/WHO grade",
        re.compile(r"(?i)(?:who/)?isup (?:nuclear )?grade\W{0,3}(?P<v>[1-4])\b"),
        lambda m: m["v"],
        "high",
        highest_counts=True,
    ),
    StagingSystem(
        "Garden classification",
        re.compile(r"(?i)garden (?:grade |type |stage )?(?P<v>iv|i{1,3}|[1-4])\b"),
        lambda m: str(_ROMAN[m["v"].lower()]),
        "high",
    ),
    StagingSystem(
        "Weber classification",
        re.compile(r"(?i)weber (?:type )?(?P<v>[abc])\b"),
        lambda m: m["v"].upper(),
        "high",
    ),
    StagingSystem(
        "Cobb angle",
        re.compile(r"(?i)cobb angle\D{0,12}(?P<v>\d{1,3})"),
        lambda m: str(5 * round(int(m["v"]) / 5)),  # to the nearest 5 degrees: readers differ by a few
        highest_counts=True,
    ),
    StagingSystem(
        "pathological T category",
        re.compile(r"(?<![A-Za-z])(?:y?p)T(?P<v>a|is|[0-4][a-d]?)(?![\w])(?!\s*(?:[cpy]|yp)?N[0-3x])"),
        lambda m: m["v"].lower(),
        "high",
        highest_counts=True,
    ),
    StagingSystem(
        "T category",
        re.compile(r"(?<![A-Za-z])(?:[cpy]|yp)?T(?P<v>[0-4][a-d]?|is)(?=\s*(?:[cpy]|yp)?N[0-3x])"),
        lambda m: m["v"].lower(),
    ),
    StagingSystem(
        "N category",
        re.compile(r"(?<![A-Za-z])(?:[cpy]|yp)?T(?:[0-4][a-d]?|is|x)\s*(?:[cpy]|yp)?N(?P<v>[0-3][a-c]?)"),
        lambda m: m["v"].lower(),
    ),
)


def stage_and_grade(case: CaseTexts) -> list[FlagOutput]:
    """A stage, grade or score in the diagnosis that no report gives, where reports give another value."""
    flags = []
    for system in STAGING_SYSTEMS:
        claimed = [(m, system.read(m)) for m in system.pattern.finditer(case.diagnosis)]
        if not claimed:
            continue
        reported = [
            (Span(key, text, *m.span()), system.read(m))
            for key, text in case.findings().items()
            for m in system.pattern.finditer(text)
        ]
        values = {value for _, value in reported}
        if system.highest_counts and values:
            values = {max(values, key=_magnitude)}
        for match, value in claimed:
            if values and value not in values:
                other = [span for span, reported_value in reported if reported_value != value]
                flags.append(
                    _flag(
                        "stage_grade_mismatch",
                        system.severity,
                        f"The reports give a {system.name} of {', '.join(sorted(values))}, not {value}.",
                        Quote(text_key=DIAGNOSIS_KEY, quote=match.group()),
                        [quote(span) for span in other],
                    )
                )
    return flags + _kidney_stage(case)


_CKD_STAGE = re.compile(r"(?i)(?:ckd|chronic kidney disease)(?: stage)?\s*g?(?P<v>[1-5][ab]?)\b")


def _kidney_stage(case: CaseTexts) -> list[FlagOutput]:
    """A CKD stage that every eGFR in the records puts elsewhere."""
    claim = _CKD_STAGE.search(case.diagnosis)
    if claim is None:
        return []
    values = lab_values_in(case.findings(), "egfr")
    stages = {_ckd_stage(v.value) for v in values}
    if not values or claim["v"].lower() in stages:
        return []
    return [
        _flag(
            "stage_grade_mismatch",
            "medium",
            f"The eGFR values put the kidney disease at stage {', '.join(sorted(stages))}.",
            Quote(text_key=DIAGNOSIS_KEY, quote=claim.group()),
            [quote(v.span) for v in values],
        )
    ]


def _magnitude(value: str) -> float:
    number = re.match(r"\d+(?:\.\d+)?", value)
    return float(number.group()) if number else 0.0


def _ckd_stage(egfr: float) -> str:
    for floor, stage in ((90, "1"), (60, "2"), (45, "3a"), (30, "3b"), (15, "4")):
        if egfr >= floor:
            return stage
    return "5"


# --- medicines ------------------------------------------------------------------------------------------

_ALLERGY_LINE = re.compile(r"(?i)allerg|anaphyla|adverse (?:drug )?reaction|hypersensitivity")
_NOT_CURRENT = re.compile(
    r"(?i)\b(?:stopped|discontinued|switched from|changed from|previously|formerly|ceased|held|withheld"
    r"|avoid\w*|instead of|not (?:taking|prescribed|started)|was on|trial of|declined)\b"
)
_NOT_CURRENT_AFTER = re.compile(
    r"(?i)^[^.;\n(]{0,40}?\b(?:(?:was|were|has been|have been|had been)\s+(?:\w+\s+)?)?"
    r"(?:stopped|discontinued|avoided|withheld|ceased|held)\b"
)


def current_medicines(case: CaseTexts, drug_class: str) -> list[Span]:
    """Mentions of a class's medicines that read as current prescriptions (not allergies or stopped)."""
    patterns = knowledge()["drug_classes"][drug_class]
    found = []
    for key, text in case.documents.items():
        for span in find_affirmed(key, text, patterns):
            start, end = segment_of(text, span.start)
            if _about_allergy(text, span.start) or _NOT_CURRENT.search(text[start : span.start]):
                continue
            if _NOT_CURRENT_AFTER.search(text[span.end : end]):
                continue
            found.append(span)
    return found


def _about_allergy(text: str, index: int) -> bool:
    """The line at ``index`` records an allergy: it says so, or the whole document is an allergy list."""
    start, end = segment_of(text, index)
    lines = text.strip().split("\n")
    heading = lines[0] if len(lines) > 1 and len(lines[0]) <= 80 else ""
    return bool(_ALLERGY_LINE.search(text[start:end]) or _ALLERGY_LINE.search(heading))


def allergies(case: CaseTexts) -> dict[str, list[Span]]:
    """Documented allergies by class (intolerances such as nausea are not allergies)."""
    data = knowledge()
    result: dict[str, list[Span]] = {}
    for key, text in case.documents.items():
        for drug_class, patterns in data["allergy_classes"].items():
            for span in find_any(key, text, patterns):
                start, end = segment_of(text, span.start)
                line = text[start:end]
                if not _about_allergy(text, span.start) or not affirmed(text, span.start, span.end):
                    continue
                if any(compiled(word).search(line) for word in data["intolerance_words"]):
                    continue
                result.setdefault(drug_class, []).append(span)
    return result


def allergy_conflicts(case: CaseTexts) -> list[FlagOutput]:
    """A current medicine belongs to a class the patient is allergic to."""
    flags = []
    for drug_class, allergy_spans in allergies(case).items():
        if drug_class not in knowledge()["drug_classes"]:
            continue
        for medicine in current_medicines(case, drug_class)[:1]:
            flags.append(
                _flag(
                    "medication_inconsistent",
                    "high",
                    f"A medicine is prescribed from a class the patient is allergic to ({drug_class}).",
                    quote(medicine),
                    [quote(span) for span in allergy_spans],
                )
            )
    return flags


def contraindications(case: CaseTexts) -> list[FlagOutput]:
    """A current medicine conflicts with a condition, another medicine or a laboratory value."""
    flags = []
    for rule in knowledge()["contraindications"]:
        medicines = current_medicines(case, rule["drug_class"])
        if not medicines:
            continue
        evidence = _contraindicating_evidence(case, rule)
        if evidence:
            flags.append(
                _flag(
                    "medication_inconsistent",
                    "high",
                    rule["why"][0].upper() + rule["why"][1:] + ".",
                    quote(medicines[0]),
                    [quote(span) for span in evidence],
                )
            )
    return flags


def _contraindicating_evidence(case: CaseTexts, rule: dict[str, Any]) -> list[Span]:
    if "condition" in rule:
        return affirmed_in(case.everything(), rule["condition"])
    if "with_drug_class" in rule:
        return current_medicines(case, rule["with_drug_class"])
    values = lab_values_in(case.documents, rule["lab"])
    if "below" in rule:
        return [v.span for v in values if v.value < rule["below"]]
    return [v.span for v in values if v.value > rule["above"]]


# --- inconsistency between reports ----------------------------------------------------------------------

_PAIRED_ORGANS = (
    r"breast|axilla|lung|(?:upper|middle|lower) lobe|kidney|ovary|adnexa|testis|testicle|eye|ear|arm|leg"
    r"|thigh|knee|hip|shoulder|hand|foot|ankle|wrist|elbow|cheek|upper back|lower back|disc|tonsil"
)
_SIDED_ORGAN = re.compile(
    rf"(?i)\b(?P<side>left|right)\b[\w ,'-]{{0,25}}?\b(?P<organ>{_PAIRED_ORGANS})\b"
    r"|\b(?P<side2>medial|lateral)\b[\w ,'-]{0,15}?"
    r"\b(?P<organ2>meniscus|malleolus|collateral ligament|epicondyle)\b"
)
_NORMAL = re.compile(
    r"(?i)\b(?:no abnormality|normal|unremarkable|no (?:mass|lesion|lump|fracture|tear)|patent|clear\b"
    r"|intact)"
)


def laterality(case: CaseTexts) -> list[FlagOutput]:
    """The same organ is on the left in one record and on the right in another."""
    sides: dict[str, dict[str, list[Span]]] = {}
    for key, text in case.everything().items():
        for match in _SIDED_ORGAN.finditer(text):
            start, end = segment_of(text, match.start())
            if _NORMAL.search(text[start:end]) or not affirmed(text, *match.span()):
                continue
            organ = _organ(match["organ"] or match["organ2"])
            sides.setdefault(organ, {}).setdefault((match["side"] or match["side2"]).lower(), []).append(
                Span(key, text, *match.span())
            )
    flags = []
    for organ, by_side in sides.items():
        if len(by_side) < 2 or len({s.key for spans in by_side.values() for s in spans}) < 2:
            continue
        minority, majority = sorted(
            by_side.values(), key=lambda spans: (len({s.key for s in spans}), -_report_rank(spans))
        )
        flags.append(
            _flag(
                "report_inconsistency",
                "high",
                f"The records disagree on the side of the {organ}: "
                f"{' in some, '.join(sorted(by_side))} in others.",
                quote(minority[0]),
                [quote(span) for span in majority],
            )
        )
    return flags


def _organ(name: str) -> str:
    lowered = name.lower()
    return "lung" if lowered.endswith("lobe") else re.sub(r"\s+", " ", lowered)


def _report_rank(spans: list[Span]) -> int:
    return 1 if any(span.key == DIAGNOSIS_KEY for span in spans) else 0


def attribute_conflicts(case: CaseTexts) -> list[FlagOutput]:
    """Two records give different values of one attribute (RhD positive in one, negative in another)."""
    flags = []
    for attribute in knowledge()["attribute_conflicts"]:
        pattern = compiled(attribute["pattern"])
        values: dict[str, list[Span]] = {}
        for key, text in case.documents.items():
            for match in pattern.finditer(text):
                values.setdefault(match["value"].lower(), []).append(Span(key, text, *match.span()))
        if len(values) > 1 and len({s.key for spans in values.values() for s in spans}) > 1:
            minority, majority = sorted(values.values(), key=len)[:2]
            flags.append(
                _flag(
                    "report_inconsistency",
                    "high",
                    f"The records disagree on the {attribute['name']}.",
                    quote(minority[0]),
                    [quote(span) for span in majority],
                )
            )
    return flags


_NO_ALLERGIES = re.compile(r"(?i)\b(?:no known (?:drug )?allergies|nkda|nkfa|allergies\s*:\s*(?:none|nil)\b)")


def allergy_lists(case: CaseTexts) -> list[FlagOutput]:
    """One record says the patient has no allergies while another documents one."""
    documented = [span for spans in allergies(case).values() for span in spans]
    denials = [
        Span(key, text, *m.span())
        for key, text in case.documents.items()
        for m in _NO_ALLERGIES.finditer(text)
    ]
    conflicting = [d for d in denials if any(a.key != d.key for a in documented)]
    if not conflicting:
        return []
    return [
        _flag(
            "report_inconsistency",
            "high",
            "One record says there are no known allergies while another documents an allergy.",
            quote(conflicting[0]),
            [quote(span) for span in documented if span.key != conflicting[0].key],
        )
    ]


_CLEAR_MARGINS = [
    r"margins? (?:are |were )?(?:all )?(?:clear|free|negative|uninvolved)",
    r"all margins (?:are |were )?(?:clear|free|negative)",
    r"clear margins",
    r"completely excised",
    r"\bR0\b",
]
_INVOLVED_MARGINS = [
    r"(?:gross|residual|macroscopic|visible) (?:\w+ ){0,2}tumou?r (?:\w+ ){0,2}(?:was )?left",
    r"tumou?r (?:was )?left (?:on|at|behind|in situ)",
    r"\bR[12] resection",
    r"(?:margins?|margin) (?:is |are |was |were )?(?:involved|positive)",
    r"incompletely excised",
]


def margins(case: CaseTexts) -> list[FlagOutput]:
    """One record reports clear margins and another says tumour was left behind."""
    clear = affirmed_in(case.findings(), _CLEAR_MARGINS)
    involved = affirmed_in(case.findings(), _INVOLVED_MARGINS)
    if not clear or not involved or {s.key for s in clear} == {s.key for s in involved}:
        return []
    return [
        _flag(
            "report_inconsistency",
            "high",
            "One record reports clear margins while another documents tumour left behind.",
            quote(clear[0]),
            [quote(span) for span in involved],
        )
    ]


_LANDMARK_DISTANCE = re.compile(
    r"(?i)(?P<value>\d+(?:\.\d+)?)\s?(?P<unit>cm|mm) from the "
    r"(?P<landmark>anal verge|nipple|dentate line|carina|ileocaecal valve|gastro-?o?esophageal junction"
    r"|incisors)"
)
_BY = r"\s?(?:x|\u00d7)\s?"  # "18 x 15 mm", also with a multiplication sign
_SIZE = rf"(?:(?P<a>\d+(?:\.\d+)?){_BY})?(?P<b>\d+(?:\.\d+)?)\s?(?P<unit>mm|cm)\b"
_LESION = r"\b(?:mass|nodule|lesion|tumou?r|opacity|calculus|stone)\b"
_LESION_SIZE = re.compile(
    rf"(?i){_SIZE}(?:{_BY}\d+(?:\.\d+)?\s?(?:mm|cm))?(?=[^.;\n]{{0,40}}{_LESION})"
    rf"|{_LESION}[^.;\n\d]{{0,60}}?(?:(?P<c>\d+(?:\.\d+)?){_BY})?(?P<d>\d+(?:\.\d+)?)\s?(?P<unit2>mm|cm)\b"
)
LVEF_DISAGREEMENT = 15  # percentage points: more than echocardiography's variation between readers
SIZE_RATIO = 1.6  # imaging and pathology of one lesion differ by up to a few millimetres, not by half


def measurements(case: CaseTexts) -> list[FlagOutput]:
    """Two records place or size the same lesion very differently: the distance of a tumour from a landmark,
    or the largest diameter of the main lesion of two imaging or pathology reports."""
    flags = []
    distances: dict[str, list[tuple[float, Span]]] = {}
    for key, text in case.everything().items():
        for match in _LANDMARK_DISTANCE.finditer(text):
            value = float(match["value"]) * (10 if match["unit"].lower() == "cm" else 1)
            distances.setdefault(match["landmark"].lower(), []).append(
                (value, Span(key, text, *match.span()))
            )
    for landmark, found in distances.items():
        lowest, highest = min(found, key=lambda item: item[0]), max(found, key=lambda item: item[0])
        if lowest[1].key != highest[1].key and highest[0] >= SIZE_RATIO * lowest[0]:
            flags.append(
                _flag(
                    "report_inconsistency",
                    "medium",
                    f"The records place the lesion at different distances from the {landmark}.",
                    quote(lowest[1]),
                    [quote(highest[1])],
                )
            )
    ejection = [v for v in lab_values_in(case.documents, "lvef") if 5 <= v.value <= 90]
    if ejection and len({v.span.key for v in ejection}) > 1:
        low, high = min(ejection, key=lambda v: v.value), max(ejection, key=lambda v: v.value)
        if high.value - low.value >= LVEF_DISAGREEMENT:
            flags.append(
                _flag(
                    "report_inconsistency",
                    "medium",
                    "The records give ejection fractions too far apart to be one measurement's variation.",
                    quote(low.span),
                    [quote(high.span)],
                )
            )
    sizes = [size for key, text in case.findings().items() if (size := _main_lesion_size(key, text))]
    if len(sizes) >= 2:
        smallest, largest = min(sizes, key=lambda item: item[0]), max(sizes, key=lambda item: item[0])
        if largest[0] >= SIZE_RATIO * smallest[0] and smallest[0] >= 5:
            flags.append(
                _flag(
                    "report_inconsistency",
                    "medium",
                    "Two reports give very different sizes for the lesion.",
                    quote(smallest[1]),
                    [quote(largest[1])],
                )
            )
    return flags


def _main_lesion_size(key: str, text: str) -> tuple[float, Span] | None:
    """The largest diameter (mm) of the first lesion an imaging report measures in its findings."""
    if not re.search(r"(?im)^\s*(?:findings|technique)\s*:", text):
        return None
    for match in _LESION_SIZE.finditer(text):
        if not affirmed(text, *match.span()):
            continue
        numbers = [match[g] for g in ("a", "b", "c", "d") if match[g]]
        unit = (match["unit"] or match["unit2"] or "mm").lower()
        largest = max(float(n) for n in numbers) * (10 if unit == "cm" else 1)
        return largest, Span(key, text, *match.span())
    return None


RULES: tuple[Callable[[CaseTexts], list[FlagOutput]], ...] = (
    contradicting_diagnoses,
    benign_versus_malignant,
    refuting_results,
    unconfirmed_diagnoses,
    missing_workup,
    stage_and_grade,
    allergy_conflicts,
    contraindications,
    laterality,
    margins,
    measurements,
    findings_pointing_elsewhere,
    negative_defining_results,
    attribute_conflicts,
    allergy_lists,
)
