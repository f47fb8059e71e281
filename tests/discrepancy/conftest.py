"""The scripted hosted model of the gateway tests, for the discrepancy check through a hosted route."""

from tests.llm.conftest import _scripted_provider, scripted

__all__ = ["_scripted_provider", "scripted"]
