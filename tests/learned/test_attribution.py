"""Reasons from what moved the learned score, and the learned weights in words."""
import numpy as np

from readnext.learned.attribution import describe, faithful
from readnext.learned.features import FEATURES, INDEX, prior

HISTORY = {"kind": "history", "text": "Because you read “A”"}
INTEREST = {"kind": "interest", "text": "Your interest: graphs"}
CONTEXT = {"kind": "context", "text": "Close to the page you are reading"}
AUTHOR = {"kind": "author", "text": "Also by Ada Lovelace"}
RECENT = {"kind": "recent", "text": "New this week"}


def contributions(**parts) -> np.ndarray:
    row = np.zeros(len(FEATURES))
    for name, value in parts.items():
        row[INDEX[name]] = value
    return row


def test_because_you_read_needs_the_nearest_paper_to_dominate():
    near = contributions(nearest=0.3, top=0.1, interest=0.1, context=0.1)
    assert [r["kind"] for r in faithful([HISTORY, INTEREST, CONTEXT, RECENT], near)] == \
        ["history", "interest", "context", "recent"]
    broad = contributions(nearest=0.1, top=0.05, interest=0.3, context=0.1)
    assert [r["kind"] for r in faithful([HISTORY, INTEREST, CONTEXT, RECENT], broad)] == \
        ["interest", "context", "recent"]


def test_reasons_come_largest_first_and_small_ones_go():
    mostly_page = contributions(nearest=0.1, context=0.5, interest=0.02)
    assert [r["kind"] for r in faithful([HISTORY, INTEREST, CONTEXT], mostly_page)] == ["context", "history"]


def test_an_author_is_never_the_only_reason():
    by_author = contributions(authors_read=0.5, nearest=0.06, interest=0.04)
    kinds = [r["kind"] for r in faithful([HISTORY, INTEREST], by_author)]
    assert kinds[0] == "author" and len(kinds) == 2


def test_the_formula_itself_says_nothing_learned():
    assert describe(prior(), prior()) == []
    assert describe(2 * prior(), prior()) == []  # a larger weighting ranks the same


def test_moved_weights_are_told_in_words():
    weights = prior().copy()
    weights[INDEX["authors_own"]] = 0.2
    weights[INDEX["age"]] = -0.1
    words = describe(weights, prior())
    assert "You open papers that share authors with yours more than topic alone predicts" in words
    assert "You prefer recent papers" in words
