"""A case's opinion: the AI draft, the specialist's versions, and the signature."""
