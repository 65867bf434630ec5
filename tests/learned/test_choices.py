"""Choice sets from the event log: what was shown together, and what the user did with each paper."""
from readnext.learned.choices import CHOSEN, PASSED, REJECTED, VISIT_GAP_MS, choice_sets
from readnext.store.history import Event

LABELS = {f"p{i}": i for i in range(10)}
MINUTE = 60_000


def impressions(url, ids, ts, prefix):
    return [Event(id=f"{prefix}{i}", type="impression", ts=ts + i, paper_id=pid, url=url) for i, pid in enumerate(ids)]


def test_a_page_visit_is_one_set_in_page_order():
    events = impressions("https://arxiv.org/list/cs.LG/new", ["p3", "p1", "p2"], 1_000, "a")
    (only,) = choice_sets(events, LABELS.get)
    assert only.labels == [3, 1, 2] and only.source == "page" and only.key == "a0"
    assert only.outcomes == [PASSED] * 3


def test_visits_split_by_address_and_by_time_apart():
    events = (impressions("u1", ["p1", "p2"], 0, "a") + impressions("u2", ["p3"], 10, "b")
              + impressions("u1", ["p4"], VISIT_GAP_MS + 100, "c"))
    sets = choice_sets(events, LABELS.get)
    assert [s.labels for s in sets] == [[1, 2], [3], [4]]


def test_outcomes_opened_rejected_and_passed():
    events = impressions("u", ["p1", "p2", "p3", "p4", "p5", "p6", "p7"], 0, "a") + [
        Event(id="v1", type="view", ts=MINUTE, paper_id="p1", seconds=45),
        Event(id="v2", type="view", ts=MINUTE, paper_id="p2", seconds=3),  # a glance is not an open
        Event(id="c3", type="click", ts=MINUTE, paper_id="p3"),
        Event(id="s4", type="save", ts=MINUTE, paper_id="p4"),
        Event(id="d5", type="dismiss", ts=MINUTE, paper_id="p5"),
        Event(id="h6", type="hide", ts=MINUTE, paper_id="p6"),
        Event(id="v7", type="view", ts=10 * 3_600_000, paper_id="p7", seconds=60),  # days later: not from this list
    ]
    (only,) = choice_sets(events, LABELS.get)
    assert only.outcomes == [CHOSEN, PASSED, CHOSEN, CHOSEN, REJECTED, REJECTED, PASSED]
    assert only.chosen == 3


def test_a_view_before_the_list_is_not_a_choice_from_it():
    events = [Event(id="v", type="view", ts=0, paper_id="p1", seconds=60)] + impressions("u", ["p1", "p2"], MINUTE, "a")
    assert choice_sets(events, LABELS.get)[0].outcomes == [PASSED, PASSED]


def test_a_sidebar_list_is_its_own_set_and_unknown_papers_drop_out():
    events = [Event(id="s", type="shown", ts=0, paper_ids=["p5", "nope", "p2"], url="https://arxiv.org/abs/1"),
              Event(id="c", type="click", ts=5_000, paper_id="p2")]
    (only,) = choice_sets(events, LABELS.get)
    assert only.source == "sidebar" and only.labels == [5, 2] and only.outcomes == [PASSED, CHOSEN]


def test_a_click_on_a_card_is_a_choice_from_its_sidebar_list_only():
    listing, abstract = "https://arxiv.org/list/cond-mat/new", "https://arxiv.org/abs/1"
    events = impressions(listing, ["p1", "p2"], 0, "a") + [
        Event(id="s", type="shown", ts=MINUTE, paper_ids=["p5", "p2"], url=abstract),
        Event(id="c", type="click", ts=2 * MINUTE, paper_id="p2", url=abstract),
        Event(id="v", type="view", ts=3 * MINUTE, paper_id="p2", seconds=40, url="https://arxiv.org/abs/2")]
    page, sidebar = choice_sets(events, LABELS.get)
    assert page.outcomes == [PASSED, PASSED]  # p2 was chosen from the sidebar, not from the listing
    assert sidebar.outcomes == [PASSED, CHOSEN]


def test_a_click_on_another_pages_card_is_not_a_choice_from_this_sidebar():
    events = [Event(id="s1", type="shown", ts=0, paper_ids=["p2", "p3"], url="https://arxiv.org/abs/1"),
              Event(id="s2", type="shown", ts=MINUTE, paper_ids=["p2", "p4"], url="https://arxiv.org/abs/9"),
              Event(id="c", type="click", ts=2 * MINUTE, paper_id="p2", url="https://arxiv.org/abs/9")]
    first, second = choice_sets(events, LABELS.get)
    assert first.outcomes == [PASSED, PASSED] and second.outcomes == [CHOSEN, PASSED]
