"""An event trace of one replication, read from its records: what happened, when, to which child.

For learners: the model keeps typed records (``records.py``) of each referral
and each investigation; ``event_trace`` lays them out as the discrete events a
textbook would list (a referral arrives, screening decides, an investigation
opens and waits, a caseworker takes it, it is decided), in time order, with
the number of investigations waiting for a caseworker (the balans) and in work
after each event. Nothing here changes a run: it only reads what was recorded.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


COLUMNS = ["day", "child", "event", "detail", "waiting", "in_work"]
# events at the same instant happen in this order (a decision frees a caseworker who then takes the next case)
ORDER = {"referral": 0, "screened": 1, "joined": 1, "opened": 2, "decided": 3, "assigned": 4}


def event_trace(output: Any, until: float | None = None) -> pd.DataFrame:
    """The events of one replication as a tidy frame, in the order they happened.

    ``output`` is a ``ReplicationOutput`` (or anything with a ``recorder``).
    Columns: day (simulated time), child, event (referral, screened, joined,
    opened, assigned, decided), detail (urgent; the screening's or the
    investigation's outcome), and after each event the number of investigations
    ``waiting`` for a caseworker and ``in_work``. ``until`` keeps the events up
    to that day. The counts are of recorded investigations (those decided by the
    end of the run, the run-out included).
    """
    rows: list[tuple[float, int, str, str]] = []
    for r in output.recorder.referrals:
        rows.append((r.arrived, r.child, "referral", "urgent" if r.urgent else ""))
        if r.joined:
            rows.append((r.screened, r.child, "joined", "taken into the open investigation"))
        elif r.screened > r.arrived or not r.opened:
            rows.append((r.screened, r.child, "screened", "investigation opened" if r.opened else "closed"))
    for i in output.recorder.investigations:
        rows.append((i.opened, i.child, "opened", "urgent" if i.urgent else ""))
        rows.append((i.assigned, i.child, "assigned", ""))
        rows.append((i.decided, i.child, "decided", i.outcome))
    frame = pd.DataFrame(rows, columns=COLUMNS[:4])
    frame["_order"] = frame["event"].map(ORDER)
    frame = frame.sort_values(["day", "_order", "child"], kind="stable", ignore_index=True)
    step_wait = frame["event"].map({"opened": 1, "assigned": -1}).fillna(0)
    step_work = frame["event"].map({"assigned": 1, "decided": -1}).fillna(0)
    frame["waiting"] = step_wait.cumsum().astype(int)
    frame["in_work"] = step_work.cumsum().astype(int)
    frame = frame.drop(columns="_order")
    return frame[frame["day"] <= until].reset_index(drop=True) if until is not None else frame
