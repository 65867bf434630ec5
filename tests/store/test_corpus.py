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
