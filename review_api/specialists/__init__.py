"""Specialist profiles: subspecialties, licences, certifications, malpractice coverage, capacity."""
