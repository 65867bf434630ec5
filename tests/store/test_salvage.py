"""What `readnext check --repair` reads back from a damaged papers.sqlite keeps who brought each paper: a paper only
the user brought is still the user's in the rebuilt database, so a later forget removes it."""
from __future__ import annotations

import shutil

from readnext.records.papers import paper_from_dict
from readnext.store.corpus import Corpus
from readnext.store.salvage import salvage


def p(**kw):
    return paper_from_dict(kw)


def test_a_salvaged_paper_only_the_user_brought_stays_the_users(tmp_path):
    damaged = Corpus(tmp_path / "damaged.sqlite")
    damaged.upsert([p(id="2301.00002", title="The corpus's")])
    damaged.upsert([p(id="bib:mine", title="Mine"), p(id="scholar:7", title="Deep sets")], by_user=True)
    damaged.close()
    shutil.copy(tmp_path / "damaged.sqlite", tmp_path / "copy.sqlite")
    rebuilt = Corpus(tmp_path / "rebuilt.sqlite")
    found = salvage(tmp_path / "copy.sqlite", rebuilt)
    assert found.papers == 3
    users = rebuilt.by_labels(rebuilt.user_labels())
    assert {paper.id for paper in users.values()} == {"bib:mine", "scholar:7"}


def test_a_damaged_database_from_before_user_papers_counts_its_own_ids_as_the_users(tmp_path):
    damaged = Corpus(tmp_path / "damaged.sqlite")
    damaged.upsert([p(id="2301.00002", title="The corpus's"), p(id="bib:mine", title="Mine")])
    damaged.conn.execute("DROP TABLE user_papers")
    damaged.conn.commit()
    damaged.close()
    rebuilt = Corpus(tmp_path / "rebuilt.sqlite")
    salvage(tmp_path / "damaged.sqlite", rebuilt)
    assert {paper.id for paper in rebuilt.by_labels(rebuilt.user_labels()).values()} == {"bib:mine"}
