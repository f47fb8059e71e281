"""The FastAPI case API: authentication, roles, cases, consent, records, routing, drafts, sign-off,
audit and eval reports."""
