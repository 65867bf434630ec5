"""configure_process() in a fresh process (this test session has set itself up already): torch on the cores the
process may use, numpy's BLAS on one thread, no loading bars, and what the user set in the environment kept."""
import json
import os
import subprocess
import sys

from readnext.process import cpu_cores

REPORT = """
import json, os, sys
from threadpoolctl import threadpool_info
{before}
from readnext.process import configure_process
configure_process()
import torch
from transformers.utils import logging
print(json.dumps({{"torch_threads": torch.get_num_threads(), "bars": logging.is_progress_bar_enabled(),
                  "blas_threads": [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"],
                  "environment": {{name: os.environ.get(name) for name in
                                  ("TOKENIZERS_PARALLELISM", "HF_HUB_DISABLE_TELEMETRY", "OMP_NUM_THREADS")}}}}))
"""


def configured(cores: set[int], before: str = "") -> dict:
    """What a process on these cores reports after configure_process(); `before` runs first."""
    env = {name: value for name, value in os.environ.items() if name not in ("TOKENIZERS_PARALLELISM",
                                                                            "HF_HUB_DISABLE_PROGRESS_BARS")}
    env.update(HF_HUB_DISABLE_TELEMETRY="yes, mine", OMP_NUM_THREADS="7")
    result = subprocess.run([sys.executable, "-c", REPORT.format(before=before)], capture_output=True, text=True,
                            env=env, timeout=300, preexec_fn=lambda: os.sched_setaffinity(0, cores))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_process_is_set_up_for_its_cores_before_torch_loads():
    cores = os.sched_getaffinity(0)
    report = configured(cores)
    assert report["torch_threads"] == len(cores)  # every core it may use, not the 7 the environment said
    assert report["blas_threads"] and set(report["blas_threads"]) == {1}
    assert report["bars"] is False
    assert report["environment"] == {"TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_TELEMETRY": "yes, mine",
                                     "OMP_NUM_THREADS": str(len(cores))}


def test_the_cores_are_those_the_process_may_use_and_torch_loaded_before_gets_them_too():
    one_core = {min(os.sched_getaffinity(0))}  # as under taskset or a container's limit
    assert configured(one_core, before="import torch; torch.set_num_threads(3)")["torch_threads"] == 1


def test_cpu_cores_counts_the_cores_this_process_may_use():
    assert cpu_cores() == len(os.sched_getaffinity(0)) >= 1
