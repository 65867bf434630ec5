import numpy as np

from readnext.store.corpus import Corpus
from readnext.records.papers import Paper, paper_from_dict


def p(**kw):
    return paper_from_dict(kw)


def test_versions_and_copies_merge_into_one_record(tmp_path):
    corpus = Corpus(tmp_path / "c.sqlite")
    first = corpus.upsert([p(id="2106.09608v1", title="Short")])
    assert len(first.changed) == 1
    again = corpus.upsert([p(id="arXiv:2106.09608v2", title="Short")])
    assert again.changed == [] and corpus.count() == 1  # same text: nothing to embed again
    richer = corpus.upsert([p(id="2106.09608", title="Short", abstract="Now with an abstract")])
    assert len(richer.changed) == 1 and corpus.get("2106.09608").abstract == "Now with an abstract"


def test_scholar_hit_and_arxiv_page_become_one_paper(tmp_path):
    corpus = Corpus(tmp_path / "c.sqlite")
    corpus.upsert([p(id="scholar:42", title="Deep sets", cited_by=900)])
    corpus.upsert([p(id="1703.06114", title="Deep Sets", abstract="We study ...")])
    assert corpus.count() == 2
    merged = corpus.upsert([p(id="scholar:42", title="Deep sets", url="https://arxiv.org/abs/1703.06114")])
    assert corpus.count() == 1 and len(merged.removed) == 1
    paper = corpus.get("scholar:42")
    assert paper.id == "1703.06114" and paper.cited_by == 900 and paper.abstract == "We study ..."
    assert corpus.label_of("1703.06114") == corpus.label_of("scholar:42")


def test_term_frequencies_follow_text_changes(tmp_path):
    corpus = Corpus(tmp_path / "c.sqlite")
    corpus.upsert([p(id="t:1", title="graph networks"), p(id="t:2", title="graph kernels")])
    assert corpus.document_frequencies(["graph", "networks"]) == {"graph": 2, "networks": 1}
    corpus.upsert([p(id="t:2", title="graph kernels", abstract="spectral methods")])
    assert corpus.document_frequencies(["graph", "spectral"]) == {"graph": 2, "spectral": 1}
    corpus.delete("t:1")
    assert corpus.document_frequencies(["graph"])["graph"] == 1


def test_vector_cache_and_index_bookkeeping(tmp_path):
    import numpy as np
    corpus = Corpus(tmp_path / "c.sqlite")
    [(label, paper)] = corpus.upsert([p(id="t:1", title="a b c")]).papers
    assert [l for l, _ in corpus.unembedded("m")] == [label]
    corpus.store_vectors("m", {paper.content_hash(): np.ones(4, np.float32)})
    assert corpus.unembedded("m") == []
    assert list(corpus.unindexed("m")) == [(label, paper.content_hash())]
    corpus.mark_indexed([(label, paper.content_hash())])
    assert list(corpus.unindexed("m")) == [] and corpus.indexed_labels() == {label}
    assert np.array_equal(corpus.cached_vectors("m", [paper.content_hash()])[paper.content_hash()], np.ones(4))


def test_labels_are_never_reused(tmp_path):
    corpus = Corpus(tmp_path / "c.sqlite")
    [(first, _)] = corpus.upsert([p(id="t:1", title="x")]).papers
    corpus.delete("t:1")
    [(second, _)] = corpus.upsert([p(id="t:2", title="y")]).papers
    assert second != first


def test_tex_names_stored_by_an_older_version_are_read_decoded(tmp_path):
    corpus = Corpus(tmp_path / "papers.sqlite")
    corpus.upsert([Paper(id="0704.0001", title="T", authors=["Daniela K\\\"uhn", "Deryk Osthus"])])
    assert corpus.get("0704.0001").authors == ["Daniela Kühn", "Deryk Osthus"]
    corpus.close()


def test_a_corpus_being_replaced_by_a_repair_is_not_opened(tmp_path):
    import pytest
    from readnext.errors import DamagedData
    from readnext.store.corpus_schema import repair_marker
    path = tmp_path / "papers.sqlite"
    repair_marker(path).write_text("{}")
    with pytest.raises(DamagedData, match="repair that was cut short.*readnext check --repair"):
        Corpus(path)
    assert not path.exists()


def test_a_paper_is_the_users_only_while_no_corpus_source_brought_it_or_a_copy_it_merged_with(tmp_path):
    corpus = Corpus(tmp_path / "c.sqlite")
    corpus.upsert([p(id="2301.00001", title="Mine"), p(id="scholar:7", title="Deep sets")], by_user=True)
    corpus.upsert([p(id="2301.00002", title="The corpus's")])
    corpus.upsert([p(id="2301.00002", title="The corpus's")], by_user=True)  # read afterwards: still the corpus's
    assert {corpus.get(i).id for i in ("2301.00001", "scholar:7")} == {
        corpus.by_labels([label])[label].id for label in corpus.user_labels()}
    corpus.upsert([p(id="2301.00001", title="Mine")])  # an import brought it too
    corpus.upsert([p(id="1703.06114", title="Deep sets")])
    corpus.upsert([p(id="scholar:7", title="Deep sets", url="https://arxiv.org/abs/1703.06114")], by_user=True)
    assert corpus.user_labels() == set()  # the Scholar hit merged into the corpus's arXiv paper


def test_removed_papers_leave_no_row_alias_words_or_vector_no_other_paper_shares(tmp_path):
    corpus = Corpus(tmp_path / "c.sqlite")
    kept, gone = [label for label, _ in corpus.upsert([
        p(id="2301.00001", title="Shared words", aliases=["doi:10.1/a"]),
        p(id="2301.00002", title="Shared words", abstract="and more", aliases=["doi:10.1/b"])], by_user=True).papers]
    twin = corpus.upsert([p(id="2301.00003", title="Shared words", abstract="and more")]).papers[0][0]
    hashes = corpus.hash_of([kept, gone, twin])
    corpus.store_vectors("m", {h: np.ones(4) for h in hashes.values()})
    assert corpus.remove_labels([kept, gone, 999]) == [kept, gone]
    assert corpus.get("doi:10.1/a") is None and corpus.get("2301.00002") is None and corpus.count() == 1
    assert set(corpus.cached_vectors("m", hashes.values())) == {hashes[twin]}  # the twin's text is its own
    assert corpus.term_counts([kept]) == {} and corpus.document_frequencies(["shared"])["shared"] == 1
    assert corpus.user_labels() == set()


def test_a_database_from_before_user_papers_counts_the_ids_only_the_user_makes_as_the_users(tmp_path):
    corpus = Corpus(tmp_path / "c.sqlite")
    corpus.upsert([p(id=i, title=i) for i in ("bib:knuth", "scholar:1", "csl:x", "2301.00001", "doi:10.1/x")])
    corpus.conn.execute("DROP TABLE user_papers")  # as an earlier version left it
    corpus.close()
    corpus = Corpus(tmp_path / "c.sqlite")
    assert sorted(corpus.by_labels(corpus.user_labels())[label].id for label in corpus.user_labels()) == [
        "bib:knuth", "csl:x", "scholar:1"]
