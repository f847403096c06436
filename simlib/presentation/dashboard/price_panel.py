"""The dashboard's price panel (issue 17 point 5): what the chosen cap needs to hold today's compliance.

For the cap and cap mode the user picked, a button runs ``funding.price``
(the same search as ``simlib price``: extra investigator posts at the full
cost per FTE until the balans stops growing and the 4-month share is at least
today's, common random numbers, a bootstrap interval) in a background thread,
and shows the posts and budget needed next to what today's budget gives. A
search runs dozens of replications, so it starts on request, not on every
slider move; a new cap or mode marks the shown answer as out of date.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from simlib.analysis import funding
from simlib.presentation.i18n import fmt_number, fmt_value
from simlib.presentation.dashboard.settings import label, settings
from simlib.scenario.schema import Scenario

PRICE_REPS = 4  # per candidate: enough for the paired search, few enough for a dashboard


class PricePanel:
    """A button and the answer: posts and budget the cap needs, next to today's budget."""

    def __init__(self, today: Scenario, cap: Callable[[], tuple[int, str]], lang: str, seed: int) -> None:
        self.today, self.cap, self.lang, self.seed = today, cap, lang, seed
        self.button = w.Button(description=label("dashboard.price.button", lang), icon="calculator")
        self.button.on_click(lambda _b: self.start())
        self.out = w.HTML(html.escape(label("dashboard.price.intro", lang)))
        self.out.add_class("caseload-price")
        self.widget = w.VBox([w.HTML(f"<h4>{html.escape(label('dashboard.price.title', lang))}</h4>"),
                              self.button, self.out])
        self.thread: threading.Thread | None = None
        self.shown: tuple[int, str] | None = None

    def stale(self) -> None:
        """The sliders moved: an answer for another cap is marked as such."""
        if self.shown is not None and self.shown != self.cap():
            self.out.value = html.escape(label("dashboard.price.stale", self.lang, cap=self.shown[0]))

    def start(self) -> None:
        cap, mode = self.cap()
        if mode == "none":
            self.out.value = html.escape(label("dashboard.price.no_cap", self.lang))
            return
        if self.thread is not None and self.thread.is_alive():
            return
        self.button.disabled = True
        self.out.value = html.escape(label("dashboard.price.running", self.lang, cap=cap))
        self.thread = threading.Thread(target=self._run, args=(cap, mode), daemon=True)
        self.thread.start()

    def _run(self, cap: int, mode: str) -> None:
        try:
            reps = min(settings().reps, PRICE_REPS)
            result = funding.price(self.today, cap, cap_mode=mode, reps=max(reps, 2), seed=self.seed)
            self.out.value = self.render(result)
            self.shown = (cap, mode)
        except Exception as exc:  # noqa: BLE001 - shown in the panel, the dashboard keeps running
            self.out.value = html.escape(label("dashboard.status.error", self.lang, error=str(exc)))
        finally:
            self.button.disabled = False

    def render(self, result: funding.Price) -> str:
        """The answer as HTML: today's budget under the cap, then the price."""
        lang = self.lang
        at0 = result.compare(0).set_index("kpi")
        growth = at0.loc[funding.GROWTH_KPI]
        comp = at0.loc[funding.COMPLIANCE_KPI]
        fields: dict[str, Any] = {
            "cap": result.cap, "budget": fmt_number(result.budget(0) / 1e6, lang, 1),
            "growth": fmt_number(growth["capped"], lang, 0),
            "c0": fmt_value(comp["today"], funding.COMPLIANCE_KPI, lang),
            "c1": fmt_value(comp["capped"], funding.COMPLIANCE_KPI, lang),
        }
        key = "growing" if growth["capped"] > funding.GROWTH_TOLERANCE else "stable"
        parts = [label(f"dashboard.price.today_{key}", lang, **fields)]
        if result.extra is None:
            parts.append(label("dashboard.price.not_met", lang, most=funding.MAX_EXTRA))
        else:
            e = result.extra
            parts.append(label(
                "dashboard.price.answer", lang, posts=e, low=result.extra_low, high=result.extra_high,
                total=sum(result.posts(e).values()), budget=fmt_number(result.budget(e) / 1e6, lang, 1),
                extra=fmt_number((result.budget(e) - result.budget(0)) / 1e6, lang, 1, sign=True),
                reps=result.reps,
            ))
        return "".join(f"<p>{html.escape(p)}</p>" for p in parts)
