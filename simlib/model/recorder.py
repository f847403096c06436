"""Event records collected during a run; KPIs are computed from them afterwards.

Records are named tuples (``records.py``), but the recorder does not keep the
tuples: each kind is stored column by column in compact typed arrays
(``array.array``: 8 bytes a float, 1 a flag, 2 a category code for text), so a
long run's memory grows by bytes, not by Python objects, per case (a tuple of
floats costs ~5x its values). ``frame`` turns a kind into a DataFrame once,
after the run. Time-weighted quantities are kept as areas by the teams and
sampled weekly as cumulative values, so any warm-up cut on a week boundary
gives exact time averages.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ForwardRef, NamedTuple

import numpy as np

from simlib.model.records import InvestigationRecord, ReferralRecord
from simlib.model.weekly import Weekly

if TYPE_CHECKING:  # pandas only where a frame is asked for: a run for its KPIs never imports it
    import pandas as pd

# records kept as tuples before they move into the columns (a few hundred: kilobytes, not megabytes)
PENDING = 256
# annotation (as written in records.py) -> array typecode and the dtype a frame gets
# an int column starts at 4 bytes a value (ids, counts) and widens to 8 when a value needs it;
# its frames are int64 either way
_TYPECODES = {"float": ("d", np.float64), "int": ("i", np.int64), "bool": ("b", np.bool_)}


def _written(hint: Any) -> str:
    """An annotation as written in records.py: ``float``, ``int | None``.

    With ``from __future__ import annotations`` a NamedTuple's annotations are
    ``ForwardRef('float')`` objects, whose ``str`` is not the written text (every
    column then fell back to a list of objects: ~4x the bytes of a typed array).
    """
    if isinstance(hint, ForwardRef):
        return hint.__forward_arg__.strip()
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).strip()


class _Text:
    """A text column as category codes (records repeat a handful of words: outcomes, roles)."""

    __slots__ = ("codes", "words", "index")

    def __init__(self) -> None:
        self.codes = array("h")
        self.words: list[str] = []
        self.index: dict[str, int] = {}

    def append(self, value: str) -> None:
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.words)
            self.words.append(value)
        self.codes.append(code)

    def extend(self, values: tuple[str, ...]) -> None:
        for value in values:
            self.append(value)

    def __delitem__(self, index: slice) -> None:
        del self.codes[index]

    def __len__(self) -> int:
        return len(self.codes)

    def values(self) -> np.ndarray:
        return np.array(self.words, dtype=object)[np.frombuffer(self.codes, dtype=np.int16)] \
            if self.words else np.array([], dtype=object)


class _Dropped:
    """A column a lean recorder does not keep (``Recorder.lean``): its values are let go."""

    __slots__ = ()

    def append(self, value: Any) -> None:
        pass

    def extend(self, values: Any) -> None:
        pass

    def __delitem__(self, index: slice) -> None:
        pass

    def __len__(self) -> int:
        return 0


class Columns:
    """The records of one kind, column by column; appending a record stores its values, not the tuple.

    ``add(*values)`` takes a record's values positionally, in the order of the
    kind's fields (``kind._fields``), without building the record: the hot path's
    way (a keyword-built named tuple costs about twice its values' appends).
    The newest records wait as tuples (at most ``PENDING``) and move into the
    columns together, one ``extend`` a column: a Python-level append a value cost
    about a tenth of an M/M/c customer's instructions. Reading (``frame``,
    ``column``, ``view``, iterating) moves them first.
    """

    __slots__ = ("columns", "dtypes", "kind", "pending", "size", "width")

    def __init__(self, kind: type, keep: tuple[str, ...] | None = None) -> None:
        self.kind = kind
        hints = getattr(kind, "__annotations__", {})
        self.columns: list[Any] = []
        self.dtypes: list[Any] = []
        for name in kind._fields:
            written = _written(hints.get(name, ""))
            code = _TYPECODES.get(written)
            if keep is not None and name not in keep:  # a lean store lets this field go
                self.columns.append(_Dropped())
                self.dtypes.append(object)
            elif code is not None:
                self.columns.append(array(code[0]))
                self.dtypes.append(code[1])
            elif written == "str":
                self.columns.append(_Text())
                self.dtypes.append(object)
            else:  # anything else (e.g. an optional int) stays a list of objects
                self.columns.append([])
                self.dtypes.append(object)
        self.width = len(self.columns)
        self.size = 0  # records moved into the columns
        # the newest records as tuples, moved into the columns PENDING at a time (one C-level
        # extend a column instead of a Python-level append a value)
        self.pending: list[tuple[Any, ...]] = []

    def append(self, record: NamedTuple | tuple[Any, ...]) -> None:
        if len(record) != self.width:
            raise TypeError(f"{self.kind.__name__} has {self.width} fields, got {len(record)} values")
        pending = self.pending
        pending.append(record)
        if len(pending) >= PENDING:
            self._flush()

    def add(self, *values: Any) -> None:
        """Append one record given as its values in field order (every field, defaults too)."""
        if len(values) != self.width:
            raise TypeError(f"{self.kind.__name__} has {self.width} fields, got {len(values)} values")
        pending = self.pending
        pending.append(values)
        if len(pending) >= PENDING:
            self._flush()

    def _flush(self) -> None:
        """Move the pending records into the columns, a column at a time."""
        rows = self.pending
        if not rows:
            return
        for i, values in enumerate(zip(*rows, strict=True)):
            col = self.columns[i]
            before = len(col)
            try:
                col.extend(values)
            except OverflowError:  # an int beyond 32 bits: the column goes to 64 (objects if need be)
                del col[before:]
                self.columns[i] = array("q", col)
                self._extend_widening(i, values)
            except TypeError:  # a value a typed column cannot hold (None): that column keeps objects
                del col[before:]
                self._widen(i)
                self.columns[i].extend(values)
        self.size += len(rows)
        self.pending = []

    def _extend_widening(self, i: int, values: tuple[Any, ...]) -> None:
        col = self.columns[i]
        before = len(col)
        try:
            col.extend(values)
        except (TypeError, OverflowError):
            del col[before:]
            self._widen(i)
            self.columns[i].extend(values)

    def _widen(self, i: int) -> None:
        self.columns[i] = list(self._values(i))
        self.dtypes[i] = object

    def _values(self, i: int) -> np.ndarray | list[Any]:
        col = self.columns[i]
        if isinstance(col, _Dropped):
            raise KeyError(f"{self.kind.__name__}.{self.kind._fields[i]} is not kept by a lean recorder "
                           "(Recorder.lean: only what the KPIs read; simulate(records='all') keeps every field)")
        if isinstance(col, _Text):
            return col.values()
        if isinstance(col, array):
            values = np.frombuffer(col, dtype=col.typecode) if len(col) else np.array([], dtype=self.dtypes[i])
            return values.astype(self.dtypes[i], copy=True)
        return col

    def column(self, name: str) -> np.ndarray:
        """One field's values as an array (a copy)."""
        self._flush()
        return np.asarray(self._values(self.kind._fields.index(name)))

    def view(self, name: str, widen: bool = True) -> np.ndarray:
        """One field's values without a copy where the column is typed (read-only; KPIs after the run).

        A flag column is viewed as booleans (its bytes are 0 or 1); an int column
        as int64, a copy while it is stored at 4 bytes a value: ``widen=False``
        gives it as stored, without the copy (for keys computed from it). While a
        view lives, its array cannot grow (``BufferError``): read views after the
        run, in a function's locals, and let them go before anything is logged again.
        """
        self._flush()
        i = self.kind._fields.index(name)
        col = self.columns[i]
        if not isinstance(col, array) or not len(col):
            return np.asarray(self._values(i))
        values = np.frombuffer(col, dtype=col.typecode)
        if self.dtypes[i] is np.bool_:
            values = values.view(np.bool_)
        elif widen:
            values = values.astype(self.dtypes[i], copy=False)
        values.flags.writeable = False
        return values

    def frame(self, text_objects: bool = False, fields: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The records as a DataFrame; ``text_objects`` keeps text columns as Python objects.

        pandas 3 makes a text column a pyarrow-backed string array, held in pyarrow's
        own memory pool (not returned to the system, not seen by tracemalloc): the
        KPIs ask for objects, so a long run's peak does not grow by it. ``fields``:
        only those columns, in the record's order (what a lean store keeps).
        """
        import pandas as pd

        self._flush()
        names = [n for n in self.kind._fields if fields is None or n in fields]
        data = {name: (pd.Series(self._values(i), dtype=object)
                       if text_objects and isinstance(self.columns[i], _Text) else self._values(i))
                for i, name in ((self.kind._fields.index(n), n) for n in names)}
        return pd.DataFrame(data, columns=names)

    def __len__(self) -> int:
        return self.size + len(self.pending)

    def __iter__(self):
        """The records rebuilt as tuples (for a few records; KPIs read columns)."""
        self._flush()
        values = [self._values(i) for i in range(len(self.columns))]
        for row in zip(*values, strict=True):
            yield self.kind(*(v.item() if isinstance(v, np.generic) else v for v in row))


@dataclass
class Recorder:
    """Append-only store of what happened in one replication."""

    referrals: Columns = field(default_factory=lambda: Columns(ReferralRecord))
    investigations: Columns = field(default_factory=lambda: Columns(InvestigationRecord))
    weekly: Weekly = field(default_factory=Weekly)
    events: dict[type, Columns] = field(default_factory=dict)
    unstable: bool = False  # the queue outgrew the unit at a sample inside the horizon
    stopped_early: bool = False  # a runaway run was stopped before the horizon (bounded work)
    ended_at: float = 0.0
    # the weekly frame, built once (several KPI providers read it after the run): (rows, frame)
    _weekly: tuple[int, pd.DataFrame] | None = field(default=None, repr=False, compare=False)
    # a lean recorder's fields to keep, by kind of record (None: every field of every kind)
    keep: dict[type, tuple[str, ...]] | None = field(default=None, repr=False)
    # where the referrals taken into an open investigation go (``joined``): the referrals' own
    # store (in the order they happened), or a lean recorder's store of their own
    joined_referrals: Columns = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.joined_referrals is None:
            self.joined_referrals = self.referrals

    @classmethod
    def lean(cls, keep: dict[type, tuple[str, ...]], joined: tuple[str, ...] | None = None) -> Recorder:
        """A recorder that keeps only the named fields of the kinds named (every field of the others).

        The two biggest kinds of record (one per referral, one per investigation)
        hold fields no KPI reads (ages, hours, the caseload a case ran under...),
        and so do the later stages' (``keep_only``); a replication run for its KPIs
        (``run_replication``) lets those go, so its memory grows by the bytes the
        KPIs need. A full frame or a dropped field of such a store raises ``KeyError``.
        ``joined``: the fields kept of a referral taken into an open investigation,
        in a store of their own (``joined_referrals``: no flag, no screening time a
        referral); None keeps them with the others.
        """
        referrals = Columns(ReferralRecord, keep[ReferralRecord])
        return cls(referrals=referrals,
                   investigations=Columns(InvestigationRecord, keep[InvestigationRecord]), keep=dict(keep),
                   joined_referrals=Columns(ReferralRecord, joined) if joined is not None else referrals)

    @property
    def referrals_apart(self) -> bool:
        """The joined referrals are kept apart from the others (a lean recorder's ``joined`` store)."""
        return self.joined_referrals is not self.referrals

    def keep_only(self, fields: dict[type, tuple[str, ...]]) -> None:
        """A stage's KPI fields, by kind: a lean recorder keeps only those (a full one keeps all).

        Called when the stage is installed, before it logs a record of those kinds.
        """
        if self.keep is None:
            return
        if fields.keys() & self.events.keys():
            raise RuntimeError("a lean recorder's fields are chosen before a record of the kind is logged")
        self.keep.update(fields)

    def log(self, record: NamedTuple) -> None:
        """A record of a later stage (placements, workforce), kept by its type."""
        kind = type(record)
        store = self.events.get(kind)
        if store is None:
            store = self.events[kind] = Columns(kind, self.keep.get(kind) if self.keep is not None else None)
        store.append(record)

    def of(self, kind: type) -> list[Any]:
        """The records of one kind, in the order they happened, rebuilt as tuples."""
        store = self.events.get(kind)
        return list(store) if store is not None else []

    def column(self, kind: type, name: str) -> np.ndarray:
        """One field of the records of one kind, as an array (empty if none happened)."""
        store = self.events.get(kind)
        return store.column(name) if store is not None else Columns(kind).column(name)

    def frame(self, kind: type) -> pd.DataFrame:
        """The records of one kind as a DataFrame, its columns the record's fields."""
        store = self.events.get(kind)
        return (store if store is not None else Columns(kind)).frame()

    def referral_frame(self) -> pd.DataFrame:
        return self.referrals.frame()

    def investigation_frame(self) -> pd.DataFrame:
        return self.investigations.frame()

    def weekly_frame(self) -> pd.DataFrame:
        """The weekly series as a DataFrame (a copy of one built once per number of rows).

        Without the caseload histograms (the KPIs read the two weeks they need with
        ``weekly.levels``; ``weekly.frame()`` has them all). The copy is shallow:
        under pandas' copy-on-write a change to it copies what it changes, so the
        frame built once is never altered, and the several readers after a run do
        not each hold the series' bytes.
        """
        if self._weekly is None or self._weekly[0] != len(self.weekly):
            self._weekly = (len(self.weekly), self.weekly.frame(levels=False))
        return self._weekly[1].copy(deep=False)
