"""`python -m devserver ...` entry point."""

from __future__ import annotations

import sys

from devserver.cli import main

# The guard matters: on macOS multiprocessing (used by honcho) spawns fresh interpreters that
# re-import this module as `__mp_main__`; they must not start a second dev server.
if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
