"""The PHI categories we detect: the 18 HIPAA Safe Harbor identifier kinds, split where the surrogate or
the evaluation needs finer kinds (a city is replaced differently from a street address)."""

from __future__ import annotations

from enum import StrEnum


class PhiCategory(StrEnum):
    """One kind of identifier. Comments give the Safe Harbor item, 45 CFR 164.514(b)(2)(i)(A-R)."""

    NAME = "NAME"  # (A) patients, relatives, clinicians
    STREET_ADDRESS = "STREET_ADDRESS"  # (B) street address, including unit
    CITY = "CITY"  # (B)
    COUNTY = "COUNTY"  # (B)
    ZIP = "ZIP"  # (B) only the first three digits may remain
    FACILITY = "FACILITY"  # (B/R) hospitals, clinics, practices: they locate the patient
    DATE = "DATE"  # (C) any date element finer than the year
    AGE_OVER_89 = "AGE_OVER_89"  # (C) ages over 89 become "90+"
    PHONE = "PHONE"  # (D)
    FAX = "FAX"  # (E)
    EMAIL = "EMAIL"  # (F)
    SSN = "SSN"  # (G)
    MRN = "MRN"  # (H)
    HEALTH_PLAN_ID = "HEALTH_PLAN_ID"  # (I)
    ACCOUNT_NUMBER = "ACCOUNT_NUMBER"  # (J)
    LICENSE_NUMBER = "LICENSE_NUMBER"  # (K) certificate and licence numbers, including DEA and NPI
    VEHICLE_ID = "VEHICLE_ID"  # (L) VINs and licence plates
    DEVICE_ID = "DEVICE_ID"  # (M) device identifiers and serial numbers
    URL = "URL"  # (N)
    IP_ADDRESS = "IP_ADDRESS"  # (O)
    BIOMETRIC_ID = "BIOMETRIC_ID"  # (P) finger and voice prints, retinal scans
    PHOTO_REFERENCE = "PHOTO_REFERENCE"  # (Q) full-face photographs and comparable images
    OTHER_ID = "OTHER_ID"  # (R) any other unique identifying number, characteristic or code
