"""`readnext`: parse arguments, call the library, print. Errors become one short line and exit status 1.

The parser (parser.py, with the shared options of options.py) binds each command to its module by job: corpus.py
(import, backfill, fetch), reading.py (recommend, train), data.py (status, export, check), serving.py (serve,
pair). local.py opens the data directory here, client.py talks to a running server, progress.py and output.py
print; the benchmarks declare their own arguments (bench/command.py)."""
from __future__ import annotations

import os
import sys

from ..errors import ReadNextError
from ..process import configure_process
from .local import Factories
from .output import terminal_safe
from .parser import build_parser

__all__ = ["Factories", "build_parser", "main"]


def main(argv: list[str] | None = None, factories: Factories = Factories()) -> int:
    """`readnext ARGS`; its exit status. `factories` make what the commands run on (tests give their own)."""
    configure_process()
    args = build_parser(factories).parse_args(argv)
    try:
        return args.func(args)
    except ReadNextError as error:
        print(f"readnext: {terminal_safe(error)}", file=sys.stderr)  # errors may quote what they refused
        return 1
    except KeyboardInterrupt:
        print("readnext: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `readnext export | head`: the reader has what it wanted
        # Python would try again to flush standard output at exit and fail the same way: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as if ended by SIGPIPE, like other tools in a pipe


if __name__ == "__main__":
    sys.exit(main())
