"""Reading the audit log (admin and QA)."""
