"""The citable brief: one self-contained HTML page (and PDF) comparing scenarios, sv or en.

Parts:
- ``build``: ``build_brief`` (results -> page) and ``make_brief`` (scenario files -> page);
- ``text``: summary sentences and key tables, chosen from the paired differences;
- ``data``: the parameter table, changed parameters and the reproducibility stamp;
- ``pdf``: printing with headless Chromium; ``templates/``: the Jinja page.
"""

from simlib.presentation.brief.build import Brief, build_brief, make_brief
from simlib.presentation.brief.pdf import find_chromium, print_pdf, shell_command
from simlib.presentation.brief.text import (
    KeyRow,
    KeyTable,
    key_tables,
    named_alternatives,
    summary_sentences,
)

__all__ = [
    "Brief", "KeyRow", "KeyTable", "build_brief", "find_chromium", "key_tables",
    "make_brief", "named_alternatives", "print_pdf", "shell_command", "summary_sentences",
]
