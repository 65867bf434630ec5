"""Configuration, passed in, never read from globals. The data directory is resolved here and only here."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ValidationError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_PORT = 8765
# An extension's id, as its origin names it: Chromium's 32 letters a-p, Firefox's UUID for this installation
EXTENSION_ID = re.compile(r"[a-p]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def resolve_home(home: str | os.PathLike | None = None) -> Path:
    """`home`, else $READNEXT_HOME, else ~/.local/share/readnext."""
    if home:
        return Path(home).expanduser().resolve()
    if os.environ.get("READNEXT_HOME"):
        return Path(os.environ["READNEXT_HOME"]).expanduser().resolve()
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return (Path(data) / "readnext").resolve()


@dataclass(frozen=True)
class Config:
    home: Path
    model: str = DEFAULT_MODEL
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    # Where and in what number format the model runs: "auto" measures this machine (precision.py).
    device: str = "auto"  # auto, cpu, cuda, mps
    precision: str = "auto"  # auto, fp32, bf16, fp16
    # Extension ids allowed to call the API (READNEXT_EXTENSION_IDS, separated by commas or spaces); empty allows
    # any chrome-extension:// or moz-extension:// origin (the pairing token is what proves the caller is ours).
    extension_ids: tuple[str, ...] = ()
    max_request_bytes: int = 2 * 1024 * 1024
    index_save_every: int = 500  # index additions between saves; a crash re-adds the rest from the cache
    fetch: dict = field(default_factory=dict)

    @classmethod
    def load(cls, home=None, **overrides) -> "Config":
        values = {k: v for k, v in overrides.items() if v is not None}
        if "model" not in values and os.environ.get("READNEXT_MODEL"):
            values["model"] = os.environ["READNEXT_MODEL"]
        for name in ("device", "precision"):
            if name not in values and os.environ.get(f"READNEXT_{name.upper()}"):
                values[name] = os.environ[f"READNEXT_{name.upper()}"]
        if "extension_ids" not in values:
            values["extension_ids"] = extension_ids(os.environ.get("READNEXT_EXTENSION_IDS", ""))
        return cls(home=resolve_home(home), **values)

    def with_(self, **changes) -> "Config":
        return replace(self, **changes)


def extension_ids(text: str) -> tuple[str, ...]:
    """The ids of READNEXT_EXTENSION_IDS, separated by commas or white space."""
    ids = tuple(part for part in re.split(r"[\s,]+", text) if part)
    for wrong in (i for i in ids if not EXTENSION_ID.fullmatch(i)):
        raise ValidationError(f"READNEXT_EXTENSION_IDS: {wrong!r} is not an extension id (Chromium's 32 letters a-p, "
                              "as chrome://extensions shows it, or Firefox's Internal UUID from about:debugging)")
    return ids
