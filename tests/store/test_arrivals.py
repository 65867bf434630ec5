"""The corpus's papers of some categories since a day, and the seen marks of the New for you page."""
import pytest

from readnext.errors import DamagedData
from readnext.records.papers import paper_from_dict
from readnext.store.arrivals import KEEP_MARKS_MS, SeenMarks, labels_in_categories
from readnext.store.corpus import Corpus


def test_labels_in_categories_keeps_the_categories_and_the_days_asked_newest_first(tmp_path):
    corpus = Corpus(tmp_path / "papers.sqlite")
    rows = [("2401.00001", "2026-11-30", ["cs.LG"]), ("2401.00002", "2026-12-01T10:00:00", ["stat.ML", "cs.LG"]),
            ("2401.00003", "2026-12-01", ["math.AG"]), ("2401.00004", "2026-11-01", ["cs.LG"]),
            ("2401.00005", "", ["cs.LG"])]
    corpus.upsert([paper_from_dict({"id": pid, "title": f"Paper {pid}", "date": day, "categories": cats})
                   for pid, day, cats in rows])
    labels = labels_in_categories(corpus, ["cs.LG"], "2026-11-30")
    assert [corpus.by_labels([label])[label].id for label in labels] == ["2401.00002", "2401.00001"]
    assert labels_in_categories(corpus, ["cs.LG", "math.AG"], "2026-12-01") == sorted(
        labels_in_categories(corpus, ["stat.ML", "math.AG"], "2026-12-01"), reverse=True)
    assert labels_in_categories(corpus, [], "2000-01-01") == []
    corpus.close()


def test_seen_marks_last_across_opens_and_forget_old_ones(tmp_path):
    marks = SeenMarks(tmp_path)
    marks.mark(["a", "b"], now_ms=1_000)
    marks.mark(["b", "c"], now_ms=2_000)
    assert SeenMarks(tmp_path).seen() == {"a", "b", "c"}
    later = 1_000 + KEEP_MARKS_MS
    marks.mark(["d"], now_ms=later)
    assert SeenMarks(tmp_path).seen() == {"c", "d"}  # b was first shown at 1,000, with a


def test_damaged_seen_marks_are_said_not_ignored(tmp_path):
    (tmp_path / "seen.json").write_text("{not json", "utf-8")
    with pytest.raises(DamagedData, match="seen.json"):
        SeenMarks(tmp_path)
