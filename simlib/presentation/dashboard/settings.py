"""How much a notebook or the dashboard simulates, and in which language it speaks.

Run sizes are honest by default and small under ``CASELOAD_FAST=1`` (CI runs
every notebook that way); the language comes from ``?lang=sv`` in the Voila URL,
then ``CASELOAD_LANG``, then English. Files go to ``out_dir()`` (``CASELOAD_OUT``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

FAST_ENV = "CASELOAD_FAST"
LANG_ENV = "CASELOAD_LANG"
OUT_ENV = "CASELOAD_OUT"
LANGUAGES = ("en", "sv")


def fast_mode() -> bool:
    """True when CASELOAD_FAST=1: CI runs every notebook with fewer, shorter runs."""
    return os.environ.get(FAST_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class RunSettings:
    """How much simulation a notebook does: replications, horizon and sample sizes."""

    reps: int
    years: float | None  # None: the scenario's own horizon
    sweep_points: int
    sobol_n: int
    jobs: int


def settings() -> RunSettings:
    """Run sizes for notebooks: honest by default, small under CASELOAD_FAST=1."""
    jobs = max(1, min(os.cpu_count() or 1, 4))
    if fast_mode():
        return RunSettings(reps=3, years=1.5, sweep_points=3, sobol_n=2, jobs=jobs)
    return RunSettings(reps=10, years=None, sweep_points=5, sobol_n=64, jobs=jobs)


def out_dir() -> Path:
    """Where notebooks write files: CASELOAD_OUT if set (the tests use a temporary folder),
    else the clone's ``out/`` (``../out`` from notebooks/, as ``make lab`` opens them)."""
    chosen = os.environ.get(OUT_ENV, "").strip()
    if chosen:
        folder = Path(chosen)
    else:
        folder = Path("../out") if Path.cwd().name == "notebooks" else Path("out")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def in_voila() -> bool:
    """True inside a Voila dashboard (it sets SERVER_SOFTWARE=voila/... for the kernel)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila")


def language(query_string: str | None = None) -> str:
    """'sv' or 'en': ?lang=sv in the Voila URL wins, then CASELOAD_LANG, then English."""
    qs = query_string if query_string is not None else os.environ.get("QUERY_STRING", "")
    for candidate in (parse_qs(qs).get("lang", [""])[0], os.environ.get(LANG_ENV, "")):
        code = candidate.strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def label(key: str, lang: str, **fields: Any) -> str:
    """A label from the shared sv/en catalogue (simlib.presentation.i18n)."""
    from simlib.presentation.i18n import t

    return t(key, lang, **fields)
