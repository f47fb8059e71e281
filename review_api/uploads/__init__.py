"""Record uploads: size limits, content-based type detection, dedupe, encryption at rest; and reading them."""
