"""What every figure shares: locale tick labels, literal text, colours and export to SVG/PNG.

Importing this module leaves matplotlib's backend alone (notebooks keep their
inline figures); the command line, which only writes files, selects Agg itself.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from simlib.presentation.i18n import fmt_number, kpi_format

WRAP = 34  # characters per line in axis labels


class LocaleFormatter(Formatter):
    """Tick labels in the language's number format, with as many decimals as the tick step needs."""

    def __init__(self, lang: str, decimals: int | None = None) -> None:
        self.lang = lang
        self.decimals = decimals
        self._ticks: list[float] = []

    def set_locs(self, locs: Sequence[float]) -> None:
        self._ticks = list(locs)

    def __call__(self, value: float, pos: int | None = None) -> str:
        d = self.decimals
        if d is None:
            locs = np.asarray(self._ticks, dtype=float)
            steps = np.diff(np.sort(locs))
            step = float(steps[steps > 0].min()) if (steps > 0).any() else 1.0
            d = max(0, int(-np.floor(np.log10(step) + 1e-9)))
        return fmt_number(value, self.lang, d)


def literal_text(draw):
    """Draw with mathtext off: a scenario named 'cost $x$' is shown as typed, not as maths."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return wrapper


def number_axis(ax: plt.Axes, lang: str, axis: str = "x", decimals: int | None = None) -> None:
    """Tick labels in the language's number format (decimal comma in Swedish)."""
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(LocaleFormatter(lang, decimals))


def palette(names: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    """One colour-blind-safe colour per name, in order (the base scenario first)."""
    colours = sns.color_palette("colorblind", max(len(names), 3))
    return {name: colours[i] for i, name in enumerate(names)}


def to_svg(fig: Figure, close: bool = True) -> str:
    """The figure as standalone SVG text (glyphs as paths, no external fonts, no date)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "caseload-lab"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    if close:
        plt.close(fig)
    return buf.getvalue()


def to_png(fig: Figure, dpi: int = 150, close: bool = True) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    if close:
        plt.close(fig)
    return buf.getvalue()


def unit_factor(name: str) -> float:
    """Multiplier from a KPI's stored value to its plotted value (100 for shares)."""
    return kpi_format(name).factor
