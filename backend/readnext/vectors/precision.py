"""Which device and number format the embedding model runs in, chosen by measuring this machine.

bf16 is ~1.8x fp32 on a CPU with bf16 units (AVX-512 bf16, AMX) and 5-8x slower where it is emulated (AVX2
only), so no format is right everywhere. At first start, and again when the model, torch or the machine
changes (its fingerprint), every candidate runs one short forward pass of the real model; the fastest whose
vectors stay within cosine 0.999 of CPU fp32 on the same texts wins, and the choice is remembered in the home.
A device or precision given by the user (flag or environment variable) narrows the candidates; when it leaves
one, nothing is measured.
"""
from __future__ import annotations

import platform
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import ModelError
from ..process import cpu_cores

MIN_COSINE = 0.999
FILE_NAME = "precision.json"
PRECISIONS = ("fp32", "bf16", "fp16")
DEVICES = ("cpu", "cuda", "mps")
# The CPU flags that decide how fast bf16/fp16 run; the rest of /proc/cpuinfo's flags do not matter here.
SPEED_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_fp16", "amx_tile", "neon", "asimd")

# Scientific paragraphs, joined in pairs below into texts of abstract length (~100-150 tokens): speed and
# agreement are measured on inputs shaped like the corpus's (short inputs hide most of bf16's gain).
_PARAGRAPHS = [
    "We study the distribution of dark matter in galaxy clusters using weak gravitational lensing of background "
    "galaxies observed with a wide-field survey telescope. The mass profiles we measure agree with the "
    "Navarro-Frenk-White form out to the virial radius, and the concentration-mass relation we find is slightly "
    "higher than predicted by cold dark matter simulations at the same redshift.",
    "Graph neural networks learn node representations by passing messages between neighbouring nodes. We show "
    "that the expressive power of message passing is bounded by the Weisfeiler-Lehman test and propose a "
    "higher-order variant that distinguishes regular graphs, improving accuracy on molecular property "
    "prediction benchmarks while keeping the cost linear in the number of edges.",
    "We prove that the space of cusp forms of weight two on the congruence subgroup is spanned by products of "
    "Eisenstein series, and give an explicit basis in terms of theta functions attached to quadratic forms.",
    "Protein structure prediction from sequence has improved rapidly with attention-based models. We analyse "
    "which residue contacts these models recover, compare them with contacts from molecular dynamics, and find "
    "that errors concentrate in flexible loops and in regions with few homologous sequences.",
    "A randomized controlled trial of a school-based reading intervention in 42 primary schools found modest "
    "gains in comprehension after one year that faded by the end of the second year.",
    "Quantum error correction with surface codes requires physical error rates below a threshold. We report "
    "logical qubits whose error rate falls as the code distance grows from three to five on a superconducting "
    "processor, with leakage removal after every round of stabiliser measurements.",
    "Reinforcement learning from human feedback aligns language models with stated preferences, but reward "
    "models can be exploited. We measure reward hacking across model scales and propose an ensemble penalty.",
    "Stellar streams in the Milky Way halo constrain the shape of the dark matter potential.",
]
TEXTS = [f"{a} {b}" for a, b in zip(_PARAGRAPHS, _PARAGRAPHS[1:] + _PARAGRAPHS[:1])]


@dataclass(frozen=True)
class Candidate:
    device: str
    precision: str

    @property
    def key(self) -> str:
        return f"{self.device}/{self.precision}"


REFERENCE = Candidate("cpu", "fp32")


@dataclass(frozen=True)
class Measurement:
    device: str
    precision: str
    papers_per_s: float
    cosine: float  # the lowest cosine to CPU fp32 over the measured texts

    @property
    def candidate(self) -> Candidate:
        return Candidate(self.device, self.precision)


@dataclass(frozen=True)
class Choice:
    device: str
    precision: str
    papers_per_s: float | None  # None: set by the user and never measured on this machine
    chosen_by: str  # "measurement", "remembered measurement", or what the user set


@dataclass(frozen=True)
class Hardware:
    """What the machine offers; probed from torch, injected in tests."""
    cpu_fp16: bool = False
    cuda: bool = False
    cuda_bf16: bool = False
    mps: bool = False


# --- what can run here ------------------------------------------------------------------------------------------
def candidates(hardware: Hardware) -> list[Candidate]:
    found = [REFERENCE, Candidate("cpu", "bf16")]
    if hardware.cpu_fp16:
        found.append(Candidate("cpu", "fp16"))
    if hardware.cuda:
        found.append(Candidate("cuda", "fp16"))
        if hardware.cuda_bf16:
            found.append(Candidate("cuda", "bf16"))
    if hardware.mps:
        found += [Candidate("mps", "fp32"), Candidate("mps", "fp16")]
    return found


def allowed(found: list[Candidate], device: str = "auto", precision: str = "auto") -> list[Candidate]:
    """The candidates a user's --device / --precision leave; an impossible request is an error, not a fallback."""
    if device not in ("auto", *DEVICES):
        raise ModelError(f"unknown device '{device}': use auto, {', '.join(DEVICES)}")
    if precision not in ("auto", *PRECISIONS):
        raise ModelError(f"unknown precision '{precision}': use auto, {', '.join(PRECISIONS)}")
    left = [c for c in found if device in ("auto", c.device) and precision in ("auto", c.precision)]
    if not left:
        raise ModelError(f"device {device} with precision {precision} cannot run here "
                         f"(available: {', '.join(c.key for c in found)})")
    return left


def probe_hardware() -> Hardware:
    import torch
    return Hardware(cpu_fp16=_cpu_runs_fp16(torch), cuda=torch.cuda.is_available(),
                    cuda_bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),
                    mps=bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available())


def _cpu_runs_fp16(torch) -> bool:
    """Older torch builds have no CPU kernels for half-precision matmul or layer norm."""
    try:
        x = torch.ones(2, 4, dtype=torch.float16)
        torch.nn.functional.layer_norm(x @ x.T, (2,))
    except RuntimeError:
        return False
    return True


# --- the machine ------------------------------------------------------------------------------------------------
def cpu_description() -> tuple[str, list[str]]:
    """CPU model name and the flags of SPEED_FLAGS it has."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        info = Path("/proc/cpuinfo").read_text(errors="replace")  # a system probe, not the user's data
    except OSError:
        info = ""
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            name = value.strip()
        elif key.strip() in ("flags", "Features"):
            flags |= set(value.split())
    return name, [flag for flag in SPEED_FLAGS if flag in flags]


def fingerprint(model: str, hardware: Hardware) -> dict:
    import torch
    name, flags = cpu_description()
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if hardware.cuda else []
    return {"model": model, "torch": torch.__version__, "cpu": name, "flags": flags, "cores": cpu_cores(),
            "gpus": gpus, "mps": hardware.mps}


# --- the choice -------------------------------------------------------------------------------------------------
ROUNDS = 3  # every candidate once per round; its fastest pass counts: other jobs only ever slow a pass down
Run = Callable[[Candidate], tuple[float, np.ndarray]]
"""One timed forward pass of a candidate over TEXTS: (seconds, vectors)."""


def measure(options: list[Candidate], run: Run) -> list[Measurement]:
    """Each candidate timed on the same texts, CPU fp32 first: it is the reference for the cosine. Rounds are
    interleaved, so a burst of load from elsewhere cannot fall on all passes of one candidate alone."""
    order = [REFERENCE] + [c for c in options if c != REFERENCE]
    seconds, vectors = {}, {}
    for _ in range(ROUNDS):
        for candidate in order:
            took, vectors[candidate] = run(candidate)
            seconds[candidate] = min(took, seconds.get(candidate, took))
    reference = _unit(vectors[REFERENCE])
    return [Measurement(c.device, c.precision, len(vectors[c]) / seconds[c],
                        float(np.min(np.sum(_unit(vectors[c]) * reference, axis=1)))) for c in order]


def pick(measurements: list[Measurement], options: list[Candidate]) -> Measurement:
    """The fastest of the options whose vectors agree with fp32."""
    good = [m for m in measurements if m.candidate in options and m.cosine >= MIN_COSINE]
    if not good:
        raise ModelError("no device and precision allowed here gives vectors within cosine "
                         f"{MIN_COSINE} of fp32; allow fp32 (--precision auto)")
    return max(good, key=lambda m: m.papers_per_s)


def choose(remembered: dict | None, machine: dict, found: list[Candidate], run: Run,
           device: str = "auto", precision: str = "auto", set_by: str = "") -> tuple[Choice, dict | None]:
    """The choice, and what to remember (None when nothing new was measured)."""
    options = allowed(found, device, precision)
    known = _known(remembered, machine)
    if len(options) == 1:  # the user decided: measure nothing
        only = options[0]
        speed = known[only].papers_per_s if only in known else None
        return Choice(only.device, only.precision, speed, set_by or "the only candidate"), None
    if all(option in known for option in options):
        best = pick(list(known.values()), options)
        return Choice(best.device, best.precision, best.papers_per_s, "remembered measurement"), None
    measured = measure(options, run)
    known.update({m.candidate: m for m in measured})
    best = pick(measured, options)
    memory = {"fingerprint": machine, "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "measurements": [asdict(m) for m in known.values()]}
    return Choice(best.device, best.precision, best.papers_per_s, "measurement"), memory


def _known(remembered: dict | None, machine: dict) -> dict[Candidate, Measurement]:
    """The remembered measurements when they were taken on this machine; a damaged memory is measured anew."""
    if not isinstance(remembered, dict) or remembered.get("fingerprint") != machine:
        return {}
    try:
        known = [Measurement(**m) for m in remembered["measurements"]]
    except (KeyError, TypeError):
        return {}
    return {m.candidate: m for m in known}


def choose_in_home(home: Path, model: str, run: Run, device: str = "auto", precision: str = "auto",
                   set_by: str = "") -> Choice:
    """`choose` with its memory in the home (home/precision.json)."""
    from ..store import storage  # here, not at the top: a bare GPU machine has torch but not storage's tinydb
    hardware = probe_hardware()
    path = Path(home) / FILE_NAME
    try:
        remembered = storage.read_json(path)
    except ValueError:  # torn or edited by hand: measure again rather than refuse to start
        remembered = None
    choice, memory = choose(remembered, fingerprint(model, hardware), candidates(hardware), run,
                            device, precision, set_by)
    if memory is not None:
        storage.atomic_write_json(path, memory)
    return choice


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
