"""The profile cache's rule, on its own: a build that blocks until the test lets it finish stands for a slow one."""
import threading

from readnext.ranking.profile_cache import LabelMemo, ProfileCache, Version


class Source:
    """Versions the test moves, and builds it controls: each build returns a new object, after `release`."""

    def __init__(self):
        self.history, self.papers, self.decisive = 0, 0, 0
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()
        self.builds = 0

    def build(self):
        self.started.set()
        self.release.wait(30)
        self.builds += 1
        return object()

    def cache(self) -> ProfileCache:
        return ProfileCache(self.build, lambda: Version(self.history, self.papers), lambda: self.decisive)


def in_a_thread(cache):
    answers = []
    thread = threading.Thread(target=lambda: answers.append(cache.get()))
    thread.start()
    return thread, answers


def slow_build_under_way(source, cache):
    """A thread building the profile of the versions as they are now, held until source.release is set."""
    source.release.clear()
    source.started.clear()
    builder, built = in_a_thread(cache)
    assert source.started.wait(30)
    return builder, built


def test_a_profile_serves_until_the_history_or_the_papers_move_past_it():
    source = Source()
    cache = source.cache()
    first = cache.get()
    assert cache.get() is first and source.builds == 1
    source.papers += 1
    second = cache.get()
    assert second is not first and cache.get() is second
    source.history += 1
    assert cache.get() is not second and source.builds == 3


def test_during_a_build_reading_is_served_the_last_profile_and_a_decisive_change_waits():
    source = Source()
    cache = source.cache()
    first = cache.get()
    source.history += 1
    builder, built = slow_build_under_way(source, cache)
    source.history += 1  # a view the build under way does not know
    assert cache.get() is first
    source.history, source.decisive = source.history + 1, source.decisive + 1  # a dismissal
    waiting, answers = in_a_thread(cache)
    waiting.join(0.3)
    assert waiting.is_alive() and not answers
    source.release.set()
    builder.join(30)
    waiting.join(30)
    assert answers[0] is not first and answers[0] is not built[0]  # built again, knowing the dismissal
    assert source.builds == 3


def test_a_reader_waits_for_the_build_that_knows_what_it_knows():
    source = Source()
    cache = source.cache()
    first = cache.get()
    source.history += 1
    builder, built = slow_build_under_way(source, cache)
    waiting, answers = in_a_thread(cache)
    waiting.join(0.3)
    assert waiting.is_alive() and not answers
    source.release.set()
    builder.join(30)
    waiting.join(30)
    assert answers[0] is built[0] is not first and source.builds == 2


def test_drop_builds_afresh_at_the_same_versions():
    source = Source()
    cache = source.cache()
    first = cache.get()
    cache.drop()
    assert cache.get() is not first


def test_label_memo_asks_once_per_id_until_the_papers_change():
    asked = []

    def label_of(paper_id):
        asked.append(paper_id)
        return len(paper_id)
    memo = LabelMemo(label_of)
    lookup = memo.lookup(0)
    assert [lookup("ab"), lookup("ab"), lookup("c")] == [2, 2, 1] and asked == ["ab", "c"]
    assert memo.lookup(0)("ab") == 2 and asked == ["ab", "c"]
    assert memo.lookup(1)("ab") == 2 and asked == ["ab", "c", "ab"]
