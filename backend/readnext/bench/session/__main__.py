"""python -m readnext.bench.session: the benchmark until the CLI mounts it as `readnext bench session`."""
import argparse
import sys

from .command import add_arguments, run

parser = argparse.ArgumentParser(prog="python -m readnext.bench.session", description=__doc__)
add_arguments(parser)
sys.exit(run(parser.parse_args()))
