"""Author names that meet: "J. Smith" is "John Smith" only where that cannot be someone else.

A name is its family name and its given names (full or initials). Two names match when the family names are
equal and every given name they both have agrees (equal, or an initial of the other). An initial matches a full
name only when the names it is compared with hold one person of that family name and initial: with both
"John Smith" and "Jane Smith" known, "J. Smith" matches neither.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Name:
    family: str
    given: tuple[str, ...]  # lower case; an initial is one letter

    def agrees(self, other: "Name") -> bool:
        if self.family != other.family or not self.given or not other.given:
            return False
        return all(a == b or (len(a) == 1 or len(b) == 1) and a[0] == b[0]
                   for a, b in zip(self.given, other.given))

    @property
    def full(self) -> bool:
        return len(self.given[0]) > 1 if self.given else False


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalnum() or c in " -,")


def parse(name: str) -> Name | None:
    """'John Smith', 'J. Smith', 'Smith, John', 'J.-P. Serre' -> Name; None for a name without a family name."""
    text = _plain(name.replace(".", ". ")).strip()
    if "," in text:
        family, _, given = text.partition(",")
        parts = given.split()
        family = " ".join(family.split())
    else:
        words = text.split()
        if len(words) < 2:
            return None
        family, parts = words[-1], words[:-1]
    given = tuple(p.split("-")[0] for p in parts if p.strip("-"))
    return Name(family, tuple(g for g in given if g)) if family else None


class AuthorSet:
    """The authors of a set of papers, each with the number of those papers they are on."""

    def __init__(self, author_lists):
        self._by_family: dict[str, dict[Name, int]] = defaultdict(dict)
        for authors in author_lists:
            for name in {n for n in map(parse, authors) if n is not None}:
                self._by_family[name.family][name] = self._by_family[name.family].get(name, 0) + 1

    def __bool__(self) -> bool:
        return bool(self._by_family)

    def papers_with(self, author: str) -> int:
        """How many of the set's papers this author is on (0 when the name is ambiguous among them)."""
        name = parse(author)
        if name is None:
            return 0
        known = self._by_family.get(name.family, {})
        initial = name.given[0][0] if name.given else ""
        people = {n.given[0] for n in [*known, name] if n.full and n.given[0][0] == initial}
        # With one person of that initial known, "J. Smith" is them; with John and Jane, only full names meet.
        safe = len(people) <= 1
        return sum(count for other, count in known.items()
                   if name.agrees(other) and (safe or (name.full and other.full)))

    def shared(self, authors: list[str]) -> int:
        """Papers of the set sharing an author with this author list (counted per matching author)."""
        return sum(self.papers_with(a) for a in authors)
