"""The review workspace: server-rendered web pages for specialists, ops, QA and admins, served by the same
FastAPI app as the case API and calling the same services (so the same access rules and audit entries)."""
