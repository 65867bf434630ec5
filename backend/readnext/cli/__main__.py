"""`python -m readnext.cli`."""
import sys

from . import main

sys.exit(main())
