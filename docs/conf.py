"""Sphinx configuration: Markdown sources (MyST), furo theme, API from docstrings."""

from __future__ import annotations

import importlib.metadata

project = "chime-speaker-search"
author = "chime-speaker-search developers"
copyright = "2026, chime-speaker-search developers"  # noqa: A001 (Sphinx's name)
release = importlib.metadata.version("chime-speaker-search")

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = "chime-speaker-search"

# Google-style docstrings; types come from the annotations.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}

# No network: intersphinx inventories cannot be fetched here, so none are configured.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
