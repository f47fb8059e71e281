"""Demo data: accounts for every role, three specialists, and cases at several points of the flow.

Everything is synthetic. Seeding is idempotent: a second run finds the accounts and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from fastapi import UploadFile
from sqlalchemy.orm import Session

from reconsult.runtime import Runtime
from reconsult.settings import Mode
from review_api.cases import consents
from review_api.cases import service as cases
from review_api.cases.schemas import (
    CaseCreate,
    ConsentCreate,
    PatientIn,
    ReferringDiagnosis,
    StatusChange,
    TriageDecision,
)
from review_api.context import current_request
from review_api.runs import service as runs
from review_api.specialists.schemas import CertificationIn, LicenseIn, SpecialistProfileIn
from review_api.specialists.service import put_profile
from review_api.uploads import service as uploads
from review_api.users.schemas import UserCreate
from review_api.users.service import create_user
from store.case_status import CaseStatus
from store.models import CaseSource, ConsentScope, GrantorRelationship, Role, Sex, Urgency, User
from store.principal import Principal
from store.repositories.users import UserRepository


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in."""

    email: str
    password: str
    role: Role
    full_name: str


DEMO_ACCOUNTS = (
    DemoAccount("admin@example.com", "demo-admin-password", Role.ADMIN, "Avery Admin"),
    DemoAccount("ops@example.com", "demo-ops-password", Role.OPS, "Oli Ops"),
    DemoAccount("qa@example.com", "demo-qa-password", Role.QA, "Quinn QA"),
    DemoAccount("dr.rivera@example.com", "demo-rivera-password", Role.SPECIALIST, "Dr. Sam Rivera"),
    DemoAccount("dr.chen@example.com", "demo-chen-password", Role.SPECIALIST, "Dr. Lee Chen"),
    DemoAccount("dr.okafor@example.com", "demo-okafor-password", Role.SPECIALIST, "Dr. Ada Okafor"),
)

CONSULT_NOTE = """Cardiology consultation (synthetic demo record)
Reason for referral: exertional chest pressure for three months.
History: 58-year-old with hypertension and hyperlipidemia. Stress ECG reported as equivocal.
Medications: atorvastatin 40 mg by mouth daily; lisinopril 10 mg by mouth daily.
Labs: LDL 162 mg/dL (reference below 100), troponin I below 0.01 ng/mL.
Impression: stable angina, rule out obstructive coronary artery disease.
Plan: coronary CT angiography; continue statin; second opinion requested on revascularisation."""


REFERRAL_NOTE = """Neurology referral (synthetic demo record)
Reason for referral: possible transient ischaemic attack.
History: 68-year-old woman with atrial fibrillation, not anticoagulated, and hypertension.
Since 40 minutes ago she has sudden weakness of the right arm and slurred speech; her daughter noticed a
facial droop. Medications: amlodipine 5 mg daily.
Question: second opinion on whether this is a TIA and on starting apixaban."""


def synthetic_pdf(text: str) -> bytes:
    """A one-page PDF holding ``text`` (real PDF bytes, for demos and tests)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)  # same text, same bytes
    y = 740
    for line in text.splitlines():
        pdf.drawString(54, y, line)
        y -= 16
    pdf.save()
    return buffer.getvalue()


def seed(runtime: Runtime) -> str:
    """Create the demo data once; return a one-line summary."""
    if runtime.settings.mode is not Mode.DEV:
        raise ValueError("demo data is only seeded in dev mode")
    with runtime.session_factory.begin() as session:
        if UserRepository(session).get_by_email(DEMO_ACCOUNTS[0].email) is not None:
            return "demo data already present"
        users = {account.email: create_user(session, _user_create(account)) for account in DEMO_ACCOUNTS}
        _seed_specialists(session, _principal(users["admin@example.com"]), users)
        ops = _principal(users["ops@example.com"])
        count = _seed_cases(session, ops, runtime, users["dr.rivera@example.com"])
    return f"seeded {len(DEMO_ACCOUNTS)} accounts, 3 specialist profiles and {count} cases"


def _user_create(account: DemoAccount) -> UserCreate:
    return UserCreate(
        email=account.email, full_name=account.full_name, role=account.role, password=account.password
    )


def _principal(user: User) -> Principal:
    """Act as ``user`` (the audit log records who seeded what)."""
    principal = Principal(user_id=user.id, role=user.role)
    current_request().principal = principal
    return principal


def _seed_specialists(session: Session, admin: Principal, users: dict[str, User]) -> None:
    today = dt.date.today()
    later = today + dt.timedelta(days=700)
    profiles = {
        "dr.rivera@example.com": SpecialistProfileIn(
            credentials="MD, FACC",
            subspecialties=["cardiology", "electrophysiology"],
            licenses=[
                LicenseIn(state=state, number=f"{state}-C4471", expires_on=later)
                for state in ("CA", "NY", "TX")
            ],
            certifications=[_board("Internal Medicine", "Cardiovascular Disease", later)],
            malpractice_expires_on=later,
            weekly_capacity=8,
        ),
        # Expired NY licence and coverage lapsing within 30 days: shows the expiry warnings.
        "dr.chen@example.com": SpecialistProfileIn(
            credentials="MD, PhD",
            subspecialties=["hematology", "medical_oncology"],
            licenses=[
                LicenseIn(state="CA", number="CA-A90211", expires_on=later),
                LicenseIn(state="NY", number="NY-301122", expires_on=today - dt.timedelta(days=10)),
            ],
            certifications=[_board("Internal Medicine", "Medical Oncology", later)],
            malpractice_expires_on=today + dt.timedelta(days=30),
            weekly_capacity=5,
        ),
        # Expired malpractice coverage: can never be assigned until renewed.
        "dr.okafor@example.com": SpecialistProfileIn(
            credentials="MD",
            subspecialties=["neurology"],
            licenses=[LicenseIn(state="FL", number="FL-ME118", expires_on=later)],
            certifications=[_board("Psychiatry and Neurology", "Neurology", later)],
            malpractice_expires_on=today - dt.timedelta(days=1),
            weekly_capacity=4,
        ),
    }
    for email, profile in profiles.items():
        put_profile(session, admin, users[email].id, profile)


def _board(board: str, specialty: str, expires_on: dt.date) -> CertificationIn:
    return CertificationIn(board=f"American Board of {board}", specialty=specialty, expires_on=expires_on)


@dataclass(frozen=True)
class _DemoCase:
    intake: CaseCreate
    stop_at: CaseStatus
    triage: TriageDecision | None = None
    record: str = CONSULT_NOTE


def _demo_cases() -> list[_DemoCase]:
    def intake(
        name: str, born: dt.date, sex: Sex, state: str, diagnosis: str, icd10: str, question: str
    ) -> CaseCreate:
        return CaseCreate(
            patient=PatientIn(name=name, birth_date=born, sex=sex, state=state),
            referring_diagnosis=ReferringDiagnosis(text=diagnosis, icd10=icd10),
            question=question,
            requested_specialty=None,
            source=CaseSource.REFERRING_PROVIDER,
        )

    return [
        _DemoCase(
            intake(
                "Jordan Demo-Patient",
                dt.date(1967, 5, 2),
                Sex.MALE,
                "CA",
                "Stable angina pectoris",
                "I20.8",
                "Is revascularisation needed, or is medical therapy enough?",
            ),
            CaseStatus.ASSIGNED,
            TriageDecision(urgency=Urgency.URGENT, subspecialty="cardiology"),
        ),
        _DemoCase(
            intake(
                "Casey Demo-Patient",
                dt.date(1979, 11, 20),
                Sex.FEMALE,
                "NY",
                "Diffuse large B-cell lymphoma",
                "C83.30",
                "Is R-CHOP the right first-line treatment?",
            ),
            CaseStatus.TRIAGED,
            TriageDecision(urgency=Urgency.ROUTINE, subspecialty="hematology"),
        ),
        _DemoCase(
            intake(
                "Riley Demo-Patient",
                dt.date(1990, 2, 14),
                Sex.FEMALE,
                "TX",
                "Progressive leg weakness, suspected spinal cord compression",
                "G95.20",
                "Does this need surgery now?",
            ),
            CaseStatus.TRIAGED,
            TriageDecision(urgency=Urgency.EMERGENT, subspecialty="neurosurgery"),
        ),
        _DemoCase(
            intake(
                "Morgan Demo-Patient",
                dt.date(1931, 8, 9),
                Sex.MALE,
                "FL",
                "Parkinson disease",
                "G20.A1",
                "Is the diagnosis right, or could this be drug-induced parkinsonism?",
            ),
            CaseStatus.DRAFT,
        ),
        _DemoCase(
            intake(
                "Avery Demo-Patient",
                dt.date(1958, 3, 30),
                Sex.FEMALE,
                "CA",
                "Transient ischaemic attack",
                "G45.9",
                "Was this a TIA, and is anticoagulation indicated?",
            ),
            CaseStatus.PROCESSING,
            record=REFERRAL_NOTE,
        ),
    ]


def _seed_cases(session: Session, ops: Principal, runtime: Runtime, specialist: User) -> int:
    demo_cases = _demo_cases()
    for demo in demo_cases:
        case = cases.create_case(session, ops, demo.intake)
        if demo.stop_at is CaseStatus.DRAFT:
            continue
        for scope in (ConsentScope.RECORD_RELEASE, ConsentScope.SPECIALIST_REVIEW):
            consents.grant(session, ops, case.id, _consent(scope))
        pdf = UploadFile(file=io.BytesIO(synthetic_pdf(demo.record)), filename="record.pdf")
        uploads.upload(session, ops, case.id, [pdf], runtime.settings, runtime.blob_store)
        for status in (CaseStatus.SUBMITTED, CaseStatus.PROCESSING):
            cases.change_status(session, ops, case.id, StatusChange(status=status))
        runs.start_run(session, ops, case.id)  # the worker summarises and triages the records
        if demo.stop_at is CaseStatus.PROCESSING:
            continue  # left for ops to route from the queue
        assert demo.triage is not None
        cases.triage(session, ops, case.id, demo.triage, runtime.settings)
        if demo.stop_at is CaseStatus.ASSIGNED:
            cases.assign(session, ops, case.id, specialist.id)
    return len(demo_cases)


def _consent(scope: ConsentScope) -> ConsentCreate:
    return ConsentCreate(
        scope=scope,
        granted_by_name="Demo Patient",
        grantor_relationship=GrantorRelationship.PATIENT,
        text_version="consent-2026-01",
    )
