"""What a ReadNext process sets for itself, once, at its start: the CLI's main, `readnext serve`, the benchmarks'
entry points and the test session call configure_process() before anything loads the model. These settings are
the whole process's (thread pools, environment variables that libraries read when they load), so no constructor
sets them as a side effect of making one object."""
from __future__ import annotations

import os
import sys

import numpy  # noqa: F401  loaded before the limit below: threadpoolctl limits the libraries loaded so far
from threadpoolctl import threadpool_limits

# Read by the libraries when they load, so set before any of them is imported; a value the user set stays.
ENVIRONMENT = {
    "TOKENIZERS_PARALLELISM": "false",  # the tokenizer's own thread pool would compete with torch's for the cores
    "HF_HUB_DISABLE_TELEMETRY": "1",  # the model's libraries send nothing about this machine anywhere
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # no loading bars from transformers in the CLI's output or the server's log
}


def cpu_cores() -> int:
    """The cores this process may run on (taskset and container limits included)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def configure_process() -> None:
    """Thread pools and environment for this process and the ones it starts. Calling it again changes nothing."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    # The model's forward pass uses every core this process may run on. torch's OpenMP pool reads this when torch
    # loads: set here, it sizes the pool without importing torch (1.6 s) in commands that never embed.
    os.environ["OMP_NUM_THREADS"] = str(cpu_cores())
    if "torch" in sys.modules:  # loaded before this call, so past reading the variable
        sys.modules["torch"].set_num_threads(cpu_cores())
    # numpy's BLAS threads spin for work: on ranking's small matrices, with another thread or process on the
    # other core, they made each product ~7x slower (3 ms against 20 ms, measured on this machine)
    threadpool_limits(1, user_api="blas")
