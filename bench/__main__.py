"""`python -m bench [--scale 0.1 --scale 1] [--only NAME] [--reuse] [--report bench/results.md]`."""

from __future__ import annotations

import sys

from bench.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
