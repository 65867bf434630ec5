"""What a request may hold: each limit at its edge, and the typed values that come out."""
import pytest

from conftest import make_paper
from readnext import validation
from readnext.errors import ValidationError


def test_an_event_batch_keeps_the_valid_and_lists_the_others_by_position():
    batch = validation.events([{"id": "a", "type": "view", "paper": make_paper("2106.09608", "T"), "seconds": 5},
                               {"id": "b", "type": "teleport"}, "not an event"], now_ms=1_700_000_000_000)
    [(event, paper)] = batch.valid
    assert (event.id, event.ts, paper.id) == ("a", 1_700_000_000_000, "2106.09608")
    assert [(r["index"], r["id"]) for r in batch.rejected] == [(1, "b"), (2, None)]
    assert "unknown event type" in batch.rejected[0]["error"]


@pytest.mark.parametrize("raw, fragment", [("x", "must be a list"), ([{}] * (validation.MAX_BATCH + 1), f"at most {validation.MAX_BATCH}")])
def test_a_batch_that_is_not_a_list_or_too_long_fails_whole(raw, fragment):
    with pytest.raises(ValidationError, match=fragment):
        validation.events(raw, 0)


def test_a_context_is_a_paper_sent_else_an_id_else_a_query():
    paper = make_paper("2106.09608v2", "A title")
    assert validation.context({"paper": paper, "paper_id": "x", "query": "q"}).paper.id == "2106.09608"
    assert validation.context({"paper_id": "x", "query": "q"}) == validation.ContextSpec(paper_id="x")
    assert validation.context({"query": "graph nets"}) == validation.ContextSpec(query="graph nets")
    assert validation.context(None) == validation.context({}) == validation.ContextSpec()


@pytest.mark.parametrize("spec", ["x", {"paper_id": 3}, {"query": ""}, {"query": 5}, {"query": "\ud800"},
                                  {"paper": {"title": "no id"}}])
def test_a_malformed_context_is_refused(spec):
    with pytest.raises(ValidationError):
        validation.context(spec)


def test_the_list_size_is_a_whole_number_up_to_the_limit():
    assert validation.list_size(1) == 1 and validation.list_size(validation.MAX_K) == validation.MAX_K
    for wrong in (0, validation.MAX_K + 1, True, 2.0, "10"):
        with pytest.raises(ValidationError, match="'k'"):
            validation.list_size(wrong)


def test_excluded_papers_are_a_bounded_list_of_ids():
    assert validation.excluded(None) == [] and validation.excluded(["a"]) == ["a"]
    for wrong in ("a", [1], ["a"] * (validation.MAX_EXCLUDE + 1)):
        with pytest.raises(ValidationError, match="'exclude'"):
            validation.excluded(wrong)


def test_papers_to_score_are_a_bounded_non_empty_list_of_papers():
    assert [p.id for p in validation.papers_to_score([make_paper("2106.09608", "T")])] == ["2106.09608"]
    too_many = [make_paper(f"t:{i}", "T") for i in range(validation.MAX_SCORE_PAPERS + 1)]
    for wrong, fragment in (([], "non-empty"), ({}, "non-empty"), (too_many, "at most"), ([{"id": 3}], "id")):
        with pytest.raises(ValidationError, match=fragment):
            validation.papers_to_score(wrong)


def test_the_api_s_own_fields():
    assert validation.history_page(validation.MAX_HISTORY_PAGE, 0) == (validation.MAX_HISTORY_PAGE, 0)
    for limit, offset in ((0, 0), (validation.MAX_HISTORY_PAGE + 1, 0), (10, -1)):
        with pytest.raises(ValidationError, match="'limit'"):
            validation.history_page(limit, offset)
    assert validation.interest_pair(["a", "b"]) == ("a", "b")
    for wrong in (["a"], ["a", 2], "ab", None):
        with pytest.raises(ValidationError, match="two paper ids"):
            validation.interest_pair(wrong)
    assert validation.settings_change({"fetch": {}}) == {"fetch": {}}
    with pytest.raises(ValidationError, match=r"unknown setting\(s\) colour \(known: fetch\)"):
        validation.settings_change({"fetch": {}, "colour": "red"})
    with pytest.raises(ValidationError, match="JSON object"):
        validation.json_object([1, 2])
