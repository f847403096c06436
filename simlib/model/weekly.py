"""The weekly samples of a run, column by column (the recorder's ``weekly`` store).

A dict per week cost ~1 KB (its floats 24 bytes each); here ints are int64,
floats float64 and flags bytes in typed arrays. A histogram column (a list of
floats: the time the team spent at each caseload level, cumulative) keeps only
the entries that changed since the week before (``_Levels``): most of its 64
levels do not move in a week, and as whole arrays the histograms were most of a
long run's weekly store. The KPIs read a histogram at two weeks (``levels``);
the series never shows them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # frames only when asked for: the KPIs read columns (a run for its KPIs never imports pandas)
    import pandas as pd


def _is_histogram(value: Any) -> bool:
    """A list of floats (time at each caseload level)."""
    return type(value) is list and set(map(type, value)) <= {float}  # every value a float (checked in C)


class _Levels:
    """A column of histograms, stored as the entries that changed from one row to the next.

    Each change is a (level, value) pair; each row keeps its width and where its
    changes end. A row is rebuilt by replaying the changes from zero: each level's
    latest value at or before it, bit for bit (values are compared as bits, so
    -0.0 and NaN come back as they went in). A baseline week changes ~7 of 64
    levels: ~100 bytes a row instead of ~580.
    """

    __slots__ = ("ends", "levels", "now", "values", "widths")

    def __init__(self) -> None:
        self.levels = array("I")  # the level of each change
        self.values = array("d")  # its new value
        self.ends = array("q")  # the number of changes up to and including each row
        self.widths = array("I")  # each row's length
        self.now = np.zeros(0)  # every level's latest value: the rows replayed so far

    def __len__(self) -> int:
        return len(self.ends)

    def append(self, row: list[float]) -> None:
        new = np.array(row, dtype=np.float64)
        n = len(new)
        if n > len(self.now):
            self.now = np.concatenate([self.now, np.zeros(n - len(self.now))])
        latest = self.now[:n]
        changed = np.flatnonzero(new.view(np.int64) != latest.view(np.int64))
        latest[changed] = new[changed]
        self.levels.extend(changed.tolist())
        self.values.extend(new[changed].tolist())
        self.ends.append(len(self.values))
        self.widths.append(n)

    def _replay(self) -> Iterator[np.ndarray]:
        """Each row in turn (the same buffer, overwritten: copy what is kept)."""
        state = np.zeros(len(self.now))
        if not self.values:
            for width in self.widths:
                yield state[:width]
            return
        levels = np.frombuffer(self.levels, dtype=np.uint32)
        values = np.frombuffer(self.values, dtype=np.float64)
        start = 0
        for end, width in zip(self.ends, self.widths, strict=True):
            state[levels[start:end]] = values[start:end]  # a level changes at most once a row
            start = end
            yield state[:width]

    def row(self, i: int) -> np.ndarray:
        """Row ``i`` (negative counts from the end) as a float64 array."""
        i = range(len(self.ends))[i]  # IndexError past the end
        for k, row in enumerate(self._replay()):
            if k == i:
                return row.copy()
        raise AssertionError("unreachable")

    def arrays(self) -> list[array]:
        """Every row as a float64 ``array.array`` (the frame's objects)."""
        return [array("d", row.tobytes()) for row in self._replay()]


class Weekly:
    """The weekly samples, column by column.

    ``append(row)`` takes one sample as a dict; every sample has the same keys in
    the same order. A column of Python ints is kept as int64, floats as float64
    (an int among floats is stored as a float, as pandas does with such a list),
    flags as bytes; a list of floats (a histogram) as its changes (``_Levels``);
    anything else as objects. ``frame()`` gives the DataFrame that
    ``pd.DataFrame(rows)`` gave, column types included (histograms as float64
    ``array.array`` objects); ``frame(levels=False)`` leaves the histograms out and
    ``levels(name, i)`` reads one. Rows whose keys differ make the store keep
    plain rows from then on (nothing in the model does).
    """

    __slots__ = ("columns", "histograms", "kinds", "names", "rows", "size")

    def __init__(self) -> None:
        self.names: tuple[str, ...] = ()
        self.columns: list[Any] = []
        self.kinds: list[str] = []  # "int", "float", "bool", "levels", "object"
        self.rows: list[dict[str, Any]] | None = None  # plain rows, once keys differed
        self.histograms: set[str] = set()  # columns that held histograms (left out of frame(levels=False))
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return self.size > 0

    def last(self, name: str) -> Any:
        """The latest sample's value of one column."""
        if self.rows is not None:
            return self.rows[-1][name]
        i = self.names.index(name)
        if self.kinds[i] == "levels":
            return self.columns[i].row(-1).tolist()
        return self.columns[i][-1]

    def fields(self) -> tuple[str, ...]:
        """The columns' names (those of ``frame()``)."""
        return self.names if self.rows is None else tuple(self.frame().columns)

    def __contains__(self, name: str) -> bool:
        return name in self.fields()

    def column(self, name: str) -> np.ndarray | list[Any]:
        """One column's values as ``frame()``'s column holds them (a copy; histograms and objects as a list).

        The KPIs read the columns they need without a frame, and so without pandas.
        """
        if self.rows is not None:  # rows whose keys differed: the frame decides the column (never in the model)
            return self.frame()[name].to_numpy()
        i = self.names.index(name)
        return self._objects(i) if self.kinds[i] in ("levels", "object") else self._values(i)

    def levels(self, name: str, i: int) -> np.ndarray:
        """Row ``i`` of a histogram column as a float64 array (a copy)."""
        if self.rows is not None:
            return np.array(self.rows[i][name], dtype=np.float64)
        k = self.names.index(name)
        if self.kinds[k] == "levels":
            return self.columns[k].row(i)
        return np.array(self.columns[k][i], dtype=np.float64)

    def append(self, row: dict[str, Any]) -> None:
        if self.rows is not None:
            self.rows.append(row)
        elif not self.size:
            self.names = tuple(row)
            self.columns = [None] * len(self.names)
            self.kinds = [""] * len(self.names)
            for i, value in enumerate(row.values()):
                self._start(i, value)
        elif tuple(row) != self.names:
            self.rows = self._rows()
            self.rows.append(row)
            self.names, self.columns, self.kinds = (), [], []
        else:
            for i, value in enumerate(row.values()):
                self._add(i, value)
        self.size += 1

    def _start(self, i: int, value: Any) -> None:
        kind = type(value)
        if kind is bool:
            self.columns[i], self.kinds[i] = array("b", [value]), "bool"
        elif kind is int:
            self.columns[i], self.kinds[i] = array("q", [value]), "int"
        elif isinstance(value, float):
            self.columns[i], self.kinds[i] = array("d", [value]), "float"
        elif _is_histogram(value):
            self.columns[i], self.kinds[i] = _Levels(), "levels"
            self.columns[i].append(value)
            self.histograms.add(self.names[i])
        else:
            self.columns[i], self.kinds[i] = [value], "object"

    def _add(self, i: int, value: Any) -> None:
        kind, col = self.kinds[i], self.columns[i]
        t = type(value)
        if (kind == "int" and t is int) or (kind == "float" and t is not bool and (t is int or isinstance(value, float))):
            col.append(value)
        elif kind == "int" and isinstance(value, float):  # ints and floats: a float column
            self.columns[i], self.kinds[i] = array("d", col), "float"
            self.columns[i].append(value)
        elif (kind == "bool" and t is bool) or (kind == "levels" and _is_histogram(value)):
            col.append(value)
        else:
            if kind != "object":
                self.columns[i] = self._objects(i)
                self.kinds[i] = "object"
            self.columns[i].append(array("d", value) if _is_histogram(value) else value)

    def _objects(self, i: int) -> list[Any]:
        """A column's values as a list of Python objects (histograms as float64 arrays)."""
        col, kind = self.columns[i], self.kinds[i]
        if kind == "levels":
            return col.arrays()
        if kind == "float":
            return list(col)
        if kind == "object":
            return col
        return self._values(i).tolist()

    def _values(self, i: int) -> np.ndarray:
        col, kind = self.columns[i], self.kinds[i]
        if kind == "bool":
            return np.frombuffer(col, dtype=np.int8).astype(np.bool_)
        return np.frombuffer(col, dtype=col.typecode).copy()

    def _rows(self) -> list[dict[str, Any]]:
        values = [self._objects(i) for i in range(len(self.names))]
        return [dict(zip(self.names, row, strict=True)) for row in zip(*values, strict=True)]

    def frame(self, levels: bool = True) -> pd.DataFrame:
        """The samples as a DataFrame; ``levels=False`` leaves the histogram columns out."""
        import pandas as pd

        if self.rows is not None or not self.size:
            frame = pd.DataFrame(self.rows or [])
            return frame if levels else frame.drop(columns=[c for c in frame.columns if c in self.histograms])
        data = {}
        for i, (name, kind) in enumerate(zip(self.names, self.kinds, strict=True)):
            if kind in ("levels", "object"):
                if kind == "levels" and not levels:
                    continue
                data[name] = pd.Series(self._objects(i), dtype=None).to_numpy()
            else:
                data[name] = self._values(i)
        return pd.DataFrame(data, columns=list(data))
