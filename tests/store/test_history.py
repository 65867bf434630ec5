import pytest

from readnext.errors import ValidationError
from readnext.store.history import History, parse_event, view_weight


def ev(i, kind="view", **kw):
    base = {"id": f"e{i}", "type": kind, "paper_id": "2106.09608", "seconds": 40, "ts": 1_700_000_000_000 + i}
    return parse_event({**base, **kw})[0]


def test_replayed_events_count_once(tmp_path):
    history = History(tmp_path)
    fresh, dupes = history.record([ev(1), ev(2)])
    assert len(fresh) == 2 and dupes == 0
    fresh, dupes = history.record([ev(1), ev(2), ev(3), ev(3)])
    assert len(fresh) == 1 and dupes == 3
    assert len(History(tmp_path)) == 3  # and it survives a restart


def test_forget_one_paper_or_all(tmp_path):
    history = History(tmp_path)
    history.record([ev(1), ev(2, paper_id="0704.0001"), ev(3, kind="search", query="graphs")])
    assert history.forget({"2106.09608"}) == 1
    assert len(History(tmp_path)) == 2
    assert history.forget(None) == 2 and len(History(tmp_path)) == 0


@pytest.mark.parametrize("bad", [
    {"type": "view"}, {"id": "x", "type": "teleport", "paper_id": "1"}, {"id": "x", "type": "view", "paper_id": "1"},
    {"id": "x", "type": "view", "paper_id": "1", "seconds": -3}, {"id": "x", "type": "save"},
    {"id": "x", "type": "search", "query": "  "}, {"id": "x", "type": "save", "paper_id": "1", "ts": "yesterday"},
    {"id": "x", "type": "save", "paper": {"title": "no id"}}, [], "event",
    {"id": "x", "type": ["view"], "seconds": 3, "paper_id": "1"}, {"id": "x", "type": {}, "paper_id": "1"},
])
def test_malformed_events_are_refused(bad):
    with pytest.raises(ValidationError):
        parse_event(bad)


def test_short_views_weigh_little():
    assert view_weight(3) < 0.15 < view_weight(30) < 0.7 < view_weight(120)
    assert ev(1, seconds=3).weight() < ev(2, seconds=120).weight()


def test_settings_persist(tmp_path):
    history = History(tmp_path)
    history.update_settings({"follow": ["cs.LG"]})
    history.close()
    assert History(tmp_path).settings() == {"follow": ["cs.LG"]}


def shown(i, ids):
    return parse_event({"id": f"s{i}", "type": "shown", "paper_ids": ids, "ts": 1_700_000_000_000 + i,
                        "url": "https://arxiv.org/abs/2106.09608"})[0]


@pytest.mark.parametrize("ids", [None, [], "2106.09608", [1, 2], ["x"] * 101])
def test_a_shown_list_needs_its_paper_ids(ids):
    with pytest.raises(ValidationError, match="paper_ids"):
        shown(1, ids)


def test_a_shown_list_is_kept_in_order_and_loses_a_forgotten_paper(tmp_path):
    history = History(tmp_path)
    history.record([shown(1, ["arXiv:2106.09608v2", "0704.0001", "doi:10.1/x"]), shown(2, ["0704.0001"]), ev(3)])
    (first, second, view) = History(tmp_path).events()
    assert first.paper_ids == ["2106.09608", "0704.0001", "doi:10.1/x"] and first.paper_id is None
    assert "paper_ids" not in (tmp_path / "events.jsonl").read_text().splitlines()[2]  # other rows as before
    assert history.forget({"0704.0001"}) == 1  # the list of that paper alone goes; the other loses it
    assert [e.paper_ids for e in History(tmp_path).events()] == [["2106.09608", "doi:10.1/x"], None]
