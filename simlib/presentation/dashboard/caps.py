"""The caseload-cap dashboard (notebook 01 and ``make dashboard``): widgets and drawing.

Sliders for cap, cap mode, budget and replications; a lead sentence on whether
the queue is stable; a KPI table with 95% t-intervals and the paired (common
random numbers) difference from the baseline; a figure with CI bars and a
weekly CI band with the warm-up shaded. It opens on a hard cap at the
sustainable caseload; with "no cap" the cap slider is disabled and says why.
The runs themselves go through ``runner.ProgressiveRunner``, the words and
tables come from ``view``; this module arranges and draws.
Updates arrive from a background thread, so drawing uses matplotlib's
object-oriented API (no pyplot state) under a lock.
"""

from __future__ import annotations

import html
import io
import textwrap
import threading
import time
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simlib.experiments.replications import resolve
from simlib.scenario.rules import staffed_posts
from simlib.presentation.i18n import fmt_number, kpi_label
from simlib.presentation.plots import weekly_band
from simlib.presentation.dashboard.price_panel import PricePanel
from simlib.presentation.dashboard.levers import lever_overrides, slider_specs, start_mode, start_placement_mode
from simlib.presentation.dashboard.view import cap_note, lead_html, table_html
from simlib.presentation.dashboard.runner import (
    DASHBOARD_KPIS,
    DEBOUNCE_S,
    FIRST_REPS,
    SEED,
    SHARE_KPIS,
    ProgressiveRunner,
    comparison_table,
)
from simlib.presentation.dashboard.settings import label, language, settings
from simlib.scenario.loader import load_scenario, scenario_hash, with_overrides
from simlib.scenario.schema import Scenario

CAP_MODES = ("hard", "soft", "none")
MIN_REDRAW_S = 0.5


class CapDashboard:
    """Sliders in, progressively refined KPIs out; ``.widget`` is what to display."""

    def __init__(self, scenario: Scenario | str = "baseline", lang: str | None = None, seed: int = SEED) -> None:
        self.lang = lang or language()
        self.seed = seed
        self.run = settings()
        base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.baseline = resolve(base, years=self.run.years)
        self.runner = ProgressiveRunner()
        self._timer: threading.Timer | None = None
        self._draw_lock = threading.Lock()
        self._current: tuple[Scenario, int] | None = None
        self._shown: tuple[str, int] | None = None  # (scenario hash, replications) in the table
        self._figure_of = ""  # the scenario hash the figure shows
        self._rendered_at = 0.0
        self.updates = 0
        self._build()
        self.submit()

    # --- layout -------------------------------------------------------------------
    def _t(self, key: str, **fields: Any) -> str:
        return label(key, self.lang, **fields)

    def _build(self) -> None:
        spec = slider_specs(self.baseline)
        style = {"description_width": "16em"}
        layout = w.Layout(width="36em")
        mode = start_mode(self.baseline)
        # continuous_update=False: a drag asks for one scenario, where it ends
        self.cap = w.IntSlider(
            value=int(spec["cap"].value), min=int(spec["cap"].low), max=int(spec["cap"].high),
            step=int(spec["cap"].step), description=self._t("param.investigation.caseload_cap"), style=style,
            # a wide track: ~25 px a case, so a small drag moves the cap by a case or two
            layout=w.Layout(width="56em"), continuous_update=False, disabled=mode == "none",
        )
        self.cap.add_class("caseload-cap")
        self.cap_note = w.HTML(cap_note(mode, self.lang))
        self.cap_note.add_class("caseload-cap-note")
        self.cap_mode = w.ToggleButtons(
            options=[(self._t(f"dashboard.cap_mode.{m}"), m) for m in CAP_MODES], value=mode,
            description=self._t("param.investigation.cap_mode"), style=style,
        )
        self.cap_mode.add_class("caseload-cap-mode")
        self.cap_mode.observe(self._mode_changed, names="value")
        # The same guideline for placement social workers (placements.caseload_cap), opening
        # on the scenario's own rule (today: a soft 22, an overload reference, not a limit).
        pmode, pspec = start_placement_mode(self.baseline), spec["placement_cap"]
        self.placement_mode = w.ToggleButtons(
            options=[(self._t(f"dashboard.cap_mode.{m}"), m) for m in CAP_MODES], value=pmode,
            description=self._t("param.placements.cap_mode"), style=style,
        )
        self.placement_mode.add_class("caseload-placement-cap-mode")
        self.placement_mode.observe(self._placement_mode_changed, names="value")
        self.placement_cap = w.IntSlider(
            value=int(pspec.value), min=int(pspec.low), max=int(pspec.high), step=int(pspec.step),
            description=self._t("param.placements.caseload_cap"), style=style,
            layout=w.Layout(width="56em"), continuous_update=False, disabled=pmode == "none",
        )
        self.placement_cap.add_class("caseload-placement-cap")
        self.placement_note = w.HTML(cap_note(pmode, self.lang, "placements"))
        self.placement_note.add_class("caseload-placement-cap-note")
        # A selection of whole-FTE budgets: exact values, no float steps in the browser.
        b = spec["budget"]
        steps = round((b.high - b.low) / b.step)
        budgets = [round(b.low + i * b.step) for i in range(steps + 1)]
        self.budget = w.SelectionSlider(
            options=[(fmt_number(v / 1e6, self.lang, 1), v) for v in budgets],
            value=min(budgets, key=lambda v: abs(v - b.value)),
            description=self._t("dashboard.budget_msek"), style=style, layout=layout, continuous_update=False,
        )
        self.reps = w.IntSlider(
            value=int(spec["reps"].value), min=int(spec["reps"].low), max=int(spec["reps"].high),
            description=self._t("dashboard.reps"), style=style, layout=layout, continuous_update=False,
        )
        for control in (self.cap, self.cap_mode, self.placement_cap, self.placement_mode, self.budget, self.reps):
            control.observe(self._changed, names="value")
        self.staffing = w.HTML()
        self.status = w.HTML(self._t("dashboard.status.running"))
        self.lead = w.HTML()
        self.lead.add_class("caseload-lead-box")
        self.table = w.HTML()
        self.table.add_class("caseload-kpis")
        self.status.add_class("caseload-status")
        # hidden until the first drawing, so the page never shows an empty (broken) image
        self.figure = w.Image(format="png", layout=w.Layout(max_width="100%", display="none"))
        title = w.HTML(
            f"<h3>{html.escape(self._t('dashboard.question'))}</h3>"
            f"<p>{html.escape(self._t('dashboard.intro'))}</p><p>{html.escape(self._t('dashboard.howto'))}</p>"
        )
        placement_heading = w.HTML(f"<b>{html.escape(self._t('dashboard.placement_heading'))}</b>")
        controls = w.VBox([self.cap_mode, self.cap, self.cap_note, placement_heading, self.placement_mode,
                           self.placement_cap, self.placement_note, self.budget, self.reps, self.staffing])
        self.price = PricePanel(self.baseline, lambda: (self.cap.value, self.cap_mode.value), self.lang, self.seed)
        self.widget = w.VBox([title, controls, self.status, self.lead, self.table, self.figure, self.price.widget])

    def _ipython_display_(self) -> None:  # display(dashboard) shows the widget
        from IPython.display import display

        display(self.widget)

    # --- requests -----------------------------------------------------------------
    def _mode_changed(self, change: dict[str, Any]) -> None:
        """Without a cap the cap slider changes nothing: disable it and say why."""
        self.cap.disabled = change["new"] == "none"
        self.cap_note.value = cap_note(change["new"], self.lang)

    def _placement_mode_changed(self, change: dict[str, Any]) -> None:
        self.placement_cap.disabled = change["new"] == "none"
        self.placement_note.value = cap_note(change["new"], self.lang, "placements")

    def _changed(self, _change: dict[str, Any]) -> None:
        self.price.stale()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(DEBOUNCE_S, self.submit)
        self._timer.daemon = True
        self._timer.start()

    def scenario(self, cap: int | None = None, mode: str | None = None, budget: float | None = None) -> Scenario:
        """The scenario the sliders describe (or the given position), full horizon."""
        changes = lever_overrides(
            self.baseline, self.cap.value if cap is None else cap, mode or self.cap_mode.value,
            self.budget.value if budget is None else budget, self.placement_cap.value, self.placement_mode.value,
        )
        sc = with_overrides(self.baseline, changes)
        return sc.model_copy(update={"metadata": sc.metadata.model_copy(update={"name": "dashboard"})})

    def submit(self) -> None:
        """Queue the runs for the current slider values, then the neighbours' first ones."""
        sc, reps = self.scenario(), self.reps.value
        self._current = (sc, reps)
        posts = staffed_posts(sc)
        self.staffing.value = html.escape(
            self._t("dashboard.staffing", fte=posts["investigation"], total=sum(posts.values()))
        )
        jobs = []
        for r in range(reps):
            jobs += [(sc, self.seed, r), (self.baseline, self.seed, r)]
        background = [(n, self.seed, r) for n in self.neighbours() for r in range(FIRST_REPS)]
        self.runner.request(jobs, self.render, background)
        self.render(force=True)

    def neighbours(self) -> list[Scenario]:
        """The positions a user most likely moves to next: the cap a case or two either
        way, and the other cap modes at this cap. Their first replications run while the
        pool is idle, so a small drag or a click on a mode answers from the cache."""
        cap, mode, budget = self.cap.value, self.cap_mode.value, self.budget.value
        caps = [] if mode == "none" else [
            c for d in (-1, 1, -2, 2) if self.cap.min <= (c := cap + d) <= self.cap.max
        ]
        positions = [(c, mode) for c in caps] + [(cap, m) for m in CAP_MODES if m != mode]
        return [self.scenario(c, m, budget) for c, m in positions]

    # --- drawing ------------------------------------------------------------------
    def _frames(self) -> tuple[str, list, list]:
        """('final' | 'provisional' | 'none', scenario frames, baseline frames): replications
        0..k-1 of both (full length, paired), k at least two (one run has no interval)."""
        assert self._current is not None
        sc, reps = self._current
        full = self.runner.cached(sc, self.seed, reps)
        base = self.runner.cached(self.baseline, self.seed, reps)
        k = min(len(full), len(base))
        if k < FIRST_REPS:
            return "none", [], []
        return ("final" if k == reps else "provisional"), full[:k], base[:k]

    def render(self, force: bool = False) -> None:
        """Redraw from the replications cached for the current request.

        Called from the runner's thread as replications finish. The numbers (lead,
        table, status) are cheap and always updated; the figure costs a few tenths of
        a second of the CPU the replications need, so while more are coming it is
        redrawn at most every MIN_REDRAW_S (but always for a new position, and at the end).
        """
        with self._draw_lock:
            if self._current is None:
                return
            sc, reps = self._current
            kind, parts, base_parts = self._frames()
            errors = list(self.runner.errors.values())
            if errors:
                self.status.value = f"<b style='color:#b00'>{html.escape(self._t('dashboard.status.error', error=errors[-1]))}</b>"
            if kind == "none":
                if not errors:
                    self.status.value = html.escape(self._t("dashboard.status.running"))
                return
            shown = (scenario_hash(sc), len(parts))
            if shown == self._shown and not force:
                return
            kpis = pd.concat([p[0] for p in parts], ignore_index=True)
            base = pd.concat([p[0] for p in base_parts], ignore_index=True)
            table = comparison_table(kpis, base)
            provisional = self._t("dashboard.provisional", n=len(parts), total=reps) if kind == "provisional" else ""
            self.lead.value = lead_html(table, self.lang)
            self.table.value = table_html(table, self.lang, provisional)
            self._shown = shown
            recent = time.monotonic() - self._rendered_at < MIN_REDRAW_S
            same = self._figure_of == shown[0]
            if force or kind == "final" or not (recent and same):
                series = pd.concat([p[1] for p in parts], ignore_index=True)
                base_series = pd.concat([p[1] for p in base_parts], ignore_index=True)
                self.figure.value = self._figure_png(table, series, base_series)
                self.figure.layout.display = None
                self._figure_of = shown[0]
                self._rendered_at = time.monotonic()
            # the status last: widget updates reach the page in order, so "done" never shows
            # above a table that is still the provisional one
            if not errors:
                if kind == "provisional":
                    msg = self._t("dashboard.status.progress", done=len(parts), total=reps)
                else:
                    msg = self._t("dashboard.status.done", total=reps)
                self.status.value = html.escape(msg)
            self.updates += 1

    def _figure_png(self, table: pd.DataFrame, series: pd.DataFrame, base_series: pd.DataFrame) -> bytes:
        buf = io.BytesIO()
        self.draw(table, series, base_series).savefig(buf, format="png")
        return buf.getvalue()

    def draw(self, table: pd.DataFrame, series: pd.DataFrame, base_series: pd.DataFrame) -> Figure:
        """The dashboard's figure: shares with CI bars, and the weekly balans band (warm-up shaded)."""
        palette = sns.color_palette("colorblind", 2)
        fig = Figure(figsize=(11, 3.8), dpi=80)
        FigureCanvasAgg(fig)
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
        shares = table[table["kpi"].isin(sorted(SHARE_KPIS))].reset_index(drop=True)
        y = np.arange(len(shares))
        err = np.vstack([shares["mean"] - shares["ci_low"], shares["ci_high"] - shares["mean"]]) * 100
        ax1.errorbar(shares["mean"] * 100, y + 0.15, xerr=np.nan_to_num(err), fmt="o", color=palette[0],
                     capsize=3, label=self._t("plot.scenario"))
        ax1.plot(shares["baseline"] * 100, y - 0.15, "s", color=palette[1], label=self._t("dashboard.col.baseline"))
        ax1.set_yticks(y, [textwrap.fill(kpi_label(k, self.lang), 28) for k in shares["kpi"]], fontsize=8)
        ax1.set_xlim(0, 100)
        ax1.set_xlabel("%")
        ax1.set_title(self._t("plot.shares_title"), fontsize=10)
        ax1.legend(fontsize=8, loc="best")
        if "in_warmup" in series.columns and series["in_warmup"].any():
            warm_end = (float(series.loc[series["in_warmup"], "week"].max()) + 1) / 52.0
            ax2.axvspan(0, warm_end, color="grey", alpha=0.15, lw=0, label=self._t("plot.warmup"))
        for frame, colour, name in ((series, palette[0], self._t("plot.scenario")),
                                    (base_series, palette[1], self._t("dashboard.col.baseline"))):
            band = weekly_band(frame, "balans")
            years = band["week"] / 52.0
            ax2.plot(years, band["mean"], color=colour, label=name)
            ax2.fill_between(years, band["ci_low"].fillna(band["mean"]), band["ci_high"].fillna(band["mean"]),
                             color=colour, alpha=0.25, lw=0)
        ax2.set_xlabel(self._t("plot.year"))
        ax2.set_ylabel(self._t("plot.series.balans"), fontsize=8)
        ax2.set_title(self._t("plot.band"), fontsize=10)
        ax2.legend(fontsize=8)
        sns.despine(fig=fig)
        fig.tight_layout()
        return fig

    # --- for notebooks and tests ----------------------------------------------------
    def wait(self, timeout: float = 600.0) -> CapDashboard:
        """Block until the pending request is complete and drawn (for executed notebooks)."""
        if self._timer is not None:
            self._timer.join()
        deadline = time.monotonic() + timeout
        while self.runner.busy() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.render(force=True)
        return self

    def results(self) -> pd.DataFrame:
        """The current comparison table (scenario vs baseline, paired differences)."""
        _, parts, base_parts = self._frames()
        if not parts:
            return pd.DataFrame()
        kpis = pd.concat([p[0] for p in parts], ignore_index=True)
        base = pd.concat([p[0] for p in base_parts], ignore_index=True)
        return comparison_table(kpis, base, DASHBOARD_KPIS)

    def close(self) -> None:
        self.runner.close()


def caps_dashboard(scenario: Scenario | str = "baseline", lang: str | None = None) -> CapDashboard:
    """Build the dashboard of notebook 01 (language from ?lang=, CASELOAD_LANG or English)."""
    return CapDashboard(scenario, lang=lang)
