"""The discrepancy flags of a case, by role."""
