"""Versioned prompt templates and opinion templates: data files plus a small loader.

A template is a Markdown file in ``prompts/templates`` named ``<id>.v<version>.md``: a header block of
``key: value`` lines, then ``## system`` and ``## user`` sections. Rendering appends the stage's input as one
JSON block between ``<input>`` and ``</input>``, the same for a hosted model and for the local engine, which
reads that block back with :func:`read_input_block`.
"""

from prompts.loader import PromptTemplate, RenderedPrompt, load_template, read_input_block

__all__ = ["PromptTemplate", "RenderedPrompt", "load_template", "read_input_block"]
