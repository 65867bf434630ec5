"""BibTeX in and out: a small parser of .bib files into Papers, and a writer of Papers as valid BibTeX.

Reading follows BibTeX's own rules: `@type{key, field = value, ...}` or with parentheses; a value is `{braced}`,
`"quoted"`, a number or an `@string` macro, joined with `#`; text outside entries, `@comment` and `@preamble` are
ignored. An entry that cannot be read is reported and skipped; the rest of the file still counts. Macros expand
within bounds: a value may grow to MAX_VALUE characters, and a file's macros may add MAX_EXPANSION in all (an
@string that doubles the one before it would otherwise take gigabytes from a few hundred bytes).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ...store import storage
from ...errors import ValidationError
from ...records.papers import Paper, arxiv_id, quoted
from .common import (MAX_ENTRIES, ImportResult, arxiv_in, check_entries, doi_in, iso_date, linked_paper,
                     read_library, venue_of, year_in)
from ...records.latex import latex_to_text, text_to_latex

MAX_VALUE = 100_000  # characters of one value once its macros are expanded; an abstract is a few thousand
MAX_EXPANSION = 10_000_000  # characters all the macros of a file add, together
_MONTHS = {m.lower()[:3]: m for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December")}
_IDENTIFIER = re.compile(r"[A-Za-z_][\w\-:.+]*")
_NUMBER = re.compile(r"\d+")
_ENTRY_AT_LINE_START = re.compile(r"^[ \t]*@", re.MULTILINE)
_BRACE_OR_QUOTE = re.compile(r'[{}"]')
_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_KEY_WORD_SKIP = frozenset("a an the on of in for to and with is are towards toward via from by at do does".split())
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# "ATLAS Collaboration" is one author, not Mr Collaboration: written braced, keyed by its first word.
_GROUP_NAME = re.compile(r"\s(?:Collaboration|Consortium|Team|Group|Project|Committee|Organi[sz]ation|Institute|"
                         r"Association|Society|Initiative)$", re.IGNORECASE)


@dataclass
class BibEntry:
    type: str  # lower case: article, misc, inproceedings, ...
    key: str
    fields: dict[str, str]  # lower-case name -> value with macros expanded and parts joined, TeX untouched
    line: int


class _SyntaxError(Exception):
    """A malformed entry; the parser reports it and goes on with the next one."""


def parse_bibtex(text: str, max_entries: int = MAX_ENTRIES) -> tuple[list[BibEntry], list[str]]:
    """The entries of a .bib text, and one line per problem met (an entry skipped, a macro unknown)."""
    parser = _parsed(text, max_entries)
    return parser.entries, parser.result.problems


def papers_from_bibtex(text: str, source: str = "import", max_entries: int = MAX_ENTRIES) -> ImportResult:
    """The papers of a .bib text; more than `max_entries` entries, or macros that expand past MAX_EXPANSION,
    refuse the file."""
    parser = _parsed(text, max_entries)
    result = parser.result
    for entry in parser.entries:
        try:
            result.papers.append(paper_from_entry(entry, source))
        except ValidationError as error:
            result.problem(f"line {entry.line}, entry {quoted(entry.key)}: {error}")
    return result


def read_bibtex(path: Path | str, source: str = "import") -> ImportResult:
    return papers_from_bibtex(read_library(path), source)


def paper_from_entry(entry: BibEntry, source: str = "import") -> Paper:
    """The paper an entry describes, named by its arXiv id, else its DOI, else `bib:<key>`."""
    fields = entry.fields
    plain = {name: _plain(fields.get(name, "")) for name in (
        "eprint", "archiveprefix", "eprinttype", "primaryclass", "url", "doi", "year", "date")}
    text = {name: latex_to_text(fields.get(name, "")) for name in (
        "title", "journal", "booktitle", "note", "howpublished", "abstract")}
    if not text["title"]:
        raise ValidationError("no title")
    archive = (plain["archiveprefix"] or plain["eprinttype"]).lower()
    arxiv = arxiv_in(plain["eprint"]) if archive in ("", "arxiv") else None
    arxiv = arxiv or arxiv_in(plain["url"], plain["doi"], text["journal"], text["note"], text["howpublished"])
    category = plain["primaryclass"]
    return linked_paper(
        fallback_id=f"bib:{entry.key}",
        arxiv=arxiv,
        doi=doi_in(plain["doi"], plain["url"]),
        source=source,
        title=text["title"],
        abstract=text["abstract"],
        authors=bibtex_authors(fields.get("author", "")),
        year=year_in(plain["year"]) or year_in(plain["date"]),
        date=iso_date(plain["date"]),
        categories=[category] if arxiv and _CATEGORY.match(category) else [],
        url=plain["url"] if plain["url"].startswith(("http://", "https://")) else "",
        venue=venue_of(text["journal"], text["booktitle"]),
    )


def bibtex_authors(value: str) -> list[str]:
    """Names of an `author` field as "First von Last Jr": split on `and`, "Last, First" turned round."""
    names = []
    people = _split_top(value, re.compile(r"\s+and\s+", re.IGNORECASE))
    if len(people) == 1 and _comma_list(people[0]):  # "A. Smith, B. Jones, C. Lee": a list, not Last, First
        people = _split_top(people[0], re.compile(r","))
    for name in people:
        parts = [p.strip() for p in _split_top(name.strip(), re.compile(r","))]
        if len(parts) == 1 and parts[0].lower() == "others":
            continue  # "and others": et al.
        if len(parts) >= 3:  # von Last, Jr, First
            parts = [parts[2], parts[0], parts[1]]
        elif len(parts) == 2:  # von Last, First
            parts = [parts[1], parts[0]]
        full = latex_to_text(" ".join(p for p in parts if p))
        if full:
            names.append(full)
    return names


def _comma_list(value: str) -> bool:
    """Whether one `author` value without `and` is several names separated by commas: more parts than BibTeX's
    "von Last, Jr, First" has, a middle part that is no Jr, or two parts that each read as "First Last"
    ("van der Berg, Hans Peter" stays one person: a name does not start with its lower-case particle)."""
    parts = [p.strip() for p in _split_top(value, re.compile(r","))]
    if len(parts) > 3:
        return True
    if len(parts) == 3:
        return parts[1].lower() not in _NAME_SUFFIXES
    return len(parts) == 2 and all(len(p.split()) >= 2 for p in parts) and parts[0][:1].isupper()


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


def _plain(value: str) -> str:
    """An identifier-like field (eprint, doi, url, year) without grouping braces or TeX escapes."""
    return re.sub(r"\\([_%&#$~])", r"\1", value).replace("{", "").replace("}", "").strip()


def _split_top(text: str, separator: re.Pattern) -> list[str]:
    """`text` split where `separator` matches outside braces."""
    parts, start, depth, counted = [], 0, 0, 0
    for match in separator.finditer(text):
        depth += text.count("{", counted, match.start()) - text.count("}", counted, match.start())
        counted = match.start()
        if depth == 0:
            parts.append(text[start:match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


def _parsed(text: str, max_entries: int) -> "_Parser":
    parser = _Parser(text.lstrip("\ufeff"), ImportResult(), max_entries)
    parser.run()
    return parser


class _Parser:
    def __init__(self, text: str, result: ImportResult, max_entries: int):
        self.text = text
        self.pos = 0
        self.macros = dict(_MONTHS)
        self.entries: list[BibEntry] = []
        self.result = result  # where problems go
        self.max_entries = max_entries
        self.expanded = 0  # characters the macros added so far
        self._line_at = (0, 1)  # (position, its line number): counted forward, never from the start again
        self.entry_line = 1

    def run(self) -> None:
        while True:
            at = self.text.find("@", self.pos)
            if at < 0:
                return
            self.pos = at + 1
            line_start = self.text.rfind("\n", 0, at) + 1
            if self.text[line_start:at].lstrip().startswith("%"):
                continue  # "% mail me@host": BibTeX calls it an entry, everyone else a comment
            self.entry_line = self._line(at)
            try:
                self._entry()
            except _SyntaxError as error:
                self.result.problem(f"line {self.entry_line}: {error}; entry skipped")
                found = _ENTRY_AT_LINE_START.search(self.text, at + 1)
                self.pos = found.start() if found else len(self.text)

    def _line(self, pos: int) -> int:
        start, line = self._line_at
        line += self.text.count("\n", start, pos)
        self._line_at = (pos, line)
        return line

    def _entry(self) -> None:
        kind = self._identifier("an entry type after '@'").lower()
        self._skip_space()
        if kind == "comment":
            if self._peek() in ("{", "("):
                self._delimited()
            return
        opener = self._peek()
        if opener not in ("{", "("):
            raise _SyntaxError(f"expected '{{' or '(' after '@{kind}'")
        closer = "}" if opener == "{" else ")"
        self.pos += 1
        if kind == "preamble":
            self._value()
        elif kind == "string":
            name = self._identifier("a macro name in @string")
            self._expect("=")
            self.macros[name.lower()] = self._value()
        else:
            self._fields(kind, closer)
            return
        self._skip_space()
        self._expect(closer)

    def _fields(self, kind: str, closer: str) -> None:
        self._skip_space()
        match = re.compile(r"[^\s,{}" + re.escape(closer) + r"]+").match(self.text, self.pos)
        if not match:
            raise _SyntaxError(f"@{kind} entry without a citation key")
        key = match.group()
        self.pos = match.end()
        self._skip_space()
        if self._peek() not in (",", closer):
            raise _SyntaxError(f"expected ',' after the key '{key}'")
        fields: dict[str, str] = {}
        while True:
            if self._peek() == ",":
                self.pos += 1
            self._skip_space()
            if self._peek() == closer:
                self.pos += 1
                break
            name = self._identifier(f"a field name in entry '{key}'").lower()
            self._expect("=")
            fields.setdefault(name, self._value())
            self._skip_space()
            if self._peek() not in (",", closer):
                raise _SyntaxError(f"expected ',' or '{closer}' after field '{name}' of entry '{key}'")
        self.entries.append(BibEntry(kind, key, fields, self.entry_line))
        check_entries(len(self.entries), self.max_entries)

    def _value(self) -> str:
        parts, length = [], 0
        while True:
            self._skip_space()
            c = self._peek()
            if c in ("{", '"'):
                parts.append(self._delimited())
            elif c.isdigit():
                parts.append(_NUMBER.match(self.text, self.pos).group())
                self.pos += len(parts[-1])
            else:
                parts.append(self._macro(self._identifier("a value").lower()))
            length += len(parts[-1])
            if length > MAX_VALUE:  # checked before the parts are joined: memory stays bounded
                raise _SyntaxError(f"a value longer than {MAX_VALUE:,} characters once its @string macros expand")
            self._skip_space()
            if self._peek() != "#":
                return "".join(parts)
            self.pos += 1

    def _macro(self, name: str) -> str:
        if name not in self.macros:
            self.result.problem(f"line {self.entry_line}: unknown @string macro {quoted(name)}, left empty")
            return ""
        value = self.macros[name]
        self.expanded += len(value)
        if self.expanded > MAX_EXPANSION:
            raise ValidationError(f"the file's @string macros expand to more than {MAX_EXPANSION:,} characters "
                                  "(a macro bomb?); nothing of it was imported")
        return value

    def _delimited(self) -> str:
        """The inside of the {braced}, (parenthesised) or "quoted" text at pos; braces must balance in it."""
        start, opener = self.pos, self.text[self.pos]
        closer = {"{": "}", "(": ")", '"': '"'}[opener]
        depth, pos = 0, start + 1
        pattern = _BRACE_OR_QUOTE if opener != "(" else re.compile(r"[{}()]")
        while True:
            match = pattern.search(self.text, pos)
            if not match:
                raise _SyntaxError(f"'{opener}' opened here is never closed")
            c, pos = match.group(), match.end()
            if c == closer and depth == 0:
                self.pos = pos
                return self.text[start + 1:pos - 1]
            if c in "{(" and (c == "{" or opener == "("):
                depth += 1
            elif c in "})" and (c == "}" or opener == "("):
                depth -= 1
                if depth < 0:
                    raise _SyntaxError("a '}' closes a brace that was never opened")

    def _identifier(self, what: str) -> str:
        self._skip_space()
        match = _IDENTIFIER.match(self.text, self.pos)
        if not match:
            raise _SyntaxError(f"expected {what}")
        self.pos = match.end()
        return match.group()

    def _expect(self, char: str) -> None:
        self._skip_space()
        if self._peek() != char:
            raise _SyntaxError(f"expected '{char}'")
        self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
