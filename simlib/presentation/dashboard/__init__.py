"""The caseload-cap dashboard (notebook 01, ``make dashboard``) and the notebooks' run settings.

Parts:
- ``caps``: ``caps_dashboard`` / ``CapDashboard``, the widgets and their drawing;
- ``runner``: ``ProgressiveRunner``, cached background replications and paired tables;
- ``levers``: sliders from the schema's bounds, and the overrides they make;
- ``price_panel``: the price of the chosen cap (posts and budget to hold today's compliance);
- ``settings``: run sizes (``CASELOAD_FAST``) and the language (``?lang=sv``).
"""

from simlib.presentation.dashboard.caps import CapDashboard, caps_dashboard
from simlib.presentation.dashboard.settings import RunSettings, fast_mode, in_voila, language, out_dir, settings

__all__ = ["CapDashboard", "RunSettings", "caps_dashboard", "fast_mode", "in_voila", "language", "out_dir", "settings"]
