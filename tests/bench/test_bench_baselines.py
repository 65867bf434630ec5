"""The baselines' one outside dependency: scikit-learn is the bench extra's, so the product runs without it and a
benchmark without it says what to install."""
import subprocess
import sys

import pytest

from readnext.bench.baselines import TfidfMeanBaseline
from readnext.errors import ReadNextError

TEXTS = ["graph neural networks pass messages", "dark matter halos of galaxies", "protein folding from sequence"]


def test_the_tfidf_baseline_scores_its_candidates():
    baseline = TfidfMeanBaseline(TEXTS)
    scores = baseline.scores([0], None, [0, 1, 2])
    assert scores.argmax() == 0


def test_without_scikit_learn_a_benchmark_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.feature_extraction.text", None)  # what an absent package raises
    with pytest.raises(ReadNextError, match=r"scikit-learn, the bench extra: `make bench-extra`"):
        TfidfMeanBaseline(TEXTS)


def test_the_product_loads_without_scikit_learn():
    """The CLI with every command (bench's too), the server and the engine import nothing of scikit-learn."""
    code = ("import sys; import readnext.cli, readnext.engine, readnext.server.app, readnext.server.run; "
            "readnext.cli.build_parser(); print('sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr
