"""Words of a paper, for term statistics, interest labels and the 'shared terms' reason."""
from __future__ import annotations

import re

_WORD = re.compile(r"[a-z][a-z\-]{2,}")

STOPWORDS = frozenset("""
a about above after again against all also although among an and another any are around as at based be
because been before being below between both but by can could did do does doing done during each either
et etc few for from further given had has have having here how however if in into is it its itself just
less like made make many may more most much must new no nor not novel now of off often on once one only or
other our out over own paper per present presented proposed propose proposes result results same several
shall she should show shown shows since so some such than that the their them then there these they this
those three through thus to too two under until up upon us use used uses using via was we well were what
when where whether which while who whom why will with within without would yet you your approach method
methods problem problems study studies work works first second also obtained find found provide provides
able allow allows known recent recently different various important including case cases paper abstract
however whose here therefore significantly significant general particular number large small high low order
well new main further part respectively even still thereby due consider considered obtain show based given
""".split())


def tokens(text: str) -> list[str]:
    """Lower-case words of three letters or more, hyphens kept, stop words and TeX commands dropped."""
    text = re.sub(r"\\[a-zA-Z]+|\$[^$]*\$", " ", text.lower())
    return [w.strip("-") for w in _WORD.findall(text) if w.strip("-") not in STOPWORDS and len(w.strip("-")) > 2]


def term_set(text: str) -> set[str]:
    return set(tokens(text))
