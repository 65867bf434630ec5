"""Device and precision by measurement: the choice logic with faked candidates, and once with the real model."""
import json

import numpy as np
import pytest

from conftest import sample_records
from readnext import views
from readnext.vectors import precision
from readnext.config import Config
from readnext.errors import ModelError
from readnext.vectors.precision import Candidate, Hardware, candidates, choose

FP32 = np.eye(4)[:3] + 0.1  # three texts' fp32 vectors; only their directions matter
MACHINE = {"model": "m", "torch": "2.13", "cpu": "Xeon", "flags": ["avx512_bf16"], "cores": 2, "gpus": [],
           "mps": False}


class FakeRun:
    """Candidates with injected seconds and vectors; records which were run."""

    def __init__(self, seconds: dict[str, float], vectors: dict[str, np.ndarray] | None = None):
        self.seconds, self.vectors, self.calls = seconds, vectors or {}, []

    def __call__(self, candidate: Candidate):
        self.calls.append(candidate.key)
        seconds = self.seconds[candidate.key]  # one figure for every pass, or one per pass
        seconds = seconds.pop(0) if isinstance(seconds, list) else seconds
        return seconds, self.vectors.get(candidate.key, FP32)


def tilted(angle: float) -> np.ndarray:
    """FP32's rows turned by `angle` radians: cosine cos(angle) to fp32."""
    rows = []
    for row in FP32:
        unit = row / np.linalg.norm(row)
        other = np.roll(unit, 1) - (np.roll(unit, 1) @ unit) * unit
        rows.append(np.cos(angle) * unit + np.sin(angle) * other / np.linalg.norm(other))
    return np.array(rows)


CPU = candidates(Hardware(cpu_fp16=True))


def test_picks_the_fastest_candidate_that_agrees_with_fp32():
    run = FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 0.5, "cpu/fp16": 0.8})
    choice, memory = choose(None, MACHINE, CPU, run)
    assert (choice.device, choice.precision, choice.chosen_by) == ("cpu", "bf16", "measurement")
    assert choice.papers_per_s == pytest.approx(3 / 0.5)
    assert memory["fingerprint"] == MACHINE and len(memory["measurements"]) == 3


def test_an_emulated_bf16_loses_to_fp32():
    """The AVX2 machine of issue 8: bf16 five times slower than fp32."""
    choice, _ = choose(None, MACHINE, CPU, FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 5.0, "cpu/fp16": 7.0}))
    assert choice.precision == "fp32"


def test_rejects_a_fast_candidate_whose_vectors_drift():
    run = FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 0.3, "cpu/fp16": 0.6},
                  {"cpu/bf16": tilted(np.arccos(0.998)), "cpu/fp16": tilted(np.arccos(0.9995))})
    choice, memory = choose(None, MACHINE, CPU, run)
    assert choice.precision == "fp16"
    cosines = {m["precision"]: m["cosine"] for m in memory["measurements"]}
    assert cosines["bf16"] == pytest.approx(0.998) and cosines["fp32"] == pytest.approx(1.0)


def test_every_candidate_is_timed_in_interleaved_rounds_and_its_fastest_pass_counts():
    """Load from other jobs only slows a pass: a burst on bf16's first pass must not make fp32 win."""
    run = FakeRun({"cpu/fp32": [1.0, 1.1, 1.0], "cpu/bf16": [3.0, 0.5, 3.0], "cpu/fp16": [2.0, 2.0, 2.0]})
    choice, _ = choose(None, MACHINE, CPU, run)
    assert run.calls == ["cpu/fp32", "cpu/bf16", "cpu/fp16"] * precision.ROUNDS
    assert choice.precision == "bf16" and choice.papers_per_s == pytest.approx(3 / 0.5)


def test_remembered_choice_is_reused_until_the_fingerprint_changes():
    first = FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 0.5, "cpu/fp16": 0.8})
    _, memory = choose(None, MACHINE, CPU, first)
    again = FakeRun({})  # would fail if anything were measured
    choice, nothing_new = choose(memory, MACHINE, CPU, again)
    assert (choice.precision, choice.chosen_by, nothing_new, again.calls) == ("bf16", "remembered measurement", None, [])
    for change in ({"flags": []}, {"torch": "2.14"}, {"model": "other"}, {"cores": 8}):
        moved = FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 5.0, "cpu/fp16": 7.0})
        choice, memory_now = choose(memory, {**MACHINE, **change}, CPU, moved)
        assert moved.calls and choice.precision == "fp32" and memory_now["fingerprint"] != MACHINE, change


def test_the_users_setting_wins_and_measures_nothing():
    run = FakeRun({})
    choice, memory = choose(None, MACHINE, CPU, run, device="cpu", precision="fp32", set_by="set by the user")
    assert (choice.precision, choice.papers_per_s, choice.chosen_by, memory, run.calls) == \
        ("fp32", None, "set by the user", None, [])


def test_a_remembered_speed_is_shown_for_the_users_setting():
    _, memory = choose(None, MACHINE, CPU, FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 0.5, "cpu/fp16": 0.8}))
    choice, _ = choose(memory, MACHINE, CPU, FakeRun({}), precision="fp32", set_by="user")
    assert choice.precision == "fp32" and choice.papers_per_s == pytest.approx(3.0)


def test_a_device_setting_narrows_the_measurement_to_that_device():
    gpu = candidates(Hardware(cuda=True, cuda_bf16=True))
    run = FakeRun({"cpu/fp32": 1.0, "cuda/fp16": 0.02, "cuda/bf16": 0.03})
    choice, _ = choose(None, MACHINE, gpu, run, device="cuda")
    assert (choice.device, choice.precision) == ("cuda", "fp16")
    assert "cpu/bf16" not in run.calls and "cpu/fp32" in run.calls  # fp32 on the CPU is the reference


def test_impossible_settings_fail_clearly():
    with pytest.raises(ModelError, match="cannot run here"):
        choose(None, MACHINE, CPU, FakeRun({}), device="cuda")
    with pytest.raises(ModelError, match="unknown precision"):
        choose(None, MACHINE, CPU, FakeRun({}), precision="int8")


def test_gpu_candidates_appear_only_with_a_gpu():
    keys = lambda hardware: [c.key for c in candidates(hardware)]
    assert keys(Hardware()) == ["cpu/fp32", "cpu/bf16"]
    assert keys(Hardware(cpu_fp16=True)) == ["cpu/fp32", "cpu/bf16", "cpu/fp16"]
    assert keys(Hardware(cuda=True)) == ["cpu/fp32", "cpu/bf16", "cuda/fp16"]
    assert keys(Hardware(cuda=True, cuda_bf16=True))[-2:] == ["cuda/fp16", "cuda/bf16"]
    assert keys(Hardware(mps=True))[-2:] == ["mps/fp32", "mps/fp16"]


def test_a_fast_gpu_is_chosen():
    gpu = candidates(Hardware(cuda=True, cuda_bf16=True))
    run = FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 0.5, "cuda/fp16": 0.01, "cuda/bf16": 0.012},
                  {"cuda/bf16": tilted(np.arccos(0.9991))})
    choice, _ = choose(None, MACHINE, gpu, run)
    assert (choice.device, choice.precision) == ("cuda", "fp16")


def test_the_choice_is_remembered_in_the_home(tmp_path, monkeypatch):
    monkeypatch.setattr(precision, "probe_hardware", lambda: Hardware(cpu_fp16=True))
    run = FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 0.5, "cpu/fp16": 0.8})
    first = precision.choose_in_home(tmp_path, "m", run)
    assert first.chosen_by == "measurement" and (tmp_path / "precision.json").exists()
    calls = len(run.calls)
    second = precision.choose_in_home(tmp_path, "m", run)
    assert second.chosen_by == "remembered measurement" and len(run.calls) == calls
    assert (second.device, second.precision) == (first.device, first.precision)


def test_a_damaged_memory_is_measured_anew(tmp_path, monkeypatch):
    monkeypatch.setattr(precision, "probe_hardware", lambda: Hardware())
    run = FakeRun({"cpu/fp32": 1.0, "cpu/bf16": 0.5})
    for damage in ("{not json", '{"fingerprint": 3}', '{"fingerprint": %s, "measurements": [{"x": 1}]}'):
        machine = precision.fingerprint("m", Hardware())
        (tmp_path / "precision.json").write_text(damage.replace("%s", json.dumps(machine)))
        assert precision.choose_in_home(tmp_path, "m", run).chosen_by == "measurement", damage


def test_environment_sets_device_and_precision_and_flags_win(monkeypatch, tmp_path):
    monkeypatch.setenv("READNEXT_DEVICE", "cpu")
    monkeypatch.setenv("READNEXT_PRECISION", "bf16")
    assert (Config.load(home=tmp_path).device, Config.load(home=tmp_path).precision) == ("cpu", "bf16")
    assert Config.load(home=tmp_path, precision="fp32").precision == "fp32"


def test_fingerprint_names_the_cpu_its_flags_and_cores():
    machine = precision.fingerprint("all-MiniLM-L6-v2", Hardware())
    assert machine["cores"] >= 1 and machine["cpu"] and isinstance(machine["flags"], list)
    assert machine["model"] == "all-MiniLM-L6-v2" and machine["torch"]


def test_status_shows_where_the_model_runs(engine):
    status = views.status(engine)
    assert {"device", "precision", "papers_per_s", "chosen_by"} <= status.keys()


@pytest.mark.model
def test_the_chosen_precision_agrees_with_fp32(tmp_path):
    from readnext.vectors.embed import TransformerEmbedder, load_embedder
    chosen = load_embedder(Config.load(home=tmp_path, device="auto", precision="auto"))
    assert chosen.papers_per_s > 0 and chosen.chosen_by == "measurement"
    texts = [f"{r['title']}. {r['abstract']}" for r in sample_records(16)]
    reference = TransformerEmbedder(device="cpu", precision="fp32").embed(texts)
    assert (np.sum(chosen.embed(texts) * reference, axis=1) >= 0.999).all()
