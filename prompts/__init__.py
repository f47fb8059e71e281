"""Versioned prompt templates and opinion templates: data files plus a small loader."""
