"""The prepared GPU check of issue 8 (item 6), in two steps; it has not run on a GPU yet (docs/benchmarks.md).

1. Here, where the package and its dependencies are installed:
       python -m readnext.bench.gpu_check pack bench-out/gpu-kit
   writes the bundled model as fp16 safetensors (~45 MB: travels more easily than the 83 MB wheel), copies the
   pure-Python tinydb and the hnswlib extension beside it, for a machine that has torch and transformers only
   (hnswlib's binary works where the Python version matches: cpython-3.11 here), and the data both parts read
   (the arXiv sample, CiteSeer: 5 MB), so the kit (~51 MB) is all the machine needs besides the repository.
2. On the GPU machine, with the kit carried along (bench-out/ is ignored by git, so name it to be carried):
       PYTHONPATH=backend python -m readnext.bench.gpu_check run bench-out/gpu-kit --out "$OUT"
   which takes a few minutes: the product's embedder on CUDA against CPU fp32 (cosine) and the raw forward pass
   at batch sizes 32 and 256 (`readnext bench embed --device cuda`), then `readnext bench quality` on
   CiteSeer with the model on the GPU (no baselines: they need scikit-learn, and do not use the GPU; the
   product needs scipy, which such a machine may lack: then that part fails, is reported, and the check goes on).
   Each part's report lands in OUT; a part that fails is reported and the next still runs.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

MODEL_DIR = "model-fp16"
SITE_DIR = "site"
DATA = ("data/arxiv-sample.jsonl", "bench/citeseer/corpus.jsonl", "bench/citeseer/users.jsonl")


def pack(kit: Path, shared: Path) -> int:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from ..config import DEFAULT_MODEL
    from ..vectors.embed import resolve_model
    path = resolve_model(DEFAULT_MODEL)
    AutoModel.from_pretrained(path, dtype=torch.float16).save_pretrained(kit / MODEL_DIR, safe_serialization=True)
    AutoTokenizer.from_pretrained(path).save_pretrained(kit / MODEL_DIR)
    for name in ("tinydb", "hnswlib", "threadpoolctl"):  # process.py needs threadpoolctl
        module = __import__(name)
        source = Path(module.__file__)
        if source.name == "__init__.py":  # a package: its directory
            shutil.copytree(source.parent, kit / SITE_DIR / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:  # an extension module: the one binary file
            (kit / SITE_DIR).mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, kit / SITE_DIR / source.name)
    for name in DATA:
        (kit / "shared" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(shared / name, kit / "shared" / name)
    size = sum(f.stat().st_size for f in kit.rglob("*") if f.is_file()) / 2**20
    print(f"packed {kit} ({size:.0f} MB): carry it to the GPU machine")
    return 0


def run(kit: Path, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    shared = kit / "shared"
    backend = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(backend), str(kit / SITE_DIR)]),
           "TOKENIZERS_PARALLELISM": "false"}
    model = str(kit / MODEL_DIR)
    parts = {
        "embed": [sys.executable, "-m", "readnext.bench.embedding", "--device", "cuda", "--model", model,
                  "--sample", str(shared / "data" / "arxiv-sample.jsonl"), "--papers", "1024",
                  "--batch-size", "32", "--batch-size", "256", "--json"],
        "quality": [sys.executable, "-m", "readnext.cli", "bench", "quality", "--model", model, "--no-baselines",
                    "--corpus", str(shared / "bench" / "citeseer" / "corpus.jsonl"),
                    "--users", str(shared / "bench" / "citeseer" / "users.jsonl"),
                    "--home", str(out / "citeseer-home")],
    }
    failed = 0
    for name, command in parts.items():
        print(f"== {name}: {' '.join(command)}", flush=True)
        with open(out / f"{name}.txt", "w", encoding="utf-8") as log:  # the check's own report files
            code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                                  env={**env, "READNEXT_DEVICE": "cuda"}).returncode
        print((out / f"{name}.txt").read_text("utf-8")[-4000:], flush=True)
        failed += code != 0
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m readnext.bench.gpu_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    packing = steps.add_parser("pack")
    packing.add_argument("kit", type=Path)
    packing.add_argument("--shared", type=Path, default=Path("../shared"))
    step = steps.add_parser("run")
    step.add_argument("kit", type=Path)
    step.add_argument("--out", type=Path, default=Path("bench-out/gpu-check"))
    args = parser.parse_args(argv)
    return pack(args.kit, args.shared) if args.step == "pack" else run(args.kit, args.out)


if __name__ == "__main__":
    sys.exit(main())
