"""Repositories: all SQL lives here, and each scopes reads with one ``readable_statement(principal)``."""
