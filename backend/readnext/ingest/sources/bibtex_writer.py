"""BibTeX out: Papers written as valid BibTeX, each under a unique citation key."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ...store import storage
from ...records.papers import Paper, arxiv_id
from .bibtex import _NAME_SUFFIXES
from .common import iso_date
from ...records.latex import latex_to_text, text_to_latex

_KEY_WORD_SKIP = frozenset("a an the on of in for to and with is are towards toward via from by at do does".split())
# "ATLAS Collaboration" is one author, not Mr Collaboration: written braced, keyed by its first word.
_GROUP_NAME = re.compile(r"\s(?:Collaboration|Consortium|Team|Group|Project|Committee|Organi[sz]ation|Institute|"
                         r"Association|Society|Initiative)$", re.IGNORECASE)


def papers_to_bibtex(papers: list[Paper]) -> str:
    """A .bib text with one entry per paper: @misc with eprint fields for an arXiv preprint, @article where a
    venue is known. A `bib:<key>` paper keeps its key; the others get unique keys like vaswani2017attention."""
    reserved = {p.id[4:] for p in papers if p.id.startswith("bib:") and _valid_key(p.id[4:])}
    used: set[str] = set()
    return "\n".join(_entry_text(paper, citation_key(paper, used, reserved)) for paper in papers)


def write_bibtex(path: Path | str, papers: list[Paper]) -> None:
    storage.atomic_write_bytes(Path(path), papers_to_bibtex(papers).encode("utf-8"))


def citation_key(paper: Paper, used: set[str], reserved: frozenset[str] | set[str] = frozenset()) -> str:
    """A key not in `used` (which it joins): the paper's own `bib:` key, else surname + year + title word."""
    own = paper.id[4:] if paper.id.startswith("bib:") else ""
    if own and _valid_key(own) and own not in used:
        used.add(own)
        return own
    base = _key_base(paper)
    suffixes = [""] + [chr(c) for c in range(ord("b"), ord("z") + 1)]
    key = next((base + s for s in suffixes if base + s not in used | reserved), None)
    number = 27
    while key is None or key in used or key in reserved:
        key, number = f"{base}{number}", number + 1
    used.add(key)
    return key


def _key_base(paper: Paper) -> str:
    surname = "anon"
    if paper.authors:
        tokens = latex_to_text(paper.authors[0]).split(",")[0].split()
        while len(tokens) > 1 and tokens[-1].lower() in _NAME_SUFFIXES:
            tokens.pop()
        if _GROUP_NAME.search(paper.authors[0]):
            tokens = tokens[:1]
        surname = _ascii_word(tokens[-1]) if tokens else ""
    words = [_ascii_word(w) for w in re.sub(r"\$[^$]*\$", " ", latex_to_text(paper.title)).split()]
    word = next((w for w in words if w and w not in _KEY_WORD_SKIP), "")
    return f"{surname or 'anon'}{paper.year or ''}{word}"


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _valid_key(key: str) -> bool:
    return bool(re.fullmatch(r"[^\s,{}()\"#%'=\\~]+", key))


def _entry_text(paper: Paper, key: str) -> str:
    ids = [paper.id, *paper.aliases]
    arxiv = next((i for i in ids if arxiv_id(i) == i), "")
    dois = [i[4:] for i in ids if i.startswith("doi:")]
    # arXiv's own DOI (10.48550/arXiv.<id>) repeats the eprint fields; a publisher's DOI says more.
    doi = next((d for d in dois if not (arxiv and d.startswith("10.48550/"))), dois[0] if dois else "")
    fields = [
        ("author", " and ".join(_author_value(a) for a in paper.authors)),
        ("title", text_to_latex(paper.title, protect_case=True)),
        ("journal", text_to_latex(paper.venue)),
        ("year", str(paper.year or "")),
        ("date", iso_date(paper.date)),
        ("doi", _verbatim(doi)),
        ("eprint", arxiv),
        ("archivePrefix", "arXiv" if arxiv else ""),
        ("primaryClass", paper.categories[0] if arxiv and paper.categories else ""),
        ("url", _verbatim(paper.url)),
        ("abstract", text_to_latex(paper.abstract)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@{'article' if paper.venue else 'misc'}{{{key},\n{body}\n}}\n"


def _author_value(name: str) -> str:
    value = text_to_latex(name)
    # BibTeX would read a comma as "Last, First", " and " as two people and "ATLAS Collaboration" as a Mr
    # Collaboration: a brace group keeps the name whole.
    whole = "," in name or re.search(r"\sand\s", name, re.IGNORECASE) or _GROUP_NAME.search(name)
    return "{" + value + "}" if whole else value


def _verbatim(value: str) -> str:
    """A URL or DOI as a field value: kept as it is, but for what would unbalance the braces or split it."""
    return re.sub(r"[{}\s]", lambda m: "%{:02X}".format(ord(m.group())), value or "")
