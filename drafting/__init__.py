"""Opinion templates per subspecialty, draft generation, and the diff between AI draft and signed text."""
