"""The brief's numbered reference list and the citations in its parameter notes.

Why: a staffer must be able to fetch every source a number rests on. The
scenario files cite sources in free text ("[S7] Socialstyrelsen 2022: ...");
``references.yaml`` says, for each public source, its publisher, title, year
and address and which strings in a note mean it. ``References`` numbers the
sources in order of first use over the notes it is given and turns a note
into the note plus its numbers ("... [2, 4]"); the MODEL.md tags [S1]..[S9]
are replaced by those numbers, so no tag is left unresolved on the page.
How to cite the tool itself is read from ``CITATION.cff``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REFERENCES = Path(__file__).with_name("references.yaml")
CITATION = Path(__file__).resolve().parents[3] / "CITATION.cff"
TAG = re.compile(r"\[S\d+\]\s*")


@dataclass(frozen=True)
class Reference:
    id: str
    publisher: str
    title: str
    year: int | None
    url: str | None
    match: tuple[str, ...]


def load_references(path: str | Path = REFERENCES) -> list[Reference]:
    """Every known source, in file order."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [Reference(r["id"], r["publisher"], r["title"], r.get("year"), r.get("url"), tuple(r["match"]))
            for r in raw]


@dataclass
class References:
    """Sources numbered in order of first use."""

    known: list[Reference] = field(default_factory=load_references)
    used: list[Reference] = field(default_factory=list)

    def cited_by(self, note: str) -> list[Reference]:
        return [r for r in self.known if any(m in note for m in r.match)]

    def cite(self, note: str) -> str:
        """The note without [S..] tags, followed by the numbers of the sources it cites."""
        refs = self.cited_by(note)
        for r in refs:
            if r not in self.used:
                self.used.append(r)
        text = TAG.sub("", note).strip()
        if not refs:
            return text
        return f"{text} [{', '.join(str(self.used.index(r) + 1) for r in refs)}]"

    def add(self, notes: Iterable[str]) -> None:
        for note in notes:
            self.cite(note)

    def entries(self, lang: str) -> list[dict[str, Any]]:
        """The numbered list: number, publisher, title, year, address (or a word saying there is none)."""
        missing = {"sv": "adress saknas i projektets källförteckning", "en": "no address in the project's source list"}
        undated = {"sv": "år ej angivet", "en": "year not given"}
        return [{"n": i + 1, "publisher": r.publisher, "title": r.title,
                 "year": r.year if r.year is not None else undated[lang], "url": r.url,
                 "no_url": missing[lang] if r.url is None else ""} for i, r in enumerate(self.used)]


def citation(path: str | Path = CITATION) -> dict[str, Any]:
    """Title, version, authors and license of the tool, from CITATION.cff (empty when it is absent)."""
    p = Path(path)
    if not p.is_file():
        return {}
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    authors = ", ".join(a.get("name") or " ".join(x for x in (a.get("given-names"), a.get("family-names")) if x)
                        for a in data.get("authors", []))
    return {"title": data.get("title", ""), "version": data.get("version", ""), "authors": authors,
            "license": data.get("license", ""), "year": str(data.get("date-released", ""))[:4]}
