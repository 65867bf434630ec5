"""The index's life on its own: papers embedded once and indexed, stored now and embedded later, and what a
restart finds (the saved index, and from the vector cache what the last save did not hold)."""
import pytest

from conftest import CountingEmbedder, topic_papers
from readnext.records.papers import paper_from_dict
from readnext.store.corpus import Corpus
from readnext.vectors.embed import HashingEmbedder
from readnext.vectors.indexer import Indexer


@pytest.fixture
def corpus(tmp_path):
    corpus = Corpus(tmp_path / "papers.sqlite")
    yield corpus
    corpus.close()


def papers(n=6):
    return [paper_from_dict(p) for p in topic_papers()[:n]]


def test_added_papers_are_embedded_once_and_indexed(tmp_path, corpus):
    embedder = CountingEmbedder(64)
    indexer = Indexer(corpus, embedder, tmp_path / "index.hnsw", save_every=500)
    stored = indexer.add(papers())
    assert len(indexer.index) == 6 and embedder.texts == 6 and indexer.version == 1
    indexer.add(papers())  # the same papers again: nothing changed, nothing embedded
    assert embedder.texts == 6 and indexer.version == 1
    assert indexer.index.labels() == {label for label, _ in stored}
    indexer.close()


def test_stored_papers_wait_to_be_embedded(tmp_path, corpus):
    indexer = Indexer(corpus, CountingEmbedder(64), tmp_path / "index.hnsw", save_every=500)
    indexer.store(papers())
    assert corpus.count() == 6 and len(indexer.index) == 0
    assert indexer.embed_pending(batch=4) == 4 and indexer.embed_pending(batch=4) == 2
    assert indexer.embed_pending() == 0 and len(indexer.index) == 6
    indexer.close()


def test_a_restart_loads_the_saved_index_and_adds_the_unsaved_from_the_cache(tmp_path, corpus):
    path = tmp_path / "index.hnsw"
    first = Indexer(corpus, HashingEmbedder(64), path, save_every=500)
    first.add(papers(3))
    first.save()
    first.add(papers(6)[3:])  # not saved: the process dies here
    again = CountingEmbedder(64)
    second = Indexer(corpus, again, path, save_every=500)
    assert len(second.index) == 6 and again.texts == 0  # three from the file, three from the vector cache
    second.close()
    first.close()
