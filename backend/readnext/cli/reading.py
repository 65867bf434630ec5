"""What to read next: `recommend`, and `train`, which learns the ranking again from your history."""
from __future__ import annotations

from ..errors import NotFound, ValidationError
from ..records.papers import canonical_id
from . import client, output
from .local import Factories, backend_for, open_engine
from .options import config_of


def _context(text: str | None) -> dict | None:
    """A paper id when the text is one, else a query."""
    if not text:
        return None
    try:
        return {"paper_id": canonical_id(text)}
    except ValidationError:
        return {"query": text}


def recommend(args, factories: Factories) -> int:
    with backend_for(config_of(args), factories) as backend:
        try:
            result = backend.recommend(_context(args.context), args.k)
        except NotFound:  # an id-like text that names no stored paper: search for it instead
            result = backend.recommend({"query": args.context}, args.k)
    if args.json:
        print(output.json_text(result))
    else:
        output.print_recommendations(result)
    return 0


def train(args, factories: Factories) -> int:
    config = config_of(args)
    if client.running_server(config) is not None:
        print("the running server trains the ranking itself after new events: nothing to do")
        return 0
    with open_engine(config, factories.engine) as engine:
        trained = engine.retrain_from_log()
    state = "ranks your lists" if trained["active"] else "waits for more (the fixed formula ranks)"
    print(f"learned from {trained['choice_sets']} lists with {trained['chosen']} papers opened: the model {state}")
    return 0
