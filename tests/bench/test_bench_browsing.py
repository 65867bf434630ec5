"""The browsing simulation: a seeded split, and a tiny benchmark browsed end to end through the engine."""
from readnext.bench.browsing import CHECKPOINTS, METHODS, Browsing, split, summary
from readnext.bench.data import load_benchmark
from readnext.bench.product import Product
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from test_bench_quality import write_benchmark


def test_users_split_into_two_fixed_halves(tmp_path):
    bench = load_benchmark(*write_benchmark(tmp_path))
    tune, report = split(bench.users)
    assert {u.user for u in tune} | {u.user for u in report} == {u.user for u in bench.users}
    assert not {u.user for u in tune} & {u.user for u in report} and len(tune) == len(bench.users) // 2
    assert [u.user for u in split(bench.users)[1]] == [u.user for u in report]  # the same every run


def test_a_tiny_benchmark_is_browsed_and_scored_per_checkpoint(tmp_path, config):
    bench = load_benchmark(*write_benchmark(tmp_path))
    users = [u for u in bench.users if u.candidates is None]
    engine = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)
    try:
        product = Product(engine, bench)
        product.load()
        outcome = Browsing(bench, product).run(users, ("history", "context"), log=lambda line: None)
    finally:
        engine.close()
    rows = summary(outcome)
    at_start = {(r["setting"], r["method"]): r for r in rows if r["at"] == 0}
    assert len(at_start) == 2 * len(METHODS)
    for setting in ("history", "context"):  # before any page the learned ranker is the formula
        assert at_start[(setting, "learned")]["recall@20"] == at_start[(setting, "formula")]["recall@20"]
        assert at_start[(setting, "formula")]["recall@20"] > 0.5  # the topics are obvious
    assert {r["at"] for r in rows} <= set(CHECKPOINTS)
    assert outcome["stats"]["pages"] == 5 * len(users)



def test_the_simulation_after_the_quality_run_ranks_as_shipped(tmp_path, config):
    """`make bench` runs the variants first; the last one (dense-only) must not be what the simulation measures."""
    from readnext.bench.command import browse
    from readnext.bench.variants import DENSE_ONLY
    from readnext.ranking.rank import DEFAULT
    bench = load_benchmark(*write_benchmark(tmp_path))
    bench.users = [u for u in bench.users if u.candidates is None][:1]
    engine = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)
    try:
        engine.ranking = DENSE_ONLY
        outcomes = browse(bench, engine, ("report",), ("history",), log=lambda line: None)
        assert engine.ranking == DEFAULT and outcomes["report"]["users"] == 1
    finally:
        engine.close()
