"""TeX in reference fields: the common accents and escapes decoded to Unicode, and text escaped for BibTeX.

Math (`$...$`) and commands this module does not know pass through untouched in both directions: titles from
arXiv are TeX, and keeping their TeX is what lets them print right again. So does TeX nested deeper than
MAX_DEPTH groups or commands: decoding recurses once per level, and input must not reach Python's recursion limit.
"""
from __future__ import annotations

import re
import string
import unicodedata

_LETTERS = frozenset(string.ascii_letters)
_COMBINING = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323",
    "b": "\u0331",
}
_SYMBOLS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "l": "ł",
    "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "S": "§",
    "P": "¶", "textbraceleft": "{", "textbraceright": "}", "textbackslash": "\\", "textasciitilde": "~",
    "textasciicircum": "^", "textunderscore": "_", "textendash": "–", "textemdash": "—", "copyright": "©",
    "textregistered": "®", "texttrademark": "™", "textquotedbl": '"',
}
# Commands whose argument is plain text in another font: the text stays, the command goes.
_FORMATTING = frozenset({"emph", "textit", "textbf", "textsc", "texttt", "textrm", "textsf", "textsl", "textup",
                         "textmd", "textnormal", "mbox", "text"})
_DECLARATIONS = frozenset({"em", "it", "bf", "sc", "tt", "rm", "sf", "sl", "itshape", "bfseries", "scshape",
                           "normalfont", "upshape", "relax"})
_ESCAPED = frozenset("&%$#_{}")
_CONTROL_SYMBOLS = _ESCAPED | (frozenset(_COMBINING) - _LETTERS) | frozenset(" \\-/,;:!")  # \& \' \, ...
_MATH = re.compile(r"(?<!\\)(\$\$?)")
MAX_DEPTH = 32  # real titles nest a handful of levels; each level is three Python frames


def latex_to_text(text: str) -> str:
    """Unicode text for a BibTeX field: accents and escapes decoded, grouping braces dropped, spaces collapsed."""
    return " ".join(_decode(text or "").split())


def text_to_latex(text: str, protect_case: bool = False) -> str:
    """`text` as the inside of a braced BibTeX value: LaTeX's special characters escaped, braces balanced.

    TeX already in the text (math, commands, escaped characters) is kept. `protect_case` braces words with inner
    capitals (BERT, ImageNet) so bibliography styles that lower-case titles leave them alone.
    """
    text = text or ""
    balanced = _braces_balanced(text)
    segments = _split_math(text) if balanced else None
    out = []
    for is_math, segment in segments or [(False, text)]:
        if is_math:
            out.append(segment)
            continue
        for word in re.split(r"(\s+)", segment):
            escaped = _escape(word, balanced)
            protect = protect_case and any(c.isupper() for c in word[1:]) and not set(word) & set("\\{}$")
            out.append("{" + escaped + "}" if protect else escaped)
    return "".join(out)


def _decode(s: str, depth: int = 0) -> str:
    if depth > MAX_DEPTH:
        return s
    out, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            piece, i = _command(s, i, depth)
            out.append(piece)
        elif c == "$":
            end = _math_end(s, i)
            out.append(s[i:end] if end > i else "$")
            i = max(end, i + 1)
        elif c in "{}":
            i += 1
        elif c == "~":
            out.append(" ")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _command(s: str, i: int, depth: int) -> tuple[str, int]:
    """The text of the command at s[i] (a backslash), and where the text after it starts."""
    n = len(s)
    if depth > MAX_DEPTH:  # the rest, as written
        return s[i:], n
    if i + 1 >= n:
        return "\\", n
    c = s[i + 1]
    if c not in _LETTERS:
        if c in _COMBINING:
            arg, end = _argument(s, _skip_spaces(s, i + 2), depth)
            return (_accent(c, arg), end) if arg is not None else (c, i + 2)
        if c in _ESCAPED:
            return c, i + 2
        if c in " \\,;:":
            return " ", i + 2
        if c in "-/!":
            return "", i + 2
        return s[i:i + 2], i + 2
    j = i + 1
    while j < n and s[j] in _LETTERS:
        j += 1
    name = s[i + 1:j]
    after = _skip_spaces(s, j)
    if name in _COMBINING:
        arg, end = _argument(s, after, depth)
        if arg is not None:
            return _accent(name, arg), end
    if name in _SYMBOLS:
        return _SYMBOLS[name], after + 2 if s.startswith("{}", after) else after
    if name in _FORMATTING and s.startswith("{", after):
        end = _group_end(s, after)
        return _decode(s[after + 1:end - 1], depth + 1), end
    if name in _DECLARATIONS:
        return "", after
    # Unknown: TeX the reader's LaTeX understands (\hbar, \LaTeX{}): kept verbatim with its argument.
    if s.startswith("{", j):
        end = _group_end(s, j)
        return s[i:end], end
    k = j
    while k < n and s[k] in "{}":
        k += 1
    # "{\TeX}book" loses its braces here: "\TeX{}book" still ends the command where it ended.
    return s[i:j] + ("{}" if j < k < n and s[k] in _LETTERS else ""), j


def _argument(s: str, k: int, depth: int) -> tuple[str | None, int]:
    if k >= len(s) or s[k] == "}":
        return None, k
    if s[k] == "{":
        end = _group_end(s, k)
        return _decode(s[k + 1:end - 1], depth + 1), end
    if s[k] == "\\":
        return _command(s, k, depth + 1)
    return s[k], k + 1


def _accent(mark: str, arg: str) -> str:
    if not arg:
        return mark if mark not in _LETTERS else ""  # \^{} is a circumflex on its own
    base = {"ı": "i", "ȷ": "j"}.get(arg[0], arg[0])
    return unicodedata.normalize("NFC", base + _COMBINING[mark]) + arg[1:]


def _group_end(s: str, k: int) -> int:
    """The index after the brace that closes the group opening at s[k]; the end of `s` if none does."""
    depth, i, n = 0, k, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        depth += (c == "{") - (c == "}")
        i += 1
        if depth == 0:
            return i
    return n


def _math_end(s: str, i: int) -> int:
    delimiter = "$$" if s.startswith("$$", i) else "$"
    match = re.compile(r"(?<!\\)" + re.escape(delimiter)).search(s, i + len(delimiter))
    return match.end() if match else i


def _skip_spaces(s: str, j: int) -> int:
    while j < len(s) and s[j] in " \t\n":
        j += 1
    return j


def _split_math(text: str) -> list[tuple[bool, str]] | None:
    """Text and math segments in order; None when a `$` has no partner (then none of it is math)."""
    parts, pos = [], 0
    while True:
        match = _MATH.search(text, pos)
        if not match:
            parts.append((False, text[pos:]))
            return parts
        close = re.compile(r"(?<!\\)" + re.escape(match.group(1))).search(text, match.end())
        if not close:
            return None
        parts += [(False, text[pos:match.start()]), (True, text[match.start():close.end()])]
        pos = close.end()


def _braces_balanced(text: str) -> bool:
    """Balanced the way BibTeX counts, which is every brace, escaped or not."""
    depth = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def _escape(word: str, keep_braces: bool) -> str:
    out, i, n = [], 0, len(word)
    while i < n:
        c = word[i]
        nxt = word[i + 1] if i + 1 < n else ""
        if c == "\\" and nxt in _LETTERS:
            out.append(c)  # a command the text carries: its letters follow unchanged
        elif c == "\\" and nxt and nxt in _CONTROL_SYMBOLS and (keep_braces or nxt not in "{}"):
            out.append(c + nxt)
            i += 1
        elif c == "\\":
            # An escaped brace in unbalanced text is spelled out just below; any other lone backslash is text.
            out.append("" if nxt in ("{", "}") else r"\textbackslash{}")
        elif c in "&%#_$":
            out.append("\\" + c)
        elif c in "~^":
            out.append("\\" + c + "{}")
        elif c in "{}":
            out.append(c if keep_braces else (r"\textbraceleft{}" if c == "{" else r"\textbraceright{}"))
        else:
            out.append(c)
        i += 1
    return "".join(out)
