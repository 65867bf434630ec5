import numpy as np

from conftest import topic_papers
from readnext import views
from readnext.store.history import parse_event
from readnext.ranking.profile import cluster, label_terms, summarise
from readnext.ranking.sparse import Bag

NOW = 1_760_000_000_000  # in the past: an event more than a day ahead of the clock is refused
DAY = 86_400_000


def events(*specs):
    return [parse_event({"id": f"e{i}", "ts": ts, "type": kind, "paper_id": pid, "seconds": 60})[0]
            for i, (kind, pid, ts) in enumerate(specs)]


def label_of(pid):
    return {"topic:a": 1, "topic:b": 2, "topic:c": 3}.get(pid)


def test_states_follow_the_last_word_of_the_user():
    states, positive, negative = summarise(events(
        ("view", "topic:a", NOW), ("save", "topic:b", NOW), ("unsave", "topic:b", NOW + 1),
        ("view", "topic:c", NOW), ("dismiss", "topic:c", NOW + 5)), label_of, NOW)
    assert states == {1: "read", 3: "dismissed"}
    assert set(positive) == {1} and set(negative) == {3}


def test_old_reading_fades():
    _, positive, _ = summarise(events(("view", "topic:a", NOW), ("view", "topic:b", NOW - 240 * DAY)), label_of, NOW)
    assert positive[2] < 0.3 * positive[1]


def test_hidden_papers_leave_the_profile():
    states, positive, _ = summarise(events(("save", "topic:a", NOW), ("hide", "topic:a", NOW + 1)), label_of, NOW)
    assert states == {1: "hidden"} and positive == {}


def test_three_topics_make_three_interests(engine):
    papers = topic_papers()
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(papers)])
    profile = engine.profile()
    assert len(profile.interests) == 3
    labels = {i.label for i in profile.interests}
    assert any("graph" in l for l in labels) and any("galaxy" in l or "stellar" in l for l in labels)
    for interest in profile.interests:
        titles = {profile.papers[m].title.split()[0] for m in interest.members}
        assert len(titles) == 1  # each interest holds one topic


def test_one_topic_stays_one_interest():
    rng = np.random.default_rng(0)
    centre = rng.normal(size=16)
    vectors = centre + 0.2 * rng.normal(size=(20, 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    assert len(cluster(vectors, np.ones(20, np.float32))) == 1


def test_own_papers_count_like_saves_and_say_so():
    states, positive, _ = summarise(events(("authored", "topic:a", NOW), ("save", "topic:b", NOW)), label_of, NOW)
    assert states == {1: "own", 2: "saved"} and positive[1] == positive[2]


def bag_of(papers: list[dict[str, int]], df: dict[str, int]) -> Bag:
    terms = sorted({t for counts in papers for t in counts})
    entries = [(row, terms.index(t), c) for row, counts in enumerate(papers) for t, c in counts.items()]
    rows, ids, counts = (np.array(x, dtype=np.int64) for x in zip(*entries))
    return Bag(rows, ids, counts, np.array([df[terms[i]] for i in ids]), terms)


def test_labels_are_the_words_that_characterise_an_interest_ties_by_weight_not_alphabet():
    # Two papers of one interest: every word equally rare in the corpus, so only use can tell them apart.
    members = [{"adakitic": 1, "adjacent": 1, "assigned": 1, "magma": 6, "subduction": 4, "slab": 3},
               {"adakitic": 1, "adjacent": 1, "assigned": 1, "magma": 5, "subduction": 3, "slab": 2}]
    bag = bag_of(members, dict.fromkeys(members[0], 2))
    assert label_terms(bag, [np.array([0, 1])], np.ones(2), 1000) == [["magma", "subduction", "slab"]]
    # Against the corpus: a word every paper has ("method") loses to the rarer ones however often it is used.
    members = [{"method": 9, "magma": 2, "slab": 1}, {"method": 9, "magma": 1, "slab": 1}]
    bag = bag_of(members, {"method": 1000, "magma": 3, "slab": 3})
    assert label_terms(bag, [np.array([0, 1])], np.array([2.0, 1.0]), 1000, top=2) == [["magma", "slab"]]


def test_a_word_two_interests_share_names_neither_when_each_has_its_own():
    members = [{"spin": 2, "glass": 1}, {"spin": 1, "glass": 2}, {"spin": 2, "magnon": 1}, {"spin": 1, "magnon": 2}]
    bag = bag_of(members, {"spin": 5, "glass": 5, "magnon": 5})
    groups = [np.array([0, 1]), np.array([2, 3])]
    assert label_terms(bag, groups, np.ones(4), 1000, top=1) == [["glass"], ["magnon"]]


def test_a_one_paper_interest_is_named_by_its_paper(engine):
    papers = topic_papers()
    engine.record([{"id": "v0", "type": "view", "paper": papers[0], "seconds": 90}])
    [interest] = engine.profile().interests
    assert interest.label == papers[0]["title"]


def test_merged_interests_stay_one(engine):
    papers = topic_papers()
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(papers)])
    first, second = [engine.profile().papers[i.members[0]].id for i in engine.profile().interests[:2]]
    engine.merge_interests(first, second)
    summary = views.profile_summary(engine)
    assert len(summary["interests"]) == 2
    merged = next(i for i in summary["interests"] if {first, second} <= {p["id"] for p in i["papers"]})
    assert len(merged["papers"]) == 16


def test_undo_brings_back_a_dismissed_or_hidden_paper_and_takes_back_authorship():
    states, positive, negative = summarise(events(
        ("view", "topic:a", NOW), ("dismiss", "topic:a", NOW + 1), ("undismiss", "topic:a", NOW + 2),
        ("save", "topic:b", NOW), ("hide", "topic:b", NOW + 1), ("unhide", "topic:b", NOW + 2),
        ("authored", "topic:c", NOW), ("unauthored", "topic:c", NOW + 1)), label_of, NOW)
    assert states == {1: "read", 2: "saved"} and negative == {} and set(positive) == {1, 2}
