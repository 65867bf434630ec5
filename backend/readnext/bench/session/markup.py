"""Small tools for filling saved pages with other papers: replacements that must hit exactly where expected (a
saved page that changed fails loudly instead of serving stale text), an element's extent, escaping."""
from __future__ import annotations

import html
from html.parser import HTMLParser

# The subject line's names ("Condensed Matter (cond-mat.str-el)"): the content scripts read the code in
# parentheses; the archive's name stands for the category's own.
ARCHIVES = {
    "astro-ph": "Astrophysics", "cond-mat": "Condensed Matter", "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment", "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology", "hep-th": "High Energy Physics - Theory",
    "math-ph": "Mathematical Physics", "nlin": "Nonlinear Sciences", "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory", "physics": "Physics", "quant-ph": "Quantum Physics", "math": "Mathematics",
    "cs": "Computer Science", "q-bio": "Quantitative Biology", "q-fin": "Quantitative Finance",
    "stat": "Statistics", "eess": "Electrical Engineering and Systems Science", "econ": "Economics",
}


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def replace_once(text: str, old: str, new: str) -> str:
    count = text.count(old)
    if count != 1:
        raise ValueError(f"the template holds {count} copies of {old[:80]!r}, expected one")
    return text.replace(old, new)


def replace_every(text: str, old: str, new: str) -> str:
    """Every copy of `old` (a saved page may repeat a part, for small screens), at least one."""
    if old not in text:
        raise ValueError(f"the template holds no {old[:80]!r}")
    return text.replace(old, new)


def between(text: str, start: str, end: str) -> tuple[int, int]:
    """The span of what lies between the only `start` and the first `end` after it."""
    if text.count(start) != 1:
        raise ValueError(f"the template holds {text.count(start)} copies of {start[:80]!r}, expected one")
    first = text.index(start) + len(start)
    return first, text.index(end, first)


def replace_between(text: str, start: str, end: str, new: str) -> str:
    first, last = between(text, start, end)
    return text[:first] + new + text[last:]


class _Depth(HTMLParser):
    def __init__(self, tag: str):
        super().__init__(convert_charrefs=False)
        self.tag, self.depth, self.end = tag, 0, None

    def handle_starttag(self, tag, attrs):
        if tag == self.tag and self.end is None:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == self.tag and self.end is None:
            self.depth -= 1
            if self.depth == 0:
                self.end = self.getpos()


def element_end(text: str, start: int) -> int:
    """The offset just past the end tag of the element whose start tag begins at `start`."""
    tag = text[start + 1:].split(None, 1)[0].split(">", 1)[0].lower()
    parser = _Depth(tag)
    parser.feed(text[start:])
    if parser.end is None:
        raise ValueError(f"no end to the <{tag}> at {start}")
    line, column = parser.end  # HTMLParser counts lines by "\n" alone
    offset = start
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return text.index(">", offset + column) + 1


def subjects(categories: list[str]) -> str:
    """arXiv's subject line: the primary category in span.primary-subject, then the others."""
    named = [f"{ARCHIVES.get(c.split('.')[0], c)} ({c})" for c in categories]
    if not named:
        return ""
    return "; ".join([f'<span class="primary-subject">{escape(named[0])}</span>', *map(escape, named[1:])])


def scholar_name(name: str) -> str:
    """How Scholar prints an author: initials then the family name ("Robert D. Ryne" -> "RD Ryne")."""
    words = name.replace(".", " ").split()
    if len(words) < 2:
        return name
    return "".join(w[0] for w in words[:-1] if w[0].isalpha()).upper() + " " + words[-1]
