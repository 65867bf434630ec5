"""When a reason a card shows is true: one written definition per kind of reason, with its threshold, as small
predicates on facts (similarities, the history, the interests), and `violations`, which checks a card as shown
against facts found elsewhere (the session benchmark recomputes them from the vectors: readnext bench session).

The thresholds are today's (explain.py); the definitions add what a reader takes a reason to mean: "Because you
read X" names a paper of the history other than the page being read, close enough to the card; an interest is
named only when it is the card's nearest; shared terms are in both papers; every card says why it is there.
One copy of each rule: explain.py is to take these predicates rather than keep its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..records import authors as names

# A cosine below this is not "close": no "Because you read X", no "Close to the page". Measured with the real
# model on the arXiv sample (docs/ranking.md): 0.6 % of pairs of papers that share no arXiv archive pass (their
# 99.4th percentile), 0.09 % between astro-ph, cond-mat and math, a third of the pairs of one category; at 0.30,
# 3.7 % of the fields apart passed.
RELATED = 0.40
DISMISSED_NEAR = 0.6  # "Ranked lower: close to a paper you marked not interested" from this cosine on
WEEK_DAYS, MONTH_DAYS = 7, 30  # "New this week", "New this month": days since the first version
CATEGORY_MIN = 2  # "In C, like N papers you read" needs N of them
MIN_INTERESTS = 2  # one interest is the whole history: naming it or "ordering for variety" says nothing
FIGURE_TOLERANCE = 0.015  # a similarity shown to two decimals, against the cosine recomputed in float32

HISTORY_STATES = ("read", "saved", "own")
TITLE_QUOTES = "\"'“”‘’„«» "
DEFINITIONS = {
    "history-close": f"“Because you read/saved X”, “Close to your paper X”: X is a paper of the history in that "
                     f"state, at cosine ≥ {RELATED} to the card",
    "history-not-page": "“Because you read/saved X”: X is not the page being read",
    "context-close": f"“Close to the page you are reading / your search”: the card's cosine to the page (or the "
                     f"query) ≥ {RELATED}",
    "interest-nearest": f"“Your interest: L”: L is the interest whose centroid is nearest the card, and there are "
                        f"≥ {MIN_INTERESTS} interests",
    "interest-near": "“Near your interest L”: L is the interest whose centroid is nearest the card, any number of "
                     "interests (the weaker reason of a card that no other reason holds for)",
    "context-related": "“Related to the page you are reading / your search (similarity s)”: there is a page or a "
                       "query, and s is the card's cosine to it, whatever its size (the weaker reason of a card that "
                       "no other reason holds for)",
    "terms-shared": "“Shared terms: t, …”: every term is a word of the card and of the history paper the card "
                    "names (of some history paper when it names none)",
    "author-shared": "“Also by A”: A is an author of the card and agrees with an author of a history paper",
    "category-count": f"“In C, like N papers you read”: C is the card's first category and at least N "
                      f"(≥ {CATEGORY_MIN}) history papers have it first",
    "recent": f"“New this week / month”: the first version is at most {WEEK_DAYS} / {MONTH_DAYS} days old",
    "dismissed-close": f"“Ranked lower: close to a paper you marked not interested”: cosine ≥ {DISMISSED_NEAR} "
                       f"to a dismissed paper",
    "similarity-figure": f"a similarity shown is the cosine recomputed, within {FIGURE_TOLERANCE}",
    "readable": "the reason is one of the known phrasings",
    "has-reason": "every card shows at least one reason",
    "variety-note": f"“Ordered for variety … another of your interests”: only with ≥ {MIN_INTERESTS} interests",
    "nothing-close": f"“Nothing on this page is close to what you read”: no unread paper of the page is at cosine "
                     f"≥ {RELATED} to a history paper",
}


# --- the predicates --------------------------------------------------------------------------------------------

def is_close(similarity: float | None) -> bool:
    return similarity is not None and similarity >= RELATED


def history_reason_holds(similarity: float, history_paper_is_the_page: bool) -> bool:
    return is_close(similarity) and not history_paper_is_the_page


def context_reason_holds(similarity: float | None) -> bool:
    return is_close(similarity)


def interest_reason_holds(is_nearest: bool, interests: int) -> bool:
    return is_nearest and interests >= MIN_INTERESTS


def near_interest_reason_holds(is_nearest: bool) -> bool:
    return is_nearest


def related_reason_holds(similarity: float | None) -> bool:
    return similarity is not None


def terms_reason_holds(terms, card_words, history_words) -> bool:
    return bool(terms) and all(term in card_words and term in history_words for term in terms)


def author_reason_holds(authors, card_authors, history_authors) -> bool:
    """Each named author (any, when none is named) is the card's and agrees with a history paper's author."""
    known = [n for n in map(names.parse, history_authors) if n is not None]
    named = [n for n in map(names.parse, authors or card_authors) if n is not None]
    on_card = [n for n in map(names.parse, card_authors) if n is not None]
    shared = [n for n in named if any(n.agrees(c) or n == c for c in on_card)
              and any(n.agrees(k) or n == k for k in known)]
    return bool(named) and (len(shared) == len(named) if authors else bool(shared))


def category_reason_holds(category: str, count: int, card_category: str | None, history_count: int) -> bool:
    return category == card_category and CATEGORY_MIN <= count <= history_count


def recent_reason_holds(days: int, age_days: int | None) -> bool:
    return age_days is not None and 0 <= age_days <= days


def dismissed_reason_holds(similarity: float) -> bool:
    return similarity >= DISMISSED_NEAR


def figure_holds(shown: float, cosine: float) -> bool:
    return abs(shown - cosine) <= FIGURE_TOLERANCE


def variety_note_holds(interests: int) -> bool:
    return interests >= MIN_INTERESTS


def nothing_close_holds(best_similarity: float | None) -> bool:
    """`best_similarity`: the largest cosine of an unread paper of the page to a history paper (None: no history)."""
    return best_similarity is None or best_similarity < RELATED


# --- a card as shown, and the facts it is checked against ------------------------------------------------------

@dataclass(frozen=True)
class ShownReason:
    """A reason as the reader sees it: its kind, its full text and what the text names (`fields`: title,
    state, similarity, terms, authors, label, category, count, days, query)."""
    kind: str
    text: str
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryPaper:
    paper_id: str
    title: str
    state: str  # read, saved or own
    similarity: float  # cosine to the card
    words: frozenset = frozenset()
    authors: tuple = ()
    category: str | None = None  # first category


@dataclass
class CardFacts:
    page_paper_id: str | None  # the paper being read; None on lists
    context_similarity: float | None  # the card's cosine to the page's paper or query; None without one
    history: list[HistoryPaper]  # the positive history: read, saved, own
    nearest_interest: str | None  # the label of the interest whose centroid is nearest the card
    interests: int
    words: frozenset
    authors: tuple
    category: str | None
    age_days: int | None
    dismissed_similarity: float  # largest cosine to a dismissed paper; 0 without one


@dataclass(frozen=True)
class Violation:
    definition: str  # a key of DEFINITIONS
    reason: str  # the reason's text ("" for what is about the card or the list)
    detail: str


def violations(reasons: list[ShownReason], facts: CardFacts) -> list[Violation]:
    """What is false in a card's reasons, by DEFINITIONS; [] when every reason holds."""
    if not reasons:
        return [Violation("has-reason", "", "the card shows no reason")]
    named = _named_history(reasons, facts)
    found = []
    for reason in reasons:
        found += [Violation(d, reason.text, detail) for d, detail in _check(reason, facts, named)]
    return found


def note_violations(note: str, empty: str, interests: int, page_best_similarity: float | None) -> list[Violation]:
    """What is false in a list's note and its empty line."""
    found = []
    if "for variety" in note and not variety_note_holds(interests):
        found.append(Violation("variety-note", note, f"{interests} interest(s)"))
    if "Nothing on this page is close" in empty and not nothing_close_holds(page_best_similarity):
        found.append(Violation("nothing-close", empty, f"a paper of the page is at cosine {page_best_similarity:.2f} "
                                                       f"to a history paper"))
    return found


def _named_history(reasons: list[ShownReason], facts: CardFacts) -> HistoryPaper | None:
    """The history paper the card's history reason names, if any."""
    for reason in reasons:
        if reason.kind == "history":
            return _by_title(facts.history, reason.fields.get("title", ""))
    return None


def _by_title(history: list[HistoryPaper], title: str) -> HistoryPaper | None:
    """The history paper of this title, as a reason quotes it: without the quotes a title may come in."""
    same = lambda text: " ".join(text.split()).strip(TITLE_QUOTES).casefold()  # noqa: E731
    matches = [p for p in history if same(p.title) == same(title)]
    return max(matches, key=lambda p: p.similarity) if matches else None


def _check(reason: ShownReason, facts: CardFacts, named: HistoryPaper | None) -> list[tuple[str, str]]:
    """(definition, detail) of each way the reason is false."""
    fields, kind = reason.fields, reason.kind
    if kind == "history":
        paper = _by_title(facts.history, fields.get("title", ""))
        if paper is None:
            return [("history-close", "names no paper of the history")]
        found = []
        if paper.state != fields.get("state"):
            found.append(("history-close", f"the paper is {paper.state}, not {fields.get('state')}"))
        if not is_close(paper.similarity):
            found.append(("history-close", f"cosine {paper.similarity:.2f}"))
        if paper.paper_id == facts.page_paper_id:  # history_reason_holds, told apart from closeness
            found.append(("history-not-page", "names the page being read"))
        return found + _figure(fields, paper.similarity)
    if kind == "context":
        if not context_reason_holds(facts.context_similarity):
            shown = "no page" if facts.context_similarity is None else f"cosine {facts.context_similarity:.2f}"
            return [("context-close", shown)]
        return _figure(fields, facts.context_similarity)
    if kind == "interest":
        label = fields.get("label", "")
        if not interest_reason_holds(label == facts.nearest_interest, facts.interests):
            return [("interest-nearest", f"nearest: {facts.nearest_interest!r}, {facts.interests} interest(s)")]
        return []
    if kind == "near-interest":
        if not near_interest_reason_holds(fields.get("label", "") == facts.nearest_interest):
            return [("interest-near", f"nearest: {facts.nearest_interest!r}")]
        return []
    if kind == "related":
        if not related_reason_holds(facts.context_similarity):
            return [("context-related", "no page or query")]
        return _figure(fields, facts.context_similarity)
    if kind == "terms":
        words = named.words if named is not None else frozenset().union(*(p.words for p in facts.history))
        terms = fields.get("terms", [])
        if not terms_reason_holds(terms, facts.words, words):
            missing = [t for t in terms if t not in facts.words or t not in words]
            return [("terms-shared", "not in both: " + ", ".join(missing or terms))]
        return []
    if kind == "author":
        history_authors = [a for p in facts.history for a in p.authors]
        if not author_reason_holds(fields.get("authors", []), facts.authors, history_authors):
            return [("author-shared", "no such author on the card and in the history")]
        return []
    if kind == "category":
        count = sum(p.category == fields.get("category") for p in facts.history)
        if not category_reason_holds(fields.get("category"), fields.get("count", 0), facts.category, count):
            return [("category-count", f"card in {facts.category}, {count} history paper(s) in "
                                       f"{fields.get('category')}")]
        return []
    if kind == "recent":
        if not recent_reason_holds(fields.get("days", 0), facts.age_days):
            return [("recent", f"{facts.age_days} days old")]
        return []
    if kind == "dismissed":
        if not dismissed_reason_holds(facts.dismissed_similarity):
            return [("dismissed-close", f"cosine {facts.dismissed_similarity:.2f}")]
        return []
    return [("readable", f"kind {kind!r}")]


def _figure(fields: dict, cosine: float) -> list[tuple[str, str]]:
    shown = fields.get("similarity")
    if shown is None or figure_holds(shown, cosine):
        return []
    return [("similarity-figure", f"shows {shown:.2f}, cosine {cosine:.3f}")]
