"""Urgency with red flags, calibrated top-k subspecialty, specialist matching and SLA deadlines."""
