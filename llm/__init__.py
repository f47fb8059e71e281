"""The model gateway over litellm (chat and structured output, retries, fallbacks, cost ledger), the offline
local engine and sentence-transformer embeddings. Knows no stage.

``llm`` imports ``records.deid`` for one type, :class:`records.deid.CertifiedText`: the gateway checks that
every text it sends passed the de-identification gate, and only that type can prove it.
"""
