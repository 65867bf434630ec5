import numpy as np
import pytest

from conftest import sample_records
from readnext.vectors.embed import HashingEmbedder, TransformerEmbedder, resolve_model
from readnext.errors import ModelError


@pytest.fixture(scope="module")
def model():
    return TransformerEmbedder()


@pytest.mark.model
def test_real_model_puts_one_topic_together(model):
    papers = {r["id"]: r for r in sample_records()}
    texts = [f"{papers[i]['title']}. {papers[i]['abstract']}" for i in ("0704.0674", "0704.0944", "0704.0012")]
    halos, substructure, modular_forms = model.embed(texts)
    assert model.dim == 384
    assert np.allclose(np.linalg.norm([halos, substructure, modular_forms], axis=1), 1.0, atol=1e-5)
    assert halos @ substructure > halos @ modular_forms + 0.1
    assert halos @ substructure > substructure @ modular_forms + 0.1


@pytest.mark.model
def test_batching_and_length_sorting_do_not_change_vectors(model):
    texts = [r["abstract"][: 50 + 40 * i] for i, r in enumerate(sample_records(12))]
    together = model.embed(texts)
    alone = np.stack([model.embed([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=2e-2)  # bf16 arithmetic: padding changes the last bits
    assert (np.sum(together * alone, axis=1) > 0.999).all()


def test_default_model_is_found_in_its_package():
    assert resolve_model("all-MiniLM-L6-v2").endswith("model")


def test_unknown_local_model_fails_clearly(tmp_path):
    with pytest.raises(ModelError, match="cannot load model"):
        TransformerEmbedder(str(tmp_path))


def test_fake_embedder_is_deterministic_and_unit_length():
    fake = HashingEmbedder(32)
    a = fake.embed(["graph neural networks", ""])
    assert np.allclose(a, fake.embed(["graph neural networks", ""]))
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
