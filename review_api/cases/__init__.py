"""Cases: intake, the status machine and timeline, manual triage, assignment, and consent."""
