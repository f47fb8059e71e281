"""Composition root: settings, the ``reconsult`` CLI and demo seeding. Wires every other package together."""
