"""Reading scenario YAML without silent surprises.

PyYAML implements YAML 1.1, whose implicit types change numbers behind the
user's back: ``015`` is octal 13, ``1:30`` is sexagesimal 90, ``yes``/``on`` are
booleans, ``1_000`` is 1000 and ``1e6`` is a string. A duplicate key silently
keeps the last value. This loader uses the YAML 1.2 core schema instead (the
schema of YAML 1.2 and of JSON): ``null``/``~``, ``true``/``false``, decimal,
``0o`` and ``0x`` integers, and floats with an optional exponent. Forms that
YAML 1.1 reads as numbers but 1.2 does not (a leading zero, base 60, ``_``
digit separators) are refused with a message rather than read either way, and
so is a duplicate key. Nesting is limited, so a deeply nested file is refused
instead of exhausting the parser's recursion.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

from simlib.scenario.errors import Problem, ScenarioError

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000  # a scenario has a few hundred values; YAML aliases can expand to billions
MAX_DEPTH = 64  # a scenario nests 4 levels deep; a provenance note or --set value a few more

AMBIGUOUS_TAG = "tag:caseload-lab,2026:yaml11-number"

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
# YAML 1.1 numbers that YAML 1.2 reads differently (or as text): refused, never guessed.
_AMBIGUOUS = re.compile(
    r"^(?:[-+]?0[0-9]+"  # 015: octal 13 in YAML 1.1, 15 in YAML 1.2
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"  # 1:30: base 60 in YAML 1.1
    r"|[-+]?(?:[0-9][0-9_]*)?_[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"  # 1_000
    r"|[-+]?0b[01_]+)$"  # binary
)


class YamlValueError(ConstructorError):
    """A scalar written in a form that YAML 1.1 and 1.2 read differently."""


class ScenarioLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars, no duplicate keys and a depth limit."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep; not a scenario file", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: the base class names it
                    continue
                if duplicate:
                    raise ConstructorError(
                        "while reading a mapping", node.start_mark,
                        f"duplicate key {key!r} (a key may appear once; which value did you mean?)",
                        key_node.start_mark,
                    )
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> int:  # type: ignore[override]
        text = str(self.construct_scalar(node))
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text)

    def construct_yaml_float(self, node: Any) -> float:  # type: ignore[override]
        text = str(self.construct_scalar(node)).lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text == ".nan":
            return float("nan")
        return float(text)

    def construct_yaml_bool(self, node: Any) -> bool:  # type: ignore[override]
        return str(self.construct_scalar(node)).lower() == "true"

    def construct_ambiguous(self, node: Any) -> Any:
        text = str(self.construct_scalar(node))
        raise YamlValueError(
            None, None,
            f"{text!r} is read differently by YAML 1.1 and 1.2 (leading zero, ':' or '_' in a number); "
            f"write the number plainly (e.g. {_plain(text)}), or quote it if you mean text",
            node.start_mark,
        )


def _plain(text: str) -> str:
    digits = text.replace("_", "")
    if ":" in digits:
        return "90 for 90 minutes, not 1:30"
    stripped = digits.lstrip("+-").lstrip("0") or "0"
    return ("-" if digits.startswith("-") else "") + stripped


ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
ScenarioLoader.add_implicit_resolver(AMBIGUOUS_TAG, _AMBIGUOUS, list("-+0123456789"))
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
ScenarioLoader.add_constructor("tag:yaml.org,2002:int", ScenarioLoader.construct_yaml_int)
ScenarioLoader.add_constructor("tag:yaml.org,2002:float", ScenarioLoader.construct_yaml_float)
ScenarioLoader.add_constructor("tag:yaml.org,2002:bool", ScenarioLoader.construct_yaml_bool)
ScenarioLoader.add_constructor(AMBIGUOUS_TAG, ScenarioLoader.construct_ambiguous)


try:  # libyaml's scanner and parser, when PyYAML was built with it
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML without libyaml: the Python loader alone
    _CParser = None

if _CParser is not None:

    class FastScenarioLoader(_CParser, ScenarioLoader):  # type: ignore[misc, valid-type]
        """ScenarioLoader reading its events from libyaml (C) instead of PyYAML's Python scanner.

        Only the scanning and parsing change: the nodes are composed (depth limit)
        and constructed (YAML 1.2 scalars, duplicate keys) by ScenarioLoader's own
        Python code, so a file that both accept gives the same values. Parsing the
        baseline in Python cost about as many instructions as 3 000 M/M/c customers.
        """

        # compose in Python (ScenarioLoader.compose_node's depth limit), not in libyaml's composer
        get_single_node = yaml.composer.Composer.get_single_node
        get_node = yaml.composer.Composer.get_node
        check_node = yaml.composer.Composer.check_node

        def __init__(self, stream: Any) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._depth = 0


def parse(text: str) -> Any:
    """Parse YAML text with ScenarioLoader (raises yaml.YAMLError with a mark).

    libyaml reads it when available; on any error the Python loader reads it again,
    so a refused file gets PyYAML's message and mark, exactly as before.
    """
    if _CParser is not None:
        try:
            fast = FastScenarioLoader(text)
            try:
                return fast.get_single_data()
            finally:
                fast.dispose()
        except Exception:  # noqa: BLE001 - the Python loader below gives the error users see
            pass
    loader = ScenarioLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _read_text(path: Path, where: str) -> str:
    """The text of a regular file of at most MAX_FILE_BYTES, read without ever blocking.

    The file type is checked on the open descriptor (a FIFO is opened non-blocking,
    so no writer is waited for), and at most MAX_FILE_BYTES + 1 bytes are read, so a
    device such as /dev/zero, a pipe or a growing file cannot hang the tool or fill memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ScenarioError([Problem("", f"file not found: {where}")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", f"{where} is a folder, not a scenario file")]) from None
    except OSError as exc:
        raise ScenarioError([Problem("", f"cannot open {where}: {_os_reason(exc)}")]) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError([Problem("", f"{where} is a folder, not a scenario file")])
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError([Problem("", f"{where} is not a regular file (a device, pipe or socket); "
                                              "a scenario must be a .yaml file")])
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                [Problem("", f"file is {info.st_size:,} bytes; a scenario file may be at most {MAX_FILE_BYTES:,}")],
                where,
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([Problem("", f"cannot read {where}: {_os_reason(exc)}")]) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError([Problem("", f"file is over {MAX_FILE_BYTES:,} bytes, the most a scenario file may be")],
                            where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem("", "not a text file (expected UTF-8 YAML)")], where) from None


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return (exc.strerror or type(exc).__name__).lower()


def read_yaml(path: Path) -> dict[str, Any]:
    """One scenario file's own mapping (no extends resolved): a regular UTF-8 file, strict YAML."""
    where = str(path)
    text = _read_text(path, where)
    if not text.strip():
        raise ScenarioError([Problem("", "the file is empty; expected a YAML mapping of sections")], where)
    try:
        data = parse(text)
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem("", yaml_problem(exc))], where) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem("", f"expected a YAML mapping of sections, got {type(data).__name__}")], where
        )
    _check_size(data, where)
    return data


def yaml_problem(exc: yaml.YAMLError) -> str:
    """One line for a YAML error: what and where (never the offending text's surroundings)."""
    mark = getattr(exc, "problem_mark", None)
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or "could not be parsed"
    if isinstance(exc, YamlValueError):
        return f"{problem.split(';')[0]}{at}; {problem.split('; ', 1)[1]}"
    return f"not valid YAML{at}: {problem}"


def _check_size(data: Any, where: str) -> None:
    """Refuse absurdly large trees (e.g. nested YAML aliases) before walking them recursively."""
    stack, seen = [data], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise ScenarioError(
                [Problem("", f"more than {MAX_NODES:,} values (counting YAML aliases); not a scenario file")],
                where,
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
