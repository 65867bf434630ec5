"""reasons.py: each definition holds where its reason is true and fails where the issue found it false."""
import numpy as np
import pytest

from conftest import sample_records
from readnext.ranking import reasons
from readnext.ranking.reasons import CardFacts, HistoryPaper, ShownReason, note_violations, violations

READ = HistoryPaper("0704.0001", "Spin waves in frustrated magnets", "read", 0.55,
                    words=frozenset({"spin", "waves", "frustrated", "magnets"}), authors=("Ada Okafor",),
                    category="cond-mat.str-el")
PAGE = HistoryPaper("0704.0002", "Dense two-dimensional hydrogen", "read", 0.62, words=frozenset({"hydrogen"}),
                    category="cond-mat.mtrl-sci")


def facts(**changes) -> CardFacts:
    values = dict(page_paper_id=None, context_similarity=0.5, history=[READ, PAGE], nearest_interest="spin · magnets",
                  interests=2, words=frozenset({"spin", "magnets", "order"}), authors=("A. Okafor", "Kenji Tanaka"),
                  category="cond-mat.str-el", age_days=400, dismissed_similarity=0.0)
    return CardFacts(**{**values, **changes})


def history(title: str, state: str = "read", similarity: float | None = None) -> ShownReason:
    fields = {"title": title, "state": state, **({"similarity": similarity} if similarity is not None else {})}
    return ShownReason("history", f"Because you read “{title}”", fields)


def definitions(found) -> list[str]:
    return [v.definition for v in found]


def test_the_predicates_at_their_thresholds():
    related = reasons.RELATED
    assert reasons.history_reason_holds(related, False) and not reasons.history_reason_holds(related - 0.01, False)
    assert not reasons.history_reason_holds(0.9, True)  # the page being read is no reason for itself
    assert reasons.context_reason_holds(related) and not reasons.context_reason_holds(related - 0.01)
    assert not reasons.context_reason_holds(None)  # no page, nothing to be close to
    assert reasons.interest_reason_holds(True, 2) and not reasons.interest_reason_holds(True, 1)
    assert not reasons.interest_reason_holds(False, 3)
    assert reasons.terms_reason_holds(["spin"], {"spin"}, {"spin", "x"})
    assert not reasons.terms_reason_holds(["spin"], {"spin"}, {"x"}) and not reasons.terms_reason_holds([], {"a"}, {"a"})
    assert reasons.category_reason_holds("math.PR", 2, "math.PR", 3)
    assert not reasons.category_reason_holds("math.PR", 3, "math.PR", 2)  # claims more papers than read
    assert not reasons.category_reason_holds("math.PR", 1, "math.PR", 1)
    assert reasons.recent_reason_holds(7, 7) and not reasons.recent_reason_holds(7, 8)
    assert not reasons.recent_reason_holds(30, None)
    assert reasons.dismissed_reason_holds(0.6) and not reasons.dismissed_reason_holds(0.59)
    assert reasons.variety_note_holds(2) and not reasons.variety_note_holds(1) and not reasons.variety_note_holds(0)
    assert reasons.nothing_close_holds(related - 0.01) and reasons.nothing_close_holds(None)
    assert not reasons.nothing_close_holds(0.44)


def test_authors_agree_by_family_name_and_initials():
    assert reasons.author_reason_holds(["A. Okafor"], ["A. Okafor", "K Tanaka"], ["Ada Okafor"])
    assert not reasons.author_reason_holds(["K Tanaka"], ["A. Okafor", "K Tanaka"], ["Ada Okafor"])
    assert not reasons.author_reason_holds(["B. Okafor"], ["B. Okafor"], ["Ada Okafor"])
    assert reasons.author_reason_holds([], ["A. Okafor"], ["Ada Okafor"])  # "Shares authors with papers you …"


def test_true_reasons_pass():
    shown = [history("Spin waves in frustrated magnets", similarity=0.55),
             ShownReason("context", "Close to the page you are reading (similarity 0.50)", {"similarity": 0.5}),
             ShownReason("interest", "Your interest: spin · magnets", {"label": "spin · magnets"}),
             ShownReason("terms", "Shared terms: spin, magnets", {"terms": ["spin", "magnets"]}),
             ShownReason("author", "Also by A. Okafor", {"authors": ["A. Okafor"]})]
    assert violations(shown, facts()) == []


def test_the_issues_false_reasons_are_flagged():
    # "Because you read <this very page>" on the page a card click led to
    assert definitions(violations([history(PAGE.title)], facts(page_paper_id=PAGE.paper_id))) == ["history-not-page"]
    # a history paper far from the card (the hydrogen paper on stellar-abundance papers)
    far = HistoryPaper(PAGE.paper_id, PAGE.title, "read", 0.08)
    assert definitions(violations([history(PAGE.title)], facts(history=[READ, far]))) == ["history-close"]
    assert definitions(violations([history("A paper never read")], facts())) == ["history-close"]
    assert definitions(violations([history(READ.title, state="saved")], facts())) == ["history-close"]
    assert definitions(violations([ShownReason("context", "Close to the page you are reading", {})],
                                  facts(context_similarity=0.12))) == ["context-close"]
    assert definitions(violations([ShownReason("interest", "Your interest: hydrogen", {"label": "hydrogen"})],
                                  facts())) == ["interest-nearest"]
    assert definitions(violations([ShownReason("terms", "Shared terms: lattice", {"terms": ["lattice"]})],
                                  facts())) == ["terms-shared"]
    assert definitions(violations([], facts())) == ["has-reason"]
    assert definitions(violations([ShownReason("unknown", "Trust me", {})], facts())) == ["readable"]
    assert definitions(violations([history(READ.title, similarity=0.80)], facts())) == ["similarity-figure"]


def test_shared_terms_are_checked_against_the_paper_the_card_names():
    terms = ShownReason("terms", "Shared terms: hydrogen", {"terms": ["hydrogen"]})
    card = facts(words=frozenset({"hydrogen", "spin"}))
    assert definitions(violations([history(READ.title), terms], card)) == ["terms-shared"]  # READ lacks it
    assert violations([terms], card) == []  # naming no paper: a word of some history paper


def test_notes():
    variety = "Ordered for variety, not by score alone: a paper on another of your interests may come before one"
    assert definitions(note_violations(variety, "", 0, None)) == ["variety-note"]
    assert note_violations(variety, "", 2, None) == []
    nothing = "Nothing on this page is close to what you read."
    assert definitions(note_violations("", nothing, 2, 0.44)) == ["nothing-close"]
    assert note_violations("", nothing, 2, 0.2) == []


def test_every_definition_is_written_down():
    kinds = {"history-close", "history-not-page", "context-close", "interest-nearest", "terms-shared",
             "author-shared", "category-count", "recent", "dismissed-close", "similarity-figure", "readable",
             "has-reason", "variety-note", "nothing-close", "interest-near", "context-related"}
    assert set(reasons.DEFINITIONS) == kinds


@pytest.mark.model
@pytest.mark.slow
def test_papers_of_different_fields_are_almost_never_close():
    """RELATED, measured: on the 1,219-paper sample with the real model, pairs of papers that share no arXiv
    archive (astro-ph, cond-mat, math, hep-th, ...) against pairs of the same first category (docs/ranking.md)."""
    from readnext.records.papers import paper_from_dict
    from readnext.vectors.embed import TransformerEmbedder
    papers = [paper_from_dict(r) for r in sample_records()]
    vectors = TransformerEmbedder().embed([p.text() for p in papers])
    archives = [{c.split(".")[0] for c in p.categories} for p in papers]
    first = [p.categories[0] if p.categories else None for p in papers]
    i, j = np.triu_indices(len(papers), 1)
    cosines = np.sum(vectors[i] * vectors[j], axis=1)
    same = np.array([first[a] is not None and first[a] == first[b] for a, b in zip(i, j)])
    apart = np.array([not archives[a] & archives[b] for a, b in zip(i, j)])
    three = np.array([{first[a].split(".")[0], first[b].split(".")[0]} <= {"astro-ph", "cond-mat", "math"}
                      if first[a] and first[b] else False for a, b in zip(i, j)]) & apart
    passing = {name: float((cosines[pairs] >= reasons.RELATED).mean())
               for name, pairs in (("apart", apart), ("three", three), ("same", same))}
    print(f"RELATED {reasons.RELATED}: pairs passing {passing}; percentiles of the fields apart (50, 90, 99, 99.5): "
          f"{np.percentile(cosines[apart], [50, 90, 99, 99.5]).round(3)}, of the same category (10, 50, 90): "
          f"{np.percentile(cosines[same], [10, 50, 90]).round(3)}")
    assert passing["apart"] <= 0.01 and passing["three"] <= 0.002  # cross-field pairs almost never pass
    assert passing["same"] >= 0.25  # while a third of the same category's do


def test_the_weaker_reasons_of_a_card_nothing_else_explains():
    near = ShownReason("near-interest", "Near your interest spin · magnets", {"label": "spin · magnets"})
    related = ShownReason("related", "Related to the page you are reading (similarity 0.24)", {"similarity": 0.24})
    assert violations([near, related], facts(context_similarity=0.24, interests=1)) == []
    assert definitions(violations([ShownReason("near-interest", "Near your interest hydrogen", {"label": "hydrogen"})],
                                  facts())) == ["interest-near"]
    assert definitions(violations([related], facts(context_similarity=None))) == ["context-related"]
    assert definitions(violations([related], facts(context_similarity=0.1))) == ["similarity-figure"]


def test_a_history_paper_is_named_by_its_title_without_the_quotes_it_comes_in():
    """explain.py quotes a title itself, dropping the pair of quotes a title may come in."""
    quoted = HistoryPaper("0704.0004", '"Spin ice in pyrochlores"', "read", 0.5)
    assert violations([history("Spin ice in pyrochlores")], facts(history=[quoted])) == []
