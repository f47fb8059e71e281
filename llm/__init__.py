"""The model gateway over litellm (chat and structured output, retries, fallbacks, cost ledger), the offline
local engine and sentence-transformer embeddings. Knows no stage."""
