"""What a notebook needs beside ``simlib.run``, ``simlib.compare`` and ``simlib.sweep``.

Run sizes (honest by default, small under ``CASELOAD_FAST=1`` as in CI), the
language (``?lang=sv`` in Voila, then ``CASELOAD_LANG``), the output folder (``CASELOAD_OUT``, else ``out/``) and the caseload-cap
dashboard, so notebooks need no internal module paths:

    >>> import simlib.notebook as nb                        # doctest: +SKIP
    >>> res = simlib.run("baseline", reps=nb.settings().reps)  # doctest: +SKIP
"""

from simlib.presentation.dashboard import (
    CapDashboard,
    RunSettings,
    caps_dashboard,
    fast_mode,
    in_voila,
    language,
    out_dir,
    settings,
)

__all__ = ["CapDashboard", "RunSettings", "caps_dashboard", "fast_mode", "in_voila", "language", "out_dir", "settings"]
