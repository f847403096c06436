"""Labels, sentences and number formatting in Swedish and English, from one catalogue.

Every word the plots, widgets and brief show comes from ``catalogue.yaml`` through
``t(key, lang, **fields)``, so a missing translation is a test failure, not a
half-English page. Numbers go through ``fmt_number``: Swedish uses a decimal
comma and a narrow no-break space between thousands ("1 234,5"), English a
decimal point and commas ("1,234.5"); both use the typographic minus sign.
Shares are shown as "68 %" in Swedish and "68%" in English, and intervals as
"95 % KI" and "95% CI".
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import marshal
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simlib.model import kpi_registry

LANGS = ("sv", "en")
CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")
# libyaml's parser where PyYAML has it: the same data as safe_load (a test checks) for a tenth of the
# instructions; pure Python, the catalogue's 68 KB cost simlib run's table ~0.9 G (callgrind)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MINUS = "\u2212"  # typographic minus: never broken from its number, reads as minus
NNBSP = "\u202f"  # narrow no-break space: Swedish thousands separator
NBSP = "\u00a0"  # no-break space: between a Swedish number and "%"


@dataclass(frozen=True)
class KpiFormat:
    """How one KPI is shown: scale, decimals, percent or not, which way is better.

    Built from the KPI registry (``simlib/model/kpi_registry.py``), which holds
    the format with the KPI's stage and kind; the catalogue holds only words.
    """

    share: bool = False
    scale: float = 1.0
    decimals: int = 1
    better: str = "none"  # "higher", "lower" or "none"

    @property
    def factor(self) -> float:
        return 100.0 if self.share else self.scale


def _flatten(node: Any, prefix: str, out: dict[str, dict[str, str]], where: str) -> None:
    if isinstance(node, dict) and node and set(node) <= set(LANGS) | {"_"} and all(
        isinstance(v, str) for v in node.values()
    ):
        out[prefix] = {k: v for k, v in node.items() if k in LANGS}
        return
    if not isinstance(node, dict):
        raise TypeError(f"{where}: {prefix!r} is neither a group nor a {{sv, en}} leaf")
    for key, child in node.items():
        _flatten(child, f"{prefix}.{key}" if prefix else str(key), out, where)


def _parse_catalogue(source: bytes, where: str) -> dict[str, dict[str, str]]:
    data = yaml.load(source.decode("utf-8"), Loader=SAFE_LOADER)
    texts: dict[str, dict[str, str]] = {}
    _flatten(data["text"], "", texts, where)
    return texts


def _cached_table(source: bytes) -> Path:
    """Where the parsed default catalogue is kept: beside the package's bytecode, keyed by content.

    Like a .pyc: even libyaml takes ~0.1 G instructions for the 68 KB catalogue, a
    third of what a ten-year M/M/c ``simlib run`` spends after its imports (callgrind);
    marshal reads the flattened table back in a fraction of a millisecond.
    """
    where = Path(importlib.util.cache_from_source(str(CATALOGUE_PATH))).parent
    digest = hashlib.blake2b(source, digest_size=12).hexdigest()
    return where / f"catalogue.{digest}.marshal"


def _load_default_catalogue() -> dict[str, dict[str, str]]:
    source = CATALOGUE_PATH.read_bytes()
    cache = _cached_table(source)
    try:
        texts = marshal.loads(cache.read_bytes())
        if isinstance(texts, dict):
            return texts
    except (OSError, EOFError, ValueError, TypeError):
        pass  # none yet, or unreadable: parse
    texts = _parse_catalogue(source, str(CATALOGUE_PATH))
    if not sys.dont_write_bytecode:  # the user's "write no caches" holds here too
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            for stale in cache.parent.glob("catalogue.*.marshal"):
                stale.unlink(missing_ok=True)
            partial = cache.with_name(f"{cache.name}.{os.getpid()}")
            partial.write_bytes(marshal.dumps(texts))
            os.replace(partial, cache)  # whole or not at all, as readers in other processes see it
        except OSError:
            pass  # a read-only install parses each time
    return texts


@functools.lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> dict[str, dict[str, str]]:
    """The flattened text table {dotted key: {lang: text}}; the default one cached like bytecode."""
    if path is None:
        return _load_default_catalogue()
    return _parse_catalogue(Path(path).read_bytes(), path)


@functools.lru_cache(maxsize=1)
def _formats() -> dict[str, KpiFormat]:
    return {
        k.name: KpiFormat(share=k.share, scale=1.0 if k.share else k.scale, decimals=k.decimals, better=k.better)
        for k in kpi_registry.KPIS
    }


def texts() -> dict[str, dict[str, str]]:
    """Every catalogue key with its translations (for tests and tooling)."""
    return load_catalogue()


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str, **fields: Any) -> str:
    """The catalogue text for ``key`` in ``lang``, with ``{fields}`` filled in."""
    check_lang(lang)
    entry = texts().get(key)
    if entry is None:
        raise KeyError(f"catalogue has no key {key!r} (simlib/presentation/catalogue.yaml)")
    if lang not in entry:
        raise KeyError(f"catalogue key {key!r} has no {lang!r} text")
    text = entry[lang]
    return text.format(**fields) if fields else text


def has(key: str) -> bool:
    return key in texts()


# -- KPIs -------------------------------------------------------------------------


def kpi_format(name: str) -> KpiFormat:
    """The display format of a KPI (a plain one-decimal number if it is not registered)."""
    return _formats().get(name, KpiFormat())


def kpi_names() -> list[str]:
    """The registered KPIs (each has a format), in registry order."""
    return list(kpi_registry.NAMES)


def kpi_label(name: str, lang: str) -> str:
    """A KPI's label in ``lang`` (the catalogue's ``kpi.<name>.label``), else its raw name."""
    key = f"kpi.{name}.label"
    return t(key, lang) if has(key) else name


def table_label(name: str, lang: str = "en") -> str:
    """A KPI's label for tables of stored (unscaled) values: shares say "share", others their unit.

    The command line prints values as stored (a share as 0.73, costs in SEK), so a
    display unit such as "%" or "SEK m/year" would mislabel them; those get "share"
    or no unit. Measures derived from KPIs (calibration, national) take their label and
    unit from ``metric.<name>``. Unknown names stay as they are.
    """
    if not has(f"kpi.{name}.label"):
        if has(f"metric.{name}.label"):
            return f"{t(f'metric.{name}.label', lang)} ({t(f'metric.{name}.unit', lang)})"
        return name
    f = kpi_format(name)
    if f.share:
        return f"{kpi_label(name, lang)} (share)"
    unit = kpi_unit(name, lang) if f.scale == 1.0 else ""
    return f"{kpi_label(name, lang)} ({unit})" if unit else kpi_label(name, lang)


def kpi_unit(name: str, lang: str) -> str:
    key = f"kpi.{name}.unit"
    return t(key, lang) if has(key) else ""


def kpi_diff_unit(name: str, lang: str) -> str:
    """Unit of a difference: percentage points for shares, else the KPI's own unit."""
    return t("lang.percentage_points_short", lang) if kpi_format(name).share else kpi_unit(name, lang)


# -- numbers ----------------------------------------------------------------------


def fmt_number(x: float | None, lang: str, decimals: int = 1, sign: bool = False) -> str:
    """A number for people: "1 234,5" (sv) or "1,234.5" (en); "–" for a missing value.

    ``sign=True`` writes "+" before positive numbers (for differences). Rounding is
    half away from zero on the decimal representation, so 0.125 -> "0.13".
    """
    check_lang(lang)
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞"
    digits = max(decimals, 0)
    text = f"{abs(x):,.{digits}f}"
    nonzero = float(f"{abs(x):.{digits}f}") != 0.0  # no "−0,0" and no "+0,0"
    if lang == "sv":
        text = text.replace(",", NNBSP).replace(".", ",")
    prefix = MINUS if x < 0 and nonzero else ("+" if sign and x > 0 and nonzero else "")
    return prefix + text


def parse_number(text: str, lang: str) -> float:
    """Inverse of ``fmt_number`` (and ``fmt_value``): "−1 234,5 %" -> -1234.5."""
    check_lang(lang)
    s = text.strip().replace(MINUS, "-").replace(NBSP, "").replace(NNBSP, "").replace(" ", "")
    for suffix in ("%", t("lang.percentage_points_short", lang)):
        s = s.removesuffix(suffix)
    s = s.replace(",", "") if lang == "en" else s.replace(",", ".")
    if s in ("–", "-", ""):
        return math.nan
    return float(s)


def percent_sign(lang: str) -> str:
    """'&nbsp;%' in Swedish (68 %), '%' in English (68%)."""
    return f"{NBSP}%" if check_lang(lang) == "sv" else "%"


def scaled(value: float, name: str) -> float:
    """A KPI value in its display unit (shares in percent, costs in millions)."""
    return value * kpi_format(name).factor


def fmt_value(
    value: float, name: str, lang: str, sign: bool = False, unit: bool = False, decimals: int | None = None
) -> str:
    """A KPI value as shown: shares in percent ("68 %"), costs in millions, set decimals
    (the KPI's own unless ``decimals`` is given)."""
    f = kpi_format(name)
    text = fmt_number(scaled(value, name), lang, f.decimals if decimals is None else decimals, sign=sign)
    if text == "–":
        return text
    if f.share:
        return text + percent_sign(lang)
    if unit and kpi_unit(name, lang):
        return f"{text}{NBSP}{kpi_unit(name, lang)}"
    return text


def diff_decimals(name: str, *values: float, extra: int = 3) -> int:
    """Decimals for differences: the KPI's own, or more (up to ``extra``) so a small
    but real difference does not print as "0 till 0" ("0 to 0")."""
    base = kpi_format(name).decimals
    finite = [abs(scaled(v, name)) for v in values if v is not None and not math.isnan(v)]
    largest = max(finite, default=0.0)
    d = base
    while d < base + extra and largest > 0 and round(largest, d) == 0:
        d += 1
    return d


def distinct_decimals(name: str, low: float, high: float, extra: int = 2) -> int:
    """Decimals at which an interval's two ends read differently: the KPI's own, or up
    to ``extra`` more, so that an interval of 89.6% to 90.4% never prints "90% to 90%"."""
    d = kpi_format(name).decimals
    if any(v is None or math.isnan(v) for v in (low, high)) or low == high:
        return d
    lo, hi = scaled(low, name), scaled(high, name)
    while d < kpi_format(name).decimals + extra and round(lo, d) == round(hi, d):
        d += 1
    return d


def negligible(name: str, low: float, high: float) -> bool:
    """Whether a whole interval rounds to zero at the KPI's display precision."""
    half = 0.5 * 10 ** -kpi_format(name).decimals
    return abs(scaled(low, name)) < half and abs(scaled(high, name)) < half


def fmt_diff(value: float, name: str, lang: str, unit: bool = False, decimals: int | None = None) -> str:
    """A paired difference: signed; shares in percentage points."""
    f = kpi_format(name)
    text = fmt_number(scaled(value, name), lang, f.decimals if decimals is None else decimals, sign=True)
    if not unit or text == "–":
        return text
    if f.share:
        return f"{text} {t('lang.percentage_points', lang)}"
    u = kpi_unit(name, lang)
    return f"{text}{NBSP}{u}" if u else text


def fmt_ci(low: float, high: float, name: str, lang: str, decimals: int | None = None) -> str:
    """'95 % KI +11 till +15' / '95% CI +11 to +15' (signed, in the difference's unit)."""
    lo, hi = fmt_diff(low, name, lang, decimals=decimals), fmt_diff(high, name, lang, decimals=decimals)
    return f"{t('lang.ci', lang)} {lo} {t('lang.to', lang)} {hi}"


def join_words(items: list[str], lang: str) -> str:
    """'a, b och c' / 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('brief.and', lang)} {items[-1]}"
