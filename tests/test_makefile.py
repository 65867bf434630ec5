"""The README's commands: `make serve` and `make test` install into the project's own virtual environment, so
they work where the system Python refuses pip (Debian's externally-managed-environment)."""
import re
import shutil
import subprocess

import pytest

from conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(*args, cwd=REPO):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_make_venv_creates_the_projects_own_environment(tmp_path):
    venv = tmp_path / "venv"
    result = make("venv", f"VENV={venv}")
    assert result.returncode == 0, result.stderr
    check = "import sys, pip; print(sys.prefix != sys.base_prefix)"  # a venv of its own, with pip
    inside = subprocess.run([str(venv / "bin" / "python"), "-c", check], capture_output=True, text=True)
    assert inside.stdout.strip() == "True", inside.stderr
    assert "-m venv" not in make("venv", f"VENV={venv}").stdout  # made once, then kept


@pytest.mark.parametrize("target", ["install", "serve", "test", "bench", "bench-speed", "bench-embed"])
def test_every_target_runs_python_from_the_environment(tmp_path, target):
    venv = tmp_path / "venv"
    plan = make("-n", target, f"VENV={venv}")  # what make would run, without running it
    assert plan.returncode == 0, plan.stderr
    runs = [line for line in plan.stdout.splitlines() if re.search(r"\s-m (pip|pytest|readnext)\b", line)]
    assert runs and all(line.strip().startswith(f"{venv}/bin/python -m") for line in runs), plan.stdout


@pytest.mark.parametrize("target", ["bench", "bench-speed", "bench-embed"])
def test_a_benchmark_installs_the_bench_extra_first(tmp_path, target):
    """scikit-learn is the benchmarks' (the bench extra), not the product's: each bench target installs it."""
    plan = make("-n", target, f"VENV={tmp_path / 'venv'}").stdout.splitlines()
    extra = [i for i, line in enumerate(plan) if re.search(r"-m pip install .*'\.\[bench\]'", line)]
    bench = [i for i, line in enumerate(plan) if " -m readnext.cli bench " in line]
    assert extra and bench and extra[0] < bench[0], plan
