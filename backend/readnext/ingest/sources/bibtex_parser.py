"""A small parser of .bib files into entries, following BibTeX's own rules.

`@type{key, field = value, ...}` or with parentheses; a value is `{braced}`, `"quoted"`, a number or an `@string`
macro, joined with `#`; text outside entries, `@comment` and `@preamble` are ignored. An entry that cannot be read
is reported and skipped; the rest of the file still counts. Macros expand within bounds: a value may grow to
MAX_VALUE characters, and a file's macros may add MAX_EXPANSION in all (an @string that doubles the one before it
would otherwise take gigabytes from a few hundred bytes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import ValidationError
from ...records.papers import quoted
from .common import MAX_ENTRIES, ImportResult, check_entries

MAX_VALUE = 100_000  # characters of one value once its macros are expanded; an abstract is a few thousand
MAX_EXPANSION = 10_000_000  # characters all the macros of a file add, together
_MONTHS = {m.lower()[:3]: m for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December")}
_IDENTIFIER = re.compile(r"[A-Za-z_][\w\-:.+]*")
_NUMBER = re.compile(r"\d+")
_ENTRY_AT_LINE_START = re.compile(r"^[ \t]*@", re.MULTILINE)
_BRACE_OR_QUOTE = re.compile(r'[{}"]')


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
