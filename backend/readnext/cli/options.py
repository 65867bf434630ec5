"""The options commands share, declared once, and the configuration they give."""
from __future__ import annotations

import argparse

from ..config import Config


def add_shared(parser: argparse.ArgumentParser) -> None:
    """Where the data lives and where and how the model runs: every command takes these."""
    parser.add_argument("--home", help="data directory (default $READNEXT_HOME or ~/.local/share/readnext)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"],
                        help="where the model runs (default $READNEXT_DEVICE, else the fastest measured)")
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"],
                        help="the model's number format (default $READNEXT_PRECISION, else the fastest measured "
                             "that agrees with fp32)")


def add_model(parser: argparse.ArgumentParser) -> None:
    """Every command that may load the model (all but `pair`); last in its usage line."""
    parser.add_argument("--model", help="embedding model: a local path or a Hugging Face name")


def config_of(args: argparse.Namespace) -> Config:
    """The configuration the command's options give (the environment and defaults for the rest)."""
    return Config.load(home=getattr(args, "home", None), model=getattr(args, "model", None),
                       host=getattr(args, "host", None), port=getattr(args, "port", None),
                       device=getattr(args, "device", None), precision=getattr(args, "precision", None))
