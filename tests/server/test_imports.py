"""A library import through the API (the extension's import button) never holds up the reader's own page."""
from held_embedder import WAIT_S, HeldEmbedder, in_thread, until
from readnext.engine import ReadNext
from readnext.server.app import create_app
from readnext.vectors.gate import BACKGROUND_BATCH

HOST = {"Host": "127.0.0.1:8765"}
ENTRIES = 150


def library(entries: int) -> str:
    return "".join(f"@article{{entry{i}, title={{Stellar halo survey number {i}}}, author={{Doe, Jane}}, "
                   f"year={{2020}}}}\n" for i in range(entries))


def test_a_recommend_beside_an_import_of_150_entries_waits_for_one_batch_not_the_import(config):
    embedder = HeldEmbedder()
    engine = ReadNext(config, embedder=embedder, learn_in_background=False)
    app = create_app(config, engine)
    auth = {"Authorization": f"Bearer {engine.token}", **HOST}
    answers, threads = {}, []
    try:
        embedder.held.set()
        in_thread(lambda: answers.update(imported=app.test_client().post(
            "/api/v1/import/text", json={"format": "bibtex", "text": library(ENTRIES)}, headers=auth)), threads)
        assert embedder.entered.acquire(timeout=WAIT_S)
        assert len(embedder.calls[0]) == BACKGROUND_BATCH  # the import embeds a batch at a time, not its 150
        in_thread(lambda: answers.update(recommended=app.test_client().post(
            "/api/v1/recommend", json={"context": {"query": "galaxy redshift"}, "k": 5}, headers=auth)), threads)
        until(lambda: engine.indexer.gate.waiting == 1, "the /recommend waits for the model")
        embedder.let_through(1)
        assert embedder.entered.acquire(timeout=WAIT_S)
        assert embedder.calls[1] == ["galaxy redshift"]  # next after the one batch under way
        embedder.let_through(1)
        threads[1].join(WAIT_S)
        assert answers["recommended"].status_code == 200
        assert threads[0].is_alive() and "imported" not in answers  # the import was still embedding
        embedder.let_through()
        threads[0].join(WAIT_S)
        report = answers["imported"].json
        assert (report["papers"], report["recorded"]) == (ENTRIES, ENTRIES)
    finally:
        embedder.held.clear()
        embedder.let_through()
        for thread in threads:
            thread.join(WAIT_S)
        engine.close()
